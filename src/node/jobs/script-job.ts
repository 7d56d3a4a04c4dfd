/**
 * Runs a TypeScript scenario as a job (in its own process, job-runner.ts) and
 * answers the way the scenario runtime does: one result whatever happened,
 * with a ScriptError naming the scenario line when the run failed. What the
 * runtime cannot report itself — its process was killed (cancel) or died (an
 * allocation V8 could not survive) — is reported here: the session the job
 * created is marked aborted at once, keeping every committed event.
 */
import type { SqlDatabase } from '../db/sql-database';
import { openDatabase } from '../db/open-database';
import { prepareRecorderDb } from '../recorder/recorder-db';
import { SessionStore } from '../recorder/session-store';
import type { ScriptError } from '../scenario-runtime/errors';
import { markAborted } from '../scenario-runtime/recording';
import { SCENARIO_MEMORY_MB, type JobInput, type RunTsResult } from './job-protocol';
import { describeDeath, JobCancelledError, JobProcessDiedError, type JobProcessDeath, type JobRunner } from './job-runner';

export type ScriptJobInput = Omit<Extract<JobInput, { kind: 'run-ts' }>, 'kind' | 'memoryMb'> & { readonly memoryMb?: number };

export interface ScriptJobResult extends RunTsResult {
  /** The run was cancelled (its process killed). */
  readonly cancelled: boolean;
}

export const RUN_CANCELLED = 'the run was cancelled';

/** The message for a job process that died, as the scenario sees it. */
export function deathMessage(death: JobProcessDeath, memoryMb: number): string {
  if (death.outOfMemory) {
    const line = death.at ? '; this is the last line it passed' : '';
    return `runaway allocation: the scenario's process ran out of memory (limit ${memoryMb} MB) and was terminated${line}`;
  }
  return `the scenario's process ${describeDeath(death)}`;
}

export async function runScriptJob(jobs: JobRunner, jobId: string | undefined, input: ScriptJobInput): Promise<ScriptJobResult> {
  const memoryMb = input.memoryMb ?? SCENARIO_MEMORY_MB;
  const job = jobs.start(jobId, { ...input, kind: 'run-ts', memoryMb });
  try {
    return { ...(await job.result), cancelled: false };
  } catch (e) {
    const sessionId = job.sessions[0];
    let error: ScriptError;
    if (e instanceof JobCancelledError) error = { kind: 'internal', message: RUN_CANCELLED, file: input.fileName, line: 0, column: 0 };
    else if (e instanceof JobProcessDiedError) {
      const d = e.death;
      error = {
        kind: d.outOfMemory ? 'runaway' : 'internal',
        message: deathMessage(d, memoryMb),
        file: input.fileName,
        line: d.at?.line ?? 0,
        column: d.at?.column ?? 0,
      };
    } else throw e;
    if (sessionId !== undefined) abortSession(input.databasePath, sessionId, error);
    return {
      ok: false,
      error,
      events: sessionId !== undefined ? committedEvents(input.databasePath, sessionId) : 0,
      ...(sessionId !== undefined ? { sessionId } : {}),
      cancelled: e instanceof JobCancelledError,
    };
  }
}

function withRecorderDb<T>(path: string, use: (db: SqlDatabase) => T): T {
  const db = prepareRecorderDb(openDatabase(path));
  try {
    return use(db);
  } finally {
    db.close();
  }
}

/** Marks a session the dead or killed process left `running` aborted; its committed events stay. */
function abortSession(path: string, sessionId: number, error: ScriptError): void {
  try {
    withRecorderDb(path, (db) => {
      const store = new SessionStore(db);
      if (store.get(sessionId)?.status === 'running') markAborted(db, store, sessionId, undefined, error);
    });
  } catch {
    // The database is unusable from here too; the next recorder to open it marks the session aborted.
  }
}

function committedEvents(path: string, sessionId: number): number {
  try {
    return withRecorderDb(path, (db) => Number(db.prepare('SELECT count(*) AS n FROM events WHERE session_id = ?').get(sessionId)?.n ?? 0));
  } catch {
    return 0;
  }
}
