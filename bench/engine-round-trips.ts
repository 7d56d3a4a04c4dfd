/** Fault round trips per second through the whole core with an in-memory sink. */
import { performance } from 'node:perf_hooks';
import type { TraceEvent } from '../src/shared/events';
import { runScenario } from '../src/core/engine/run-scenario';
import { CountingSink, type TraceSink } from '../src/core/trace/sink';
import { yieldToScript } from '../src/node/recorder/record-run';
import { manyFaults } from './workload';

/** Counts events and page responses (one per completed fault round trip) and drops them. */
class RoundTripSink implements TraceSink {
  count = 0;
  pageResponses = 0;
  emit(e: TraceEvent): void {
    this.count++;
    if (e.kind === 'PAGE_RESPONSE') this.pageResponses++;
  }
}

export async function runEngineRoundTrips(accesses: number): Promise<{ roundTripsPerSec: number; events: number; eventsPerSec: number }> {
  const spec = manyFaults(accesses);
  await runScenario(manyFaults(1000), new CountingSink(), { yieldToScript }); // warm-up
  const sink = new RoundTripSink();
  const start = performance.now();
  const summary = await runScenario(spec, sink, { yieldToScript });
  const ms = performance.now() - start;
  if (summary.failed) throw new Error('bench scenario failed its own checks');
  return { roundTripsPerSec: (sink.pageResponses / ms) * 1000, events: sink.count, eventsPerSec: (sink.count / ms) * 1000 };
}
