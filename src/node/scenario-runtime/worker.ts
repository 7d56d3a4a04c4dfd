/**
 * The scenario worker: runs the engine (ScriptHost) and the sandboxed scenario
 * together on a worker thread, never on the caller's thread. Records into
 * SQLite when asked (the session row goes running → complete, or aborted with
 * the error; events committed before an error are kept), or counts and
 * optionally collects the events or streams them to the parent in packed
 * batches (event-stream.ts). Posts one 'done' message at the end.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createScriptHost } from '../../core/scenario/create-script-host';
import type { ScriptOutcome, VendorId } from '../../core/scenario/script-host';
import type { TraceSink } from '../../core/trace/sink';
import type { TraceEvent } from '../../shared/events';
import { isKernelProfileId, type KernelProfileId } from '../../shared/uapi/profiles';
import { indexSession } from '../analysis/session-index';
import { APP_VERSION } from '../app-info';
import { openDatabase } from '../db/open-database';
import type { SqlDatabase } from '../db/sql-database';
import { prepareRecorderDb } from '../recorder/recorder-db';
import { SessionStore } from '../recorder/session-store';
import { RecorderError } from '../recorder/sqlite-errors';
import { SqliteSink } from '../recorder/sqlite-sink';
import { toScriptError } from './classify';
import { InternalError, type ScriptError } from './errors';
import { EventStreamWriter } from './event-stream';
import { createGuard } from './guard';
import { HB, HB_STATE } from './heartbeat';
import { ScriptPositions } from './positions';
import type { WorkerInput, WorkerMessage } from './protocol';
import { markAborted } from './recording';
import { createSandbox } from './sandbox';
import { WORKER_TAG } from './worker-tag';

interface Recording {
  readonly identity: RunIdentity;
  readonly db: SqlDatabase;
  readonly store: SessionStore;
  readonly sink: SqliteSink;
  readonly sessionId: number;
}

/** What the session row says about the run, read from the definition with ScriptHost's defaults. */
interface RunIdentity {
  readonly name: string;
  readonly seed: number;
  readonly kernelProfile: KernelProfileId;
  readonly vendor: VendorId;
}

const VENDORS: readonly string[] = ['vtd', 'smmuv3', 'amd'];

