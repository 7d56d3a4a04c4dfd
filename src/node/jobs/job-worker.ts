/**
 * The job worker: runs one long job (record a declarative scenario, export a
 * session, import a trace file, verify a replay) on a worker thread with its
 * own database connection (WAL lets it write while the host's connection
 * reads), so the host's thread stays free. Posts throttled progress, the id of
 * a session it creates, and one 'done' or 'failed' at the end. The host
 * cancels a job by terminating the worker: SQLite rolls back the open
 * transaction when the connection goes away with the thread.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ScenarioError } from '../../core/scenario/spec';
import { verifyReplay } from '../analysis/replay';
import { APP_VERSION } from '../app-info';
import { openDatabase } from '../db/open-database';
import type { SqlDatabase } from '../db/sql-database';
import { recordRun } from '../recorder/record-run';
import { prepareRecorderDb } from '../recorder/recorder-db';
import { FileByteSink } from '../trace-files/byte-sink';
import { importTraceFile, writeSession } from '../trace-files/trace-files';
import { TraceFileError } from '../trace-files/validate';
import { countingDatabase, type RowCounter } from './counting-db';
import { JOB_WORKER_TAG, PROGRESS_EVERY_MS, type JobInput, type JobResults, type JobWorkerMessage, type RunJsonResult } from './job-protocol';

type Post = (m: JobWorkerMessage) => void;

/** Runs `input` and posts its messages; exported for tests that run a job on the calling thread. */
export async function runJob(input: JobInput, post: Post): Promise<void> {
  let phase = 'starting';
  let total: number | null = null;
  let last = 0;
  const progress = (done: number, force = false): void => {
    const now = performance.now();
    if (!force && now - last < PROGRESS_EVERY_MS) return;
    last = now;
    post({ type: 'progress', phase, done, total });
  };
  const setPhase = (p: string, t: number | null, done = 0): void => {
    phase = p;
    total = t;
    progress(done, true);
  };
  let unitsOf: (c: RowCounter) => number = (c) => c.written;
  const base = prepareRecorderDb(openDatabase(input.databasePath));
  const { db } = countingDatabase(base, {
    onRows: (c) => progress(unitsOf(c)),
    onSession: (sessionId) => post({ type: 'session', sessionId }),
  });
  try {
    let result: JobResults[keyof JobResults];
    switch (input.kind) {
      case 'run-json':
        setPhase('running', null);
        result = await runJson(db, input);
        break;
      case 'export': {
        const n = eventCount(db, input.sessionId);
        unitsOf = (c) => c.read;
        setPhase('writing', n);
        result = exportTo(db, input.sessionId, input.format, input.path);
        break;
      }
      case 'import': {
        setPhase('reading', null);
        const r = importTraceFile(db, input.path);
        result = { sessionId: r.sessionId, format: r.format, events: r.events };
        break;
      }
      case 'verify': {
        // Progress is events compared equal, of the events the session recorded (not rows read: those run a page ahead).
        let compared = 0;
        unitsOf = () => compared;
        setPhase('replaying', recordedEvents(db, input.sessionId));
        result = await verifyReplay(db, input.sessionId, {
          trusted: input.trusted,
          onProgress: (n) => {
            compared = n;
            progress(n);
          },
        });
        progress(result.compared, true);
        break;
      }
    }
    post({ type: 'done', result });
  } finally {
    base.close();
  }
}

/** Events stored for the session (an imported or aborted session's event_count may not say). */
function recordedEvents(db: SqlDatabase, sessionId: number): number | null {
  const r = db.prepare('SELECT count(*) AS n FROM events WHERE session_id = ?').get(sessionId);
  return r ? Number(r.n) : null;
}

function eventCount(db: SqlDatabase, sessionId: number): number | null {
  const r = db.prepare('SELECT event_count FROM sessions WHERE id = ?').get(sessionId);
  return r ? Number(r.event_count) : null;
}

async function runJson(db: SqlDatabase, input: Extract<JobInput, { kind: 'run-json' }>): Promise<RunJsonResult> {
  try {
    const { sessionId, summary } = await recordRun(db, input.source, input.fileName, {
      appVersion: APP_VERSION,
      ...(input.seed !== undefined ? { seed: input.seed } : {}),
      ...(input.kernelProfile !== undefined ? { kernelProfile: input.kernelProfile } : {}),
      ...(input.vendor !== undefined ? { vendor: input.vendor } : {}),
    });
    return { sessionId, eventCount: summary.eventCount, passed: summary.passed, failed: summary.failed, violations: summary.violations, error: null };
  } catch (e) {
    // recordRun marked the session (if it created one) aborted; the host knows its id from the 'session' message.
    const message = e instanceof ScenarioError ? e.message : `${input.fileName}: ${(e as Error).message}`;
    return { sessionId: null, eventCount: 0, passed: 0, failed: 0, violations: 0, error: message };
  }
}

function exportTo(db: SqlDatabase, sessionId: number, format: Extract<JobInput, { kind: 'export' }>['format'], path: string): JobResults['export'] {
  let sink: FileByteSink;
  try {
    sink = new FileByteSink(path);
  } catch (e) {
    throw new TraceFileError(`${path}: cannot write: ${(e as Error).message}`);
  }
  try {
    const r = writeSession(db, sessionId, format, sink);
    sink.commit();
    return { path, bytes: sink.bytes, events: r.events };
  } catch (e) {
    sink.abort();
    throw e;
  }
}

if (!isMainThread && parentPort && (workerData as { tag?: unknown } | null)?.tag === JOB_WORKER_TAG) {
  const port = parentPort;
  const input = (workerData as { input: JobInput }).input;
  runJob(input, (m) => port.postMessage(m)).catch((e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ type: 'failed', name: err.name, message: err.message } satisfies JobWorkerMessage);
  });
}
