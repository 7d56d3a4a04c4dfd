/**
 * Discrete-event scheduler on virtual time. Callbacks run in (time, insertion
 * order), so two events at the same instant always run in the order they were
 * scheduled: the source of the engine's determinism. Nothing here reads the
 * wall clock.
 */
import { ZERO_NS, type Ns } from '../../shared/time';

interface Entry {
  readonly t: Ns;
  readonly order: number;
  readonly run: () => void;
}

const before = (a: Entry, b: Entry): boolean => a.t < b.t || (a.t === b.t && a.order < b.order);

export class Scheduler {
  private readonly heap: Entry[] = [];
  private order = 0;
  private current: Ns = ZERO_NS;

  /** The virtual time of the callback being run (or of the last one run). */
  get now(): Ns {
    return this.current;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Runs `run` at now + delay. */
  after(delay: bigint, run: () => void): void {
    if (delay < 0n) throw new RangeError('Scheduler.after: negative delay');
    this.push({ t: (this.current + delay) as Ns, order: this.order++, run });
  }

  /** Runs `run` at absolute virtual time `t` (not in the past). */
  at(t: Ns, run: () => void): void {
    if (t < this.current) throw new RangeError('Scheduler.at: time in the past');
    this.push({ t, order: this.order++, run });
  }

  /** Runs one callback; false when nothing is pending. */
  step(): boolean {
    const next = this.pop();
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

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
