/**
 * Where the engine's events go. The core defines the interface; the recorder
 * (src/node) writes them into SQLite, tests keep them in memory.
 */
import type { TraceEvent } from '../../shared/events';

export interface TraceSink {
  emit(event: TraceEvent): void;
}

/** Keeps every event in an array (tests, benches, replay comparison). */
export class MemorySink implements TraceSink {
  readonly events: TraceEvent[] = [];
  emit(event: TraceEvent): void {
    this.events.push(event);
  }
}

/** Counts events and drops them (benchmarks of the engine alone). */
export class CountingSink implements TraceSink {
  count = 0;
  emit(): void {
    this.count++;
  }
}
