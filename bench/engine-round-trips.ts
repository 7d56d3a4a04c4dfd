/** Fault round trips per second through the whole core with an in-memory sink. */
import { performance } from 'node:perf_hooks';
import { runScenario } from '../src/core/engine/run-scenario';
import { CountingSink } from '../src/core/trace/sink';
import { manyFaults } from './workload';

export function runEngineRoundTrips(accesses: number): { roundTripsPerSec: number; events: number; eventsPerSec: number } {
  const spec = manyFaults(accesses);
  runScenario(manyFaults(1000), new CountingSink()); // warm-up
  const sink = new CountingSink();
  const start = performance.now();
  const summary = runScenario(spec, sink);
  const ms = performance.now() - start;
  if (summary.failed) throw new Error('bench scenario failed its own checks');
  return { roundTripsPerSec: (summary.pageResponses / ms) * 1000, events: sink.count, eventsPerSec: (sink.count / ms) * 1000 };
}
