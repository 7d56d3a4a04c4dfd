/**
 * A span the watchdog measures both in wall time and in its own ticks: it has
 * passed only when at least `ms` went by AND at least ⌈ms / tickMs⌉ ticks
 * observed it. On a loaded machine the watchdog's timer fires late, and the
 * worker it watches is starved just as much; counting observed ticks stretches
 * the window in proportion to how late the ticks come, so one late tick (the
 * whole process got no CPU for a while) never ends a run on its own, while a
 * worker that really stopped still ends after the same number of ticks.
 */
export class TickWindow {
  /** Ticks the window must see before it can pass. */
  readonly ticksNeeded: number;
  private startedAt = -1;
  private ticks = 0;

  constructor(
    readonly ms: number,
    tickMs: number,
  ) {
    if (!(ms >= 0) || !(tickMs > 0)) throw new RangeError(`TickWindow: need ms ≥ 0 and tickMs > 0, got ${ms} and ${tickMs}`);
    this.ticksNeeded = Math.max(1, Math.ceil(ms / tickMs));
  }

  /** True while a span is being measured. */
  get running(): boolean {
    return this.startedAt >= 0;
  }

  /** Starts measuring from `now` (again, when it was running). */
  restart(now: number): void {
    this.startedAt = now;
    this.ticks = 0;
  }

  /** Stops measuring; the next observe() starts afresh. */
  reset(): void {
    this.startedAt = -1;
    this.ticks = 0;
  }

  /**
   * One watchdog tick during which the watched condition held: starts the span
   * when none is running, else counts the tick. True once the span has passed.
   */
  observe(now: number): boolean {
    if (this.startedAt < 0) {
      this.restart(now);
      return false;
    }
    this.ticks++;
    return this.ticks >= this.ticksNeeded && now - this.startedAt >= this.ms;
  }
}
