/**
 * Records one run of a declarative (JSON) scenario: creates the session row
 * (status running), runs the engine
 * with a SqliteSink, marks the session complete and builds its derived tables
 * (src/node/analysis/session-index.ts), or marks it aborted with the reason if
 * the run throws. Events committed before a failure stay.
 */
import { createHash } from 'node:crypto';
import { runScenario, type RunOptions, type RunSummary } from '../../core/engine/run-scenario';
import { parseScenario, ScenarioError, type ScenarioSpec } from '../../core/scenario/spec';
import type { SqlDatabase } from '../db/sql-database';
import { indexSession } from '../analysis/session-index';
import { SessionStore } from './session-store';
import { SqliteSink } from './sqlite-sink';

export interface RecordedRun {
  readonly sessionId: number;
  readonly summary: RunSummary;
  readonly spec: ScenarioSpec;
}

/** Lets the engine's pending promise continuations run between virtual-time steps. */
export const yieldToScript = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface RecordOptions extends Omit<RunOptions, 'yieldToScript'> {
  readonly appVersion: string;
  /** Session name; defaults to the scenario name. */
  readonly name?: string;
  /** Events per transaction (default 10 000). */
  readonly batchSize?: number;
}

/** Parses scenario source text (JSON) with a message that names the file. */
export function parseScenarioSource(source: string, origin: string): ScenarioSpec {
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (e) {
    throw new ScenarioError(`${origin}: not valid JSON: ${(e as Error).message}`);
  }
  try {
    return parseScenario(json);
  } catch (e) {
    if (e instanceof ScenarioError) throw new ScenarioError(`${origin}: ${e.message}`);
    throw e;
  }
}

export async function recordRun(db: SqlDatabase, source: string, origin: string, options: RecordOptions): Promise<RecordedRun> {
  const spec = parseScenarioSource(source, origin);
  const seed = options.seed ?? spec.seed;
  const kernelProfile = options.kernelProfile ?? spec.kernelProfile;
  const store = new SessionStore(db);
  const sessionId = store.create({
    name: options.name ?? spec.name,
    scenarioName: spec.name,
    scenarioSource: source,
    scenarioHash: createHash('sha256').update(source).digest('hex'),
    seed,
    kernelProfile,
    vendor: options.vendor ?? spec.vendor,
    appVersion: options.appVersion,
    scenarioFormat: 'json',
  });
  const sink = new SqliteSink(db, sessionId, options.batchSize);
  let summary: RunSummary;
  try {
    summary = await runScenario(spec, sink, { ...options, seed, kernelProfile, yieldToScript });
    sink.flush();
    store.finish(sessionId, 'complete', {
      eventCount: summary.eventCount,
      endNs: summary.endNs,
      passed: summary.passed,
      failed: summary.failed,
      summary: `${summary.passed} passed, ${summary.failed} failed${summary.violations ? `; ${summary.violations} invariant violation(s)` : ''}`,
    });
  } catch (e) {
    abort(db, store, sink, sessionId, e);
    throw e;
  }
  indexSession(db, sessionId);
  return { sessionId, summary, spec };
}

/** Keeps what can be kept after a failed run and marks the session aborted (best effort). */
function abort(db: SqlDatabase, store: SessionStore, sink: SqliteSink, sessionId: number, e: unknown): void {
  try {
    if (!sink.error) sink.flush();
  } catch {
    // The buffered batch could not be written; the committed ones stay.
  }
  try {
    const committed = sink.committed;
    const end = db.prepare('SELECT max(t) AS t FROM events WHERE session_id = ?').get(sessionId);
    store.finish(sessionId, 'aborted', {
      eventCount: committed,
      endNs: BigInt(Number(end?.t ?? 0)),
      passed: 0,
      failed: 0,
      summary: `run failed: ${(e as Error).message}`,
    });
  } catch {
    // The database refuses writes (full, locked, read-only): the session stays
    // 'running' and is marked aborted the next time a recorder opens the file.
  }
}
