/**
 * The job process's entry: runs one long job (record a scenario, export a
 * session, import a trace file, verify a replay) in a child process of the
 * host with its own database connection (WAL lets it write while the host's
 * connection reads), so neither the host's thread nor the host's process is
 * at risk: a TypeScript scenario runs in the scenario runtime's worker thread
 * inside this process, and an allocation V8 cannot survive ends this process,
 * not the host (job-runner.ts reports it). Posts throttled progress, the id of
 * a session it creates, and one 'done' or 'failed' at the end. The host
 * cancels a job by killing the process: SQLite rolls back the open
 * transaction when the next connection opens the database.
 */
import { ScenarioError } from '../../core/scenario/spec';
import { verifyReplay } from '../analysis/replay';
import { APP_VERSION } from '../app-info';
import { openDatabase } from '../db/open-database';
import type { SqlDatabase } from '../db/sql-database';
import { recordRun } from '../recorder/record-run';
import { prepareRecorderDb } from '../recorder/recorder-db';
import { runScenarioScript } from '../scenario-runtime/run-scenario-script';
import { exportSessionToFile, importTraceFile } from '../trace-files/trace-files';
import { countingDatabase, type RowCounter } from './counting-db';
import {
  JOB_WORKER_TAG,
  PROGRESS_EVERY_MS,
  type JobInput,
  type JobResults,
  type JobStartMessage,
  type JobWorkerMessage,
  type RunJsonResult,
  type RunTsResult,
  type ScriptPosition,
} from './job-protocol';

type Post = (m: JobWorkerMessage) => void;

/** Runs `input` and posts its messages; exported for tests that run a job on the calling thread. */
export async function runJob(input: JobInput, post: Post): Promise<void> {
  if (input.kind === 'run-ts') {
    post({ type: 'done', result: await runTs(input, post) });
    return;
  }
  let phase = 'starting';
  let total: number | null = null;
  let last = 0;
  /** The scenario line a verify's re-run last passed: the host names it if this process dies. */
  let at: ScriptPosition | undefined;
  const progress = (done: number, force = false): void => {
    const now = performance.now();
    if (!force && now - last < PROGRESS_EVERY_MS) return;
    last = now;
    post({ type: 'progress', phase, done, total, ...(at ? { at } : {}) });
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
        const r = exportSessionToFile(db, input.sessionId, input.format, input.path);
        result = { path: r.path, bytes: r.bytes, events: r.events };
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
          onLine: (line) => {
            at = line;
            progress(compared);
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

/** Runs a TypeScript scenario in the runtime's worker; the runtime marks the session aborted when the worker fails. */
async function runTs(input: Extract<JobInput, { kind: 'run-ts' }>, post: Post): Promise<RunTsResult> {
  post({ type: 'progress', phase: 'compiling', done: 0, total: null });
  let last = 0;
  const r = await runScenarioScript({
    source: input.source,
    filename: input.fileName,
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
    ...(input.kernelProfile !== undefined ? { kernelProfile: input.kernelProfile } : {}),
    ...(input.vendor !== undefined ? { vendor: input.vendor } : {}),
    ...(input.typesPath !== undefined ? { typesPath: input.typesPath } : {}),
    record: { databasePath: input.databasePath, ...(input.sessionName !== undefined ? { sessionName: input.sessionName } : {}) },
    limits: { memoryMb: input.memoryMb },
    // The host resolved (and, without a build, wrote out) the scenario worker once for all its jobs.
    ...(process.env.IOPF_SCENARIO_WORKER ? { workerPath: process.env.IOPF_SCENARIO_WORKER } : {}),
    onSession: (sessionId) => post({ type: 'session', sessionId }),
    onProgress: (events, at) => {
      // Every watchdog tick carries the line: it is what the host names if this process dies.
      const now = performance.now();
      if (now - last < PROGRESS_EVERY_MS) return;
      last = now;
      post({ type: 'progress', phase: 'running', done: events, total: null, ...(at ? { at } : {}) });
    },
  });
  return {
    ok: r.ok,
    ...(r.outcome ? { outcome: r.outcome } : {}),
    ...(r.error ? { error: r.error } : {}),
    events: r.events,
    ...(r.sessionId !== undefined ? { sessionId: r.sessionId } : {}),
  };
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

/** Started by JobRunner (job-runner.ts) as a child process: runs the one job it is sent, then exits. */
if (process.env.IOPF_JOB_PROCESS === JOB_WORKER_TAG && typeof process.send === 'function') {
  // Under Electron-as-Node `process.resourcesPath` is not set; open-database.ts looks there for the Electron-ABI SQLite binding.
  const proc = process as { resourcesPath?: string };
  if (proc.resourcesPath === undefined && process.env.IOPF_RESOURCES_PATH) proc.resourcesPath = process.env.IOPF_RESOURCES_PATH;
  // Without its host nobody wants the result: a host that died or closed ends the job too.
  process.on('disconnect', () => process.exit(0));
  // Sent at once (libuv writes to the channel even while a synchronous job holds this thread); exit waits for the last one.
  let unsent = 0;
  let drained: (() => void) | undefined;
  const post: Post = (m) => {
    if (!process.connected) return;
    unsent++;
    process.send!(m, undefined, {}, () => {
      if (--unsent === 0) drained?.();
    });
  };
  const allSent = (): Promise<void> => (unsent === 0 ? Promise.resolve() : new Promise((resolve) => (drained = resolve)));
  process.once('message', (m: JobStartMessage) => {
    if (m?.type !== 'start' || m.tag !== JOB_WORKER_TAG) process.exit(70);
    runJob(m.input, post)
      .catch((e: unknown) => {
        const err = e instanceof Error ? e : new Error(String(e));
        post({ type: 'failed', name: err.name, message: err.message });
      })
      // Exit once the last message is out: the esbuild service and the like keep handles open otherwise.
      .then(allSent)
      .then(() => process.exit(0));
  });
}
