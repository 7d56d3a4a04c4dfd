/**
 * Discrete-event scheduler on virtual time. Callbacks run in (time, insertion
 * order), so two events at the same instant always run in the order they were
 * scheduled: the source of the engine's determinism. Nothing here reads the
 * wall clock.
 */
import { ZERO_NS, type Ns } from '../../shared/time';
import { MinHeap } from '../base/min-heap';

interface Entry {
  readonly t: Ns;
  readonly order: number;
  readonly run: () => void;
}

const before = (a: Entry, b: Entry): boolean => a.t < b.t || (a.t === b.t && a.order < b.order);

export class Scheduler {
  private readonly heap = new MinHeap<Entry>(before);
  private order = 0;
  private current: Ns = ZERO_NS;

  /** The virtual time of the callback being run (or of the last one run). */
  get now(): Ns {
    return this.current;
  }

  get pending(): number {
    return this.heap.size;
  }

  /** Runs `run` at now + delay. */
  after(delay: bigint, run: () => void): void {
    if (delay < 0n) throw new RangeError('Scheduler.after: negative delay');
    this.heap.push({ t: (this.current + delay) as Ns, order: this.order++, run });
  }

  /** Runs `run` at absolute virtual time `t` (not in the past). */
  at(t: Ns, run: () => void): void {
    if (t < this.current) throw new RangeError('Scheduler.at: time in the past');
    this.heap.push({ t, order: this.order++, run });
  }

  /** Runs one callback; false when nothing is pending. */
  step(): boolean {
    const next = this.heap.pop();
    if (!next) return false;
    this.current = next.t;
    next.run();
    return true;
  }

  /** Runs until nothing is pending or `maxSteps` callbacks ran; returns the count run. */
  runUntilIdle(maxSteps = Number.MAX_SAFE_INTEGER): number {
    let n = 0;
    while (n < maxSteps && this.step()) n++;
    return n;
  }
}
