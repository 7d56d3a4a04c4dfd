/**
 * Loads data for a key that keeps changing (the player's cursor) so that
 * only the newest answer is ever shown: a request may wait `delayMs` first
 * (while playing fast, most keys are skipped entirely), and an answer that
 * arrives after a newer request was made is dropped.
 */

export interface LatestLoaderOptions<K, V> {
  readonly load: (key: K) => Promise<V>;
  readonly onResult: (value: V, key: K) => void;
  readonly onError: (error: unknown, key: K) => void;
  /** Called when a request starts waiting or loading (for a "loading" hint). */
  readonly onPending?: (key: K) => void;
}

export class LatestLoader<K, V> {
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(private readonly options: LatestLoaderOptions<K, V>) {}

  /** Asks for `key`; after `delayMs` (0: at once) it loads unless a newer request came. */
  request(key: K, delayMs = 0): void {
    if (this.disposed) return;
    const generation = ++this.generation;
    this.clearTimer();
    this.options.onPending?.(key);
    if (delayMs <= 0) {
      void this.run(key, generation);
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run(key, generation);
    }, delayMs);
  }

  /** Forgets any request in flight: its answer will be dropped. */
  cancel(): void {
    this.generation++;
    this.clearTimer();
  }

  dispose(): void {
    this.cancel();
    this.disposed = true;
  }

  private async run(key: K, generation: number): Promise<void> {
    try {
      const value = await this.options.load(key);
      if (generation === this.generation && !this.disposed) this.options.onResult(value, key);
    } catch (err) {
      if (generation === this.generation && !this.disposed) this.options.onError(err, key);
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
