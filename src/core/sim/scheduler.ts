/**
 * Discrete-event scheduler on virtual time. Callbacks run in (time, insertion
 * order), so two events at the same instant always run in the order they were
 * scheduled: the source of the engine's determinism. Nothing here reads the
 * wall clock.
 */
import { ZERO_NS, type Ns } from '../../shared/time';

const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/** A scheduled callback. `tn` is `t` as a double: exact up to 2^53 ns (104 days), compared before the bigint. */
class Entry {
  constructor(
    readonly t: Ns,
    readonly tn: number,
    readonly order: number,
    readonly run: () => void,
  ) {}
}

/**
 * True when `a` runs first. Number() never reverses the order of two bigints,
 * so a smaller double means an earlier time; equal doubles beyond 2^53 may
 * still be different times and fall back to the bigints.
 */
function before(a: Entry, b: Entry): boolean {
  if (a.tn !== b.tn) return a.tn < b.tn;
  if (a.tn > MAX_EXACT && a.t !== b.t) return a.t < b.t;
  return a.order < b.order;
}

export class Scheduler {
  /** Binary min-heap of pending callbacks, ordered by `before`. */
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
    const t = (delay === 0n ? this.current : this.current + delay) as Ns;
    this.push(new Entry(t, Number(t), this.order++, run));
  }

  /** Runs `run` at absolute virtual time `t` (not in the past). */
  at(t: Ns, run: () => void): void {
    if (t < this.current) throw new RangeError('Scheduler.at: time in the past');
    this.push(new Entry(t, Number(t), this.order++, run));
  }

  /** Runs one callback; false when nothing is pending. */
  step(): boolean {
    const next = this.pop();
    if (next === undefined) return false;
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

  private push(x: Entry): void {
    const h = this.heap;
    let i = h.length;
    h.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!before(x, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = x;
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const n = h.length;
    if (n === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (n === 1) return top;
    const size = n - 1;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      const r = l + 1;
      let m = l;
      if (r < size && before(h[r]!, h[l]!)) m = r;
      if (!before(h[m]!, last)) break;
      h[i] = h[m]!;
      i = m;
    }
    h[i] = last;
    return top;
  }
}
