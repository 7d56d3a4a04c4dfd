/**
 * Records one run: creates the session row (status running), runs the engine
 * with a SqliteSink, and marks the session complete, or aborted with the
 * reason if the run throws. Events committed before a failure stay.
 */
import { createHash } from 'node:crypto';
import { runScenario, type RunOptions, type RunSummary } from '../../core/engine/run-scenario';
import { parseScenario, ScenarioError, type ScenarioSpec } from '../../core/scenario/spec';
import type { SqlDatabase } from '../db/sql-database';
import { SessionStore } from './session-store';
import { SqliteSink } from './sqlite-sink';

export interface RecordedRun {
  readonly sessionId: number;
  readonly summary: RunSummary;
  readonly spec: ScenarioSpec;
}

export interface RecordOptions extends RunOptions {
  readonly appVersion: string;
  /** Session name; defaults to the scenario name. */
  readonly name?: string;
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

export function recordRun(db: SqlDatabase, source: string, origin: string, options: RecordOptions): RecordedRun {
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
    vendor: spec.vendor,
    appVersion: options.appVersion,
  });
  const sink = new SqliteSink(db, sessionId);
  try {
    const summary = runScenario(spec, sink, { ...options, seed, kernelProfile });
    sink.flush();
    store.finish(sessionId, 'complete', {
      eventCount: summary.eventCount,
      endNs: summary.endNs,
      passed: summary.passed,
      failed: summary.failed,
      summary: `${summary.passed} passed, ${summary.failed} failed; ${summary.pageResponses} page response(s)`,
    });
    return { sessionId, summary, spec };
  } catch (e) {
    try {
      sink.flush();
    } finally {
      store.finish(sessionId, 'aborted', {
        eventCount: sink.committed,
        endNs: 0n,
        passed: 0,
        failed: 0,
        summary: `run failed: ${(e as Error).message}`,
      });
    }
    throw e;
  }
}
