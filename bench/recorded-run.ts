/** The same workload recorded into SQLite through the real recorder. */
import { performance } from 'node:perf_hooks';
import { runScenario } from '../src/core/engine/run-scenario';
import { openBetterSqlite } from '../src/node/db/better-sqlite3-driver';
import { prepareRecorderDb } from '../src/node/recorder/recorder-db';
import { yieldToScript } from '../src/node/recorder/record-run';
import { SessionStore } from '../src/node/recorder/session-store';
import { SqliteSink } from '../src/node/recorder/sqlite-sink';
import { manyFaults } from './workload';

export async function runRecordedRun(path: string, accesses: number): Promise<{ events: number; ms: number; threaded: boolean }> {
  const db = prepareRecorderDb(openBetterSqlite(path));
  const id = new SessionStore(db).create({ name: 'bench', scenarioName: 'bench', scenarioSource: '{}', scenarioHash: '0', seed: 1, kernelProfile: 'upstream', vendor: 'vtd', appVersion: 'bench' });
  const spec = manyFaults(accesses);
  const sink = new SqliteSink(db, id);
  const start = performance.now();
  const summary = await runScenario(spec, sink, { yieldToScript });
  const threaded = sink.threaded;
  sink.flush();
  const ms = performance.now() - start;
  db.close();
  if (summary.failed) throw new Error('bench scenario failed its own checks');
  return { events: summary.eventCount, ms, threaded };
}