export async function runWorker(input: WorkerInput, post: (m: WorkerMessage, transfer?: ArrayBuffer[]) => void): Promise<void> {
  const view = new Int32Array(input.heartbeat);
  const positions = new ScriptPositions(input.script);
  const started = performance.now();
  const heapLimitBytes = Math.min(input.heapLimitMb * 2 ** 20, getHeapStatistics().heap_size_limit * 0.85);
  const guard = createGuard({
    view,
    sliceMs: input.sliceMs,
    heapLimitBytes,
    onTrip: (e) => post({ type: 'trip', error: toScriptError(e, positions, e.guardId) }),
  });

  let events = 0;
  const collected: TraceEvent[] | undefined = input.collect ? [] : undefined;
  const early: TraceEvent[] = [];
  let recording: Recording | undefined;
  const stream = input.stream
    ? new EventStreamWriter(input.stream, {
        post: (batch, transfer) => post({ type: 'events', batch }, transfer),
        waiting: () => guard.pulse(),
        waited: (ms) => guard.exclude(ms),
      })
    : undefined;
  const sink: TraceSink = {
    emit(event: TraceEvent): void {
      if (guard.tripped) throw guard.tripped;
      guard.pulse();
      view[HB.EVENTS] = ++events;
      collected?.push(event);
      stream?.add(event);
      if (input.record) {
        if (recording) recording.sink.emit(event);
        else early.push(event);
      }
    },
  };

  let recordingFailed = false;
  /** Opens the database and creates the session; any failure there is the workbench's (kind 'internal'). */
  const openRecording = (who: RunIdentity): Recording => {
    const record = input.record!;
    let db: SqlDatabase;
    try {
      db = prepareRecorderDb(openDatabase(record.databasePath));
    } catch (e) {
      recordingFailed = true;
      throw new InternalError(`cannot record into ${record.databasePath}: ${(e as Error).message}`);
    }
    try {
      const store = new SessionStore(db);
      const sessionId = store.create({
        name: record.sessionName ?? who.name,
        scenarioName: who.name,
        scenarioSource: input.script.source,
        scenarioHash: createHash('sha256').update(input.script.source).digest('hex'),
        scenarioFormat: 'ts',
        seed: who.seed,
        kernelProfile: who.kernelProfile,
        vendor: who.vendor,
        appVersion: APP_VERSION,
      });
      post({ type: 'session', sessionId });
      const rec = { identity: who, db, store, sink: new SqliteSink(db, sessionId), sessionId };
      for (const e of early) rec.sink.emit(e);
      early.length = 0;
      return rec;
    } catch (e) {
      recordingFailed = true;
      db.close();
      throw e instanceof RecorderError ? e : new InternalError(`cannot record into ${record.databasePath}: ${(e as Error).message}`);
    }
  };

  // A promise the script let reject with nobody listening fails the run at the next turn
  // (Node would otherwise end the worker with it).
  let unhandled: { reason: unknown } | undefined;
  process.on('unhandledRejection', (reason) => {
    unhandled ??= { reason };
  });
  const yieldToScript = async (): Promise<void> => {
    await guard.yieldToScript();
    if (unhandled) throw unhandled.reason;
  };

  // The instrumented script stores the line of each call it makes here; the engine reads it (TraceEvent.line).
  const scriptLines = new Int32Array(1);
  const host = createScriptHost({
    sink,
    scriptLines,
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
    ...(input.kernelProfile !== undefined ? { kernelProfile: input.kernelProfile } : {}),
    ...(input.vendor !== undefined ? { vendor: input.vendor } : {}),
    ...(input.maxSteps !== undefined ? { maxSteps: input.maxSteps } : {}),
  });
  const sandbox = createSandbox({ console: (level, text) => post({ type: 'console', level, text }) });

  let definition: unknown;
  let outcome: ScriptOutcome | undefined;
  let failure: { value: unknown } | undefined;
  Atomics.store(view, HB.STATE, HB_STATE.RUNNING);
  try {
    definition = sandbox.evaluate(input.script, host.api, guard, scriptLines);
    // Promise continuations the module's top level queued run in a turn of their own.
    await yieldToScript();
    if (input.record) recording = openRecording(identify(definition, input));
    outcome = await host.run(definition, yieldToScript);
    // Rejections noticed after the last turn.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (unhandled) throw unhandled.reason;
    if (guard.tripped) throw guard.tripped;
  } catch (e) {
    failure = { value: e };
  }
  Atomics.store(view, HB.STATE, HB_STATE.FINISHING);
  const runMs = performance.now() - started;

  let error: ScriptError | undefined = failure
    ? toScriptError(guard.tripped ?? failure.value, positions, view[HB.GUARD]!)
    : undefined;

  if (input.record && !recordingFailed) {
    try {
      recording ??= openRecording(identify(definition, input));
      if (error) abortSession(recording, error);
      else {
        completeSession(recording, outcome!);
        const drift = identityDrift(recording.identity, outcome!);
        if (drift) post({ type: 'console', level: 'warn', text: drift });
      }
    } catch (e) {
      // The script's own error, if any, says more; otherwise the recorder's failure is the error.
      error ??= toScriptError(e instanceof RecorderError || e instanceof InternalError ? e : new InternalError((e as Error).message), positions, 0);
    } finally {
      try {
        recording?.db.close();
      } catch {
        // already closed or unusable: nothing more to keep
      }
    }
  }

  // Events emitted before an error are part of the run too: the parent compares them.
  stream?.flush();
  post({
    type: 'done',
    ...(outcome && !error ? { outcome } : {}),
    ...(error ? { error } : {}),
    events,
    ...(collected ? { collected } : {}),
    ...(recording ? { sessionId: recording.sessionId } : {}),
    runMs,
  });
}

