/**
 * The player's clock: while playing it turns elapsed wall time into a whole
 * number of events to advance at the chosen speed (events per second). It
 * ticks on a timer, at most ~60 times a second, so 1000 events/s moves about
 * 16 events per tick instead of asking the UI for 1000 updates; fractions
 * carry over, so 1 event/s advances exactly once a second.
 */

export interface TickSource {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Calls `callback` after about `ms`; returns a cancel function. */
  after(ms: number, callback: () => void): () => void;
}

export const timerTicks: TickSource = {
  now: () => performance.now(),
  after: (ms, callback) => {
    const handle = setTimeout(callback, ms);
    return () => clearTimeout(handle);
  },
};

/** Shortest tick, ms (about one display frame). */
const MIN_TICK_MS = 16;

export class PlayLoop {
  private cancel: (() => void) | null = null;
  private last = 0;
  private carry = 0;
  private speed = 1;
  private onAdvance: ((events: number) => void) | null = null;

  constructor(private readonly ticks: TickSource = timerTicks) {}

  get running(): boolean {
    return this.cancel !== null;
  }

  /** Starts (or restarts) calling `onAdvance(n)` with n ≥ 1 events to move. */
  start(eventsPerSecond: number, onAdvance: (events: number) => void): void {
    if (!(eventsPerSecond > 0)) throw new RangeError(`speed must be > 0 events/s, got ${eventsPerSecond}`);
    this.stop();
    this.speed = eventsPerSecond;
    this.onAdvance = onAdvance;
    this.last = this.ticks.now();
    this.carry = 0;
    this.schedule();
  }

  /** Changes speed without losing the time already elapsed. */
  setSpeed(eventsPerSecond: number): void {
    if (!(eventsPerSecond > 0)) throw new RangeError(`speed must be > 0 events/s, got ${eventsPerSecond}`);
    if (this.running) {
      this.accumulate();
      this.cancel?.();
      this.speed = eventsPerSecond;
      this.schedule();
    } else {
      this.speed = eventsPerSecond;
    }
  }

  stop(): void {
    this.cancel?.();
    this.cancel = null;
    this.onAdvance = null;
  }

  private schedule(): void {
    const interval = Math.max(MIN_TICK_MS, 1000 / this.speed);
    this.cancel = this.ticks.after(interval, () => this.tick());
  }

  private accumulate(): void {
    const now = this.ticks.now();
    this.carry += ((now - this.last) * this.speed) / 1000;
    this.last = now;
  }

  private tick(): void {
    this.accumulate();
    // A tick may land a hair early; never let float dust lose an event.
    const events = Math.floor(this.carry + 1e-9);
    this.carry = Math.max(0, this.carry - events);
    const advance = this.onAdvance;
    this.schedule();
    if (events > 0 && advance) advance(events);
  }
}
