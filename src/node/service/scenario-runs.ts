/**
 * Running and checking scenarios for the UI. Every run is a job in a process
 * of its own (src/node/jobs): a TypeScript scenario runs in the scenario
 * runtime's worker inside it, so a scenario that brings its process down
 * cannot take the host with it; a declarative JSON scenario runs there too.
 * Either way the result says what went wrong as diagnostics on the
 * scenario's lines, and script errors resolve the call: only a failure of the
 * workbench itself rejects it.
 */
import type { RunResult, ScenarioDiagnostic, ScenarioSource } from '../../shared/api/workbench';
import type { KernelProfileId } from '../../shared/uapi/profiles';
import type { VendorId } from '../../core/scenario/script-host';
import { ScenarioError } from '../../core/scenario/spec';
import type { SqlDatabase } from '../db/sql-database';
import { parseScenarioSource } from '../recorder/record-run';
import { SessionStore } from '../recorder/session-store';
import { withSqliteErrors } from '../recorder/sqlite-errors';
import { formatScriptError } from '../scenario-runtime/errors';
import { scenarioFormatOf } from '../scenario-runtime/run-scenario-source';
import { prepareScript } from '../scenario-runtime/transpile';
import { JobCancelledError, type JobRunner } from '../jobs/job-runner';
import { runScriptJob } from '../jobs/script-job';
import { runEventDiagnostics, scriptErrorDiagnostic, specErrorDiagnostic } from './diagnostics';

export interface ResolvedRun {
  readonly source: ScenarioSource;
  readonly seed?: number;
  readonly kernelProfile?: KernelProfileId;
  readonly vendor?: VendorId;
}

const CANCELLED = 'the run was cancelled';

/** Compiles without running: esbuild and the runtime's static checks (imports), or the JSON spec's parser. */
export async function checkScenarioSource(source: ScenarioSource): Promise<ScenarioDiagnostic[]> {
  if (scenarioFormatOf(source.fileName) === 'json') {
    try {
      parseScenarioSource(source.text, source.fileName);
      return [];
    } catch (e) {
      if (e instanceof ScenarioError) return [specErrorDiagnostic(e.message)];
      throw e;
    }
  }
  const prepared = await prepareScript(source.text, source.fileName);
  return prepared.ok ? [] : [scriptErrorDiagnostic(prepared.error)];
}

export function runScenarioSource(db: SqlDatabase, jobs: JobRunner, jobId: string | undefined, run: ResolvedRun): Promise<RunResult> {
  return scenarioFormatOf(run.source.fileName) === 'json' ? runDeclarative(db, jobs, jobId, run) : runScript(db, jobs, jobId, run);
}

async function runScript(db: SqlDatabase, jobs: JobRunner, jobId: string | undefined, run: ResolvedRun): Promise<RunResult> {
  const r = await runScriptJob(jobs, jobId, {
    databasePath: db.path,
    source: run.source.text,
    fileName: run.source.fileName,
    ...(run.seed !== undefined ? { seed: run.seed } : {}),
    ...(run.kernelProfile !== undefined ? { kernelProfile: run.kernelProfile } : {}),
    ...(run.vendor !== undefined ? { vendor: run.vendor } : {}),
  });
  const sessionId = r.sessionId ?? null;
  const diagnostics: ScenarioDiagnostic[] = [];
  if (r.error && !r.cancelled) diagnostics.push(scriptErrorDiagnostic(r.error));
  if (sessionId !== null) diagnostics.push(...runEventDiagnostics(db, sessionId));
  const o = r.outcome;
  return {
    sessionId,
    eventCount: o?.eventCount ?? recordedEvents(db, sessionId) ?? r.events,
    passed: o?.passed ?? 0,
    failed: o?.failed ?? 0,
    violations: o?.violations ?? 0,
    error: r.cancelled ? CANCELLED : r.error ? formatScriptError(r.error) : null,
    cancelled: r.cancelled,
    diagnostics,
  };
}

async function runDeclarative(db: SqlDatabase, jobs: JobRunner, jobId: string | undefined, run: ResolvedRun): Promise<RunResult> {
  const job = jobs.start(jobId, {
    kind: 'run-json',
    databasePath: db.path,
    source: run.source.text,
    fileName: run.source.fileName,
    ...(run.seed !== undefined ? { seed: run.seed } : {}),
    ...(run.kernelProfile !== undefined ? { kernelProfile: run.kernelProfile } : {}),
    ...(run.vendor !== undefined ? { vendor: run.vendor } : {}),
  });
  try {
    const r = await job.result;
    const sessionId = r.sessionId ?? job.sessions[0] ?? null;
    const diagnostics: ScenarioDiagnostic[] = [];
    if (r.error !== null) diagnostics.push(sessionId === null ? specErrorDiagnostic(r.error) : { ...specErrorDiagnostic(r.error), source: 'runtime' });
    if (sessionId !== null) diagnostics.push(...runEventDiagnostics(db, sessionId));
    return {
      sessionId,
      eventCount: r.error === null ? r.eventCount : (recordedEvents(db, sessionId) ?? 0),
      passed: r.passed,
      failed: r.failed,
      violations: r.violations,
      error: r.error,
      cancelled: false,
      diagnostics,
    };
  } catch (e) {
    if (!(e instanceof JobCancelledError)) throw e;
    const sessionId = job.sessions[0] ?? null;
    if (sessionId !== null) markCancelled(db, sessionId);
    return { sessionId, eventCount: recordedEvents(db, sessionId) ?? 0, passed: 0, failed: 0, violations: 0, error: CANCELLED, cancelled: true, diagnostics: [] };
  }
}

function recordedEvents(db: SqlDatabase, sessionId: number | null): number | null {
  if (sessionId === null) return null;
  const r = db.prepare('SELECT event_count FROM sessions WHERE id = ?').get(sessionId);
  return r ? Number(r.event_count) : null;
}

/** A run stopped by the user keeps the events it committed and says it was cancelled. */
function markCancelled(db: SqlDatabase, sessionId: number): void {
  const store = new SessionStore(db);
  if (store.get(sessionId)?.status !== 'running') return;
  const row = db.prepare('SELECT count(*) AS n, max(t) AS t FROM events WHERE session_id = ?').get(sessionId);
  withSqliteErrors(db.path, `marking session ${sessionId} cancelled`, () =>
    store.finish(sessionId, 'aborted', { eventCount: Number(row?.n ?? 0), endNs: BigInt(Number(row?.t ?? 0)), passed: 0, failed: 0, summary: CANCELLED }),
  );
}