/**
 * Name, seed, profile and vendor of the run as ScriptHost resolves them
 * (options, then the definition — the vendor from `topology.iommu.vendor` —
 * then defaults), for the session row, which is created before the run. The
 * outcome's values are checked against these after the run.
 */
function identify(definition: unknown, input: WorkerInput): RunIdentity {
  let d: { name?: unknown; seed?: unknown; kernel?: unknown; vendor?: unknown } = {};
  try {
    if (typeof definition === 'object' && definition !== null) {
      const def = definition as { name?: unknown; seed?: unknown; kernel?: unknown; topology?: { iommu?: { vendor?: unknown } } };
      d = { name: def.name, seed: def.seed, kernel: def.kernel, vendor: def.topology?.iommu?.vendor };
    }
  } catch {
    // a throwing getter: the run itself reports it
  }
  const fallbackName = basename(input.script.filename).replace(/\.[cm]?[jt]s$/, '');
  return {
    name: typeof d.name === 'string' && d.name !== '' ? d.name : fallbackName,
    seed: input.seed ?? (typeof d.seed === 'number' ? d.seed : 1),
    kernelProfile: input.kernelProfile ?? (isKernelProfileId(d.kernel) ? d.kernel : 'upstream'),
    vendor: input.vendor ?? (typeof d.vendor === 'string' && VENDORS.includes(d.vendor) ? (d.vendor as VendorId) : 'vtd'),
  };
}

/** A warning when the session row disagrees with what the run used (ScriptHost's defaults changed). */
function identityDrift(stored: RunIdentity, outcome: ScriptOutcome): string | undefined {
  const used: RunIdentity = { name: stored.name, seed: outcome.seed, kernelProfile: outcome.kernelProfile, vendor: outcome.vendor };
  const differs = (['seed', 'kernelProfile', 'vendor'] as const).filter((k) => stored[k] !== used[k]);
  if (differs.length === 0) return undefined;
  const show = (r: RunIdentity) => differs.map((k) => `${k} ${String(r[k])}`).join(', ');
  return `[iopf] the session row says ${show(stored)} but the run used ${show(used)}: the runtime's copy of ScriptHost's defaults (worker.ts identify) is out of date`;
}

function completeSession(r: Recording, outcome: ScriptOutcome): void {
  r.sink.flush();
  r.store.finish(r.sessionId, 'complete', {
    eventCount: r.sink.committed,
    endNs: outcome.endNs,
    passed: outcome.passed,
    failed: outcome.failed,
    summary: `${outcome.passed} passed, ${outcome.failed} failed`,
  });
  indexSession(r.db, r.sessionId);
}

/** Keeps what can be kept and marks the session aborted with the error. */
function abortSession(r: Recording, error: ScriptError): void {
  try {
    if (!r.sink.error) r.sink.flush();
  } catch {
    // the buffered batch could not be written; the committed ones stay
  }
  markAborted(r.db, r.store, r.sessionId, r.sink.committed, error);
}

if (!isMainThread && parentPort && (workerData as { tag?: unknown } | null)?.tag === WORKER_TAG) {
  const port = parentPort;
  const input = (workerData as { input: WorkerInput }).input;
  runWorker(input, (m, transfer) => port.postMessage(m, transfer)).catch((e: unknown) => {
    Atomics.store(new Int32Array(input.heartbeat), HB.STATE, HB_STATE.FINISHING);
    port.postMessage({
      type: 'done',
      error: { kind: 'internal', message: `the scenario worker failed: ${(e as Error)?.stack ?? String(e)}`, file: input.script.filename, line: 0, column: 0 },
      events: 0,
      runMs: 0,
    } satisfies WorkerMessage);
  });
}
