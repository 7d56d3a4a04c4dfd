import { toDisposable, type IDisposable } from './disposable';

export type Listener<T> = (value: T) => void;
/** The subscribe half of an Emitter, named `onXxx` by its owner. */
export type Event<T> = (listener: Listener<T>) => IDisposable;

/** A synchronous event source (VS Code's Emitter in miniature). */
export class Emitter<T> implements IDisposable {
  private listeners: Listener<T>[] = [];

  readonly event: Event<T> = (listener) => {
    this.listeners.push(listener);
    return toDisposable(() => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    });
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }

  get listenerCount(): number {
    return this.listeners.length;
  }

  dispose(): void {
    this.listeners = [];
  }
}
