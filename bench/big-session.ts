/**
 * The 1M-event session for the read and export figures: the bench workload
 * (`manyFaults`, about 22 events per fault; measured on a small run first)
 * recorded through the real recorder, then its derived tables built as when a
 * session stops.
 */
import { performance } from 'node:perf_hooks';
import { openBetterSqlite } from '../src/node/db/better-sqlite3-driver';
import type { SqlDatabase } from '../src/node/db/sql-database';
import { indexSession } from '../src/node/analysis/session-index';
import { prepareRecorderDb } from '../src/node/recorder/recorder-db';
import { SessionStore } from '../src/node/recorder/session-store';
import { SqliteSink } from '../src/node/recorder/sqlite-sink';
import { runScenario } from '../src/core/engine/run-scenario';
import { CountingSink } from '../src/core/trace/sink';
import { yieldToScript } from '../src/node/recorder/record-run';
import { manyFaults } from './workload';

export interface BigSession {
  readonly db: SqlDatabase;
  readonly sessionId: number;
  readonly events: number;
  /** Engine + recorder, ms. */
  readonly recordMs: number;
  /** Building the derived tables at stop, ms. */
  readonly indexMs: number;
}

/** Records about `events` events (whole faults) into `path`. */
export async function buildBigSession(path: string, events: number): Promise<BigSession> {
  const db = prepareRecorderDb(openBetterSqlite(path));
  const accesses = Math.max(1, Math.round(events / (await eventsPerFault())));
  const spec = manyFaults(accesses);
  const store = new SessionStore(db);
  const sessionId = store.create({ name: 'bench-1m', scenarioName: spec.name, scenarioSource: '{}', scenarioHash: '0', seed: spec.seed, kernelProfile: spec.kernelProfile, vendor: spec.vendor, appVersion: 'bench' });
  const sink = new SqliteSink(db, sessionId);
  let start = performance.now();
  const summary = await runScenario(spec, sink, { yieldToScript });
  sink.flush();
  const recordMs = performance.now() - start;
  store.finish(sessionId, 'complete', { eventCount: summary.eventCount, endNs: summary.endNs, passed: summary.passed, failed: summary.failed, summary: 'bench' });
  start = performance.now();
  indexSession(db, sessionId);
  const indexMs = performance.now() - start;
  return { db, sessionId, events: summary.eventCount, recordMs, indexMs };
}

/** Events the engine emits per access of the bench workload, measured on 1000 accesses. */
async function eventsPerFault(): Promise<number> {
  const sink = new CountingSink();
  await runScenario(manyFaults(1000), sink, { yieldToScript });
  return sink.count / 1000;
}
