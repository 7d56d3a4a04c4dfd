/**
 * Which scenario source line caused an event (TraceEvent.line). The scenario
 * runtime's instrumented code stores the 1-based line of each call it is about
 * to make into a shared slot (`slot[0] = N`, src/node/scenario-runtime/instrument.ts);
 * this tracker decides, per event, where its line comes from:
 *
 *  1. host code acting for a scenario line (`withLine`: a built-in policy
 *     created on that line, a callback a script call scheduled) → that line;
 *  2. script code running (a turn of the script's continuations, or a script
 *     callback the engine calls) → the slot, the call being made;
 *  3. otherwise (the engine's own steps) → the line of the causal parent;
 *  4. none of these → no line (0, stored as null).
 *
 * Lines of recent events are kept in a ring (up to RING_MAX events back) for
 * rule 3; a parent older than that counts as having no line. Everything here
 * is a pure function of the run, so the line stream is as deterministic as the
 * events.
 */

/** Most events back whose line a parent lookup can find (4 MiB of Int32). */
const RING_MAX = 1 << 20;
const RING_START = 1 << 12;

export class LineTracker {
  /** The runtime's slot; slot[0] is the line of the script call being made (0: none). */
  private slot: Int32Array | null = null;
  /** True while script code runs (rule 2). */
  private scriptRunning = false;
  /** Line host code acts for (rule 1); 0 when none. */
  private acting = 0;
  private ring = new Int32Array(RING_START);
  private mask = RING_START - 1;
  /** Whether any event had a line yet (until then the ring is all zeros and untouched). */
  private seen = false;

  /** Connects the runtime's line slot (TypeScript scenarios); without one, rule 2 never applies. */
  attachSlot(slot: Int32Array): void {
    this.slot = slot;
  }

  /** The line a call made now would be attributed to (0: none), to hand to `withLine` later. */
  current(): number {
    if (this.acting > 0) return this.acting;
    if (this.scriptRunning && this.slot !== null) return this.slot[0]!;
    return 0;
  }

  /** Runs host code `fn` on behalf of scenario line `line` (0 leaves attribution as it is). */
  withLine<T>(line: number, fn: () => T): T {
    if (line <= 0) return fn();
    const saved = this.acting;
    this.acting = line;
    try {
      return fn();
    } finally {
      this.acting = saved;
    }
  }

  /**
   * Runs script code: events it causes take the slot's line. The slot is
   * cleared first so a line left from earlier script code is never reused.
   */
  runScript<T>(fn: () => T): T {
    const savedRunning = this.scriptRunning;
    const savedActing = this.acting;
    this.scriptRunning = true;
    this.acting = 0;
    if (this.slot !== null) this.slot[0] = 0;
    try {
      return fn();
    } finally {
      this.scriptRunning = savedRunning;
      this.acting = savedActing;
    }
  }

  /** Marks the start and end of a turn in which the script's continuations run (asynchronous, so no callback). */
  beginScriptTurn(): void {
    this.scriptRunning = true;
    this.acting = 0;
    if (this.slot !== null) this.slot[0] = 0;
  }

  endScriptTurn(): void {
    this.scriptRunning = false;
  }

  /** The line of event `seq` (the next one emitted) with causal parent `parent`; 0 for none. */
  lineFor(seq: number, parent: number | null): number {
    let line = this.acting;
    if (line === 0 && this.scriptRunning && this.slot !== null) line = this.slot[0]!;
    if (!this.seen) {
      // No event has had a line yet (an engine test, a declarative scenario): nothing to inherit or remember.
      if (line === 0) return 0;
      this.seen = true;
    }
    let mask = this.mask;
    if (line === 0 && parent !== null && parent < seq && seq - parent <= mask) line = this.ring[parent & mask]!;
    if (seq > mask && mask + 1 < RING_MAX) mask = this.grow(seq);
    this.ring[seq & mask] = line;
    return line;
  }

  /** Doubles the ring, keeping the lines of the events it still holds at their new places. */
  private grow(seq: number): number {
    const old = this.ring;
    const oldMask = this.mask;
    const ring = new Int32Array(old.length * 2);
    const mask = ring.length - 1;
    for (let s = Math.max(0, seq - old.length); s < seq; s++) ring[s & mask] = old[s & oldMask]!;
    this.ring = ring;
    this.mask = mask;
    return mask;
  }
}
