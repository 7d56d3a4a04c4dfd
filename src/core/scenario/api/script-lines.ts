/**
 * The scenario line an API function is called from, for functions that act
 * later on the caller's behalf (a built-in policy, a DMA stream's later
 * accesses): they remember the line when called and attribute their events to
 * it (src/core/trace/line-tracker.ts). The scenario runtime stores the line of
 * every call the script makes into `slot[0]` just before making it, so an API
 * function reading it first thing gets its own call's line — also while the
 * module's top level runs, before any run exists (`policy: mapThenSuccess(…)`).
 * Declarative scenarios make no script calls: their events carry no line.
 */

let slot: Int32Array | null = null;

/** Connects the runtime's line slot (one scenario at a time per worker or process). */
export function setScriptLineSlot(s: Int32Array | null): void {
  slot = s;
}

/** 1-based line of the scenario call being made; 0 when unknown. */
export function callerLine(): number {
  return slot === null ? 0 : slot[0]!;
}
