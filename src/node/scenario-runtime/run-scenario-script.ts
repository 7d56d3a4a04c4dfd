/**
 * Runs a scenario script (TypeScript source) and reports what happened:
 * prepares it on the caller's thread (esbuild + instrumentation; a syntax
 * error or a forbidden import stops here), then runs the engine and the
 * sandboxed scenario together in a fresh worker thread.
 *
 * Runaway protection, in layers:
 * - in the worker, the guard throws a RunawayError naming the scenario line
 *   when a slice of script code runs longer than `sliceMs` or the heap passes
 *   the limit (guard.ts); endless recursion ends in V8's RangeError, mapped to
 *   the line;
 * - the worker starts with `resourceLimits`, so an allocation the guard does
 *   not see in time kills the worker, not the host;
 * - here, a watchdog reads the heartbeat words every `tickMs`: when the worker
 *   made no progress (no guard call, no event) for `stallMs` — a native stall
 *   such as a catastrophic regular expression — or ignored a tripped guard for
 *   `graceMs`, or the run passed `timeoutMs`, it terminates the worker and
 *   names the last line the guard saw. Stall and grace are spans of wall time
 *   that the watchdog must also have observed over ⌈span / tickMs⌉ ticks, so a
 *   busy machine that delays the ticks (and starves the worker alike) lengthens
 *   them instead of ending a healthy run (tick-window.ts).
 * The caller's process keeps working after any of these; a session being
 * recorded is marked aborted with the error, keeping the events committed.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { ScriptOutcome, VendorId } from '../../core/scenario/script-host';
import type { TraceEvent } from '../../shared/events';
import type { KernelProfileId } from '../../shared/uapi/profiles';
import { APP_VERSION } from '../app-info';
import { openDatabase } from '../db/open-database';
import { prepareRecorderDb } from '../recorder/recorder-db';
import { SessionStore } from '../recorder/session-store';
import { runawayMessages, type ScriptError } from './errors';
import { createHeartbeat, HB, HB_STATE } from './heartbeat';
import { ScriptPositions } from './positions';
import type { WorkerInput, WorkerMessage } from './protocol';
import { markAborted } from './recording';
import type { ConsoleLevel } from './sandbox';
import { prepareScript, type PreparedScript } from './transpile';
import { scenarioWorkerCode } from './worker-entry';
import { createStreamControl, EventStreamControl, STREAM_DEFAULTS, type PackedEvents } from './event-stream';
import { TickWindow } from './tick-window';
import { WORKER_TAG } from './worker-tag';

export interface RunLimits {
  /** Wall time one slice of script code may run before the guard stops it, ms (default 1000). */
  readonly sliceMs?: number;
  /** No progress at all for this long and the worker is terminated, ms (default 1000). */
  readonly stallMs?: number;
  /** The worker's old-generation heap, MB (default 1024); the guard stops the script at 85 % of it. */
  readonly memoryMb?: number;
  /** How long a tripped guard may take to unwind before the worker is terminated, ms (default 1000). */
  readonly graceMs?: number;
  /** Watchdog period, ms (default 100). */
  readonly tickMs?: number;
}

export interface RunScenarioScriptOptions {
  readonly source: string;
  /** How errors name the file (`scenario.ts:4:3: …`); `.js`/`.mjs` are parsed as JavaScript, anything else as TypeScript. */
  readonly filename: string;
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  readonly kernelProfile?: KernelProfileId;
  readonly vendor?: VendorId;
  /** Record into this database as a new session. */
  readonly record?: { readonly databasePath: string; readonly sessionName?: string };
  /** Terminates the whole run after this much wall time, ms (default: none). */
  readonly timeoutMs?: number;
  /** Return every event (determinism tests; they are kept in the worker's memory until the end). */
  readonly collect?: boolean;
  /** Hand every event to the caller as the run goes, in packed batches, with bounded memory (verified replay). */
  readonly stream?: EventStreamOptions;
  /** Type-check against this `.d.ts` of the API first; a type error stops the run (kind 'type'). */
  readonly typesPath?: string;
  /** ScriptHost's scheduler step limit. */
  readonly maxSteps?: number;
  readonly limits?: RunLimits;
  /** Receives the script's console output. */
  readonly onConsole?: (level: ConsoleLevel, text: string) => void;
  /** A built worker script to use instead of the one found next to this module. */
  readonly workerPath?: string;
  /** Aborting terminates the worker; a recorded session is kept, marked aborted (the host's "cancel"). */
  readonly signal?: AbortSignal;
  /**
   * Called on every watchdog tick with the events emitted so far and the last
   * scenario line the guard saw (progress for the host; a host that runs this
   * in a child process keeps the line to name it if the process dies).
   */
  readonly onProgress?: (events: number, at?: { readonly line: number; readonly column: number }) => void;
  /** Called once the run's session exists (recorded runs), before any of its events. */
  readonly onSession?: (sessionId: number) => void;
}

export interface EventStreamOptions {
  /**
   * Receives each batch in order (read rows with PackedEventReader), after
   * every batch before it and before the run's result. `held` is the number of
   * streamed events in this thread's memory (this batch included) that are not
   * acknowledged yet. Returning false stops the run: the worker is terminated
   * and the result's error says it was stopped. A throw stops it the same way.
   */
  readonly onEvents: (batch: PackedEvents, held: number) => boolean;
  /** Events per batch (default 2048). */
  readonly batchEvents?: number;
  /** Batches posted and not yet taken before the worker waits (default 4): the caller holds at most this many. */
  readonly maxInFlight?: number;
}

export interface ScriptRunResult {
  /** The run finished without an error (assertions may still have failed: see outcome.failed). */
  readonly ok: boolean;
  readonly outcome?: ScriptOutcome;
  readonly error?: ScriptError;
  /** Events emitted (for a recorded run that failed: emitted, of which the committed ones are kept). */
  readonly events: number;
  readonly sessionId?: number;
  /** Every event, when `collect` was set and the run ended normally or with a script error. */
  readonly collected?: readonly TraceEvent[];
  readonly timings: {
    /** Transpile + instrument on the caller's thread, ms. */
    readonly prepareMs: number;
    /** Worker start to its end, ms. */
    readonly runMs: number;
  };
}

const DEFAULTS = { sliceMs: 1000, stallMs: 1000, memoryMb: 1024, graceMs: 1000, tickMs: 100 } as const;

/** Exit code of `iopf run` for a result: 0 all assertions passed, 1 one failed, 2 the scenario could not run. */
export function exitCodeFor(result: ScriptRunResult): 0 | 1 | 2 {
  if (!result.ok || !result.outcome) return 2;
  return result.outcome.failed > 0 ? 1 : 0;
}

export async function runScenarioScript(options: RunScenarioScriptOptions): Promise<ScriptRunResult> {
  const t0 = performance.now();
  if (options.typesPath) {
    const { checkScenario } = await import('./check');
    const first = checkScenario(options.source, options.filename, { typesPath: options.typesPath }).find((d) => d.category === 'error');
    if (first) {
      const error: ScriptError = { kind: 'type', message: first.message, file: first.file, line: first.line, column: first.column };
      return { ok: false, error, events: 0, timings: { prepareMs: performance.now() - t0, runMs: 0 } };
    }
  }
  const prepared = await prepareScript(options.source, options.filename);
  const prepareMs = performance.now() - t0;
  if (!prepared.ok) return { ok: false, error: prepared.error, events: 0, timings: { prepareMs, runMs: 0 } };
  let code;
  try {
    code = await scenarioWorkerCode(options.workerPath);
  } catch (e) {
    return { ok: false, error: internal(options.filename, (e as Error).message), events: 0, timings: { prepareMs, runMs: 0 } };
  }
  return runInWorker(prepared.script, options, code, prepareMs);
}

function internal(file: string, message: string): ScriptError {
  return { kind: 'internal', message, file, line: 0, column: 0 };
}

type Kill =
  | { readonly reason: 'stall'; readonly ms: number }
  | { readonly reason: 'timeout'; readonly ms: number }
  | { readonly reason: 'cancelled' }
  | { readonly reason: 'stopped'; readonly why: string | undefined }
  | { readonly reason: 'ignored'; readonly error: ScriptError };

function runInWorker(
  script: PreparedScript,
  options: RunScenarioScriptOptions,
  code: Awaited<ReturnType<typeof scenarioWorkerCode>>,
  prepareMs: number,
): Promise<ScriptRunResult> {
  const limits = { ...DEFAULTS, ...options.limits };
  const { buffer, view } = createHeartbeat();
  const stream = options.stream
    ? {
        control: new EventStreamControl(createStreamControl()),
        batchEvents: positiveInt(options.stream.batchEvents ?? STREAM_DEFAULTS.batchEvents, 'stream.batchEvents'),
        maxInFlight: positiveInt(options.stream.maxInFlight ?? STREAM_DEFAULTS.maxInFlight, 'stream.maxInFlight'),
      }
    : undefined;
  const input: WorkerInput = {
    script,
    heartbeat: buffer,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.kernelProfile !== undefined ? { kernelProfile: options.kernelProfile } : {}),
    ...(options.vendor !== undefined ? { vendor: options.vendor } : {}),
    ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
    ...(options.record ? { record: options.record } : {}),
    collect: options.collect === true,
    ...(stream ? { stream: { control: stream.control.buffer, batchEvents: stream.batchEvents, maxInFlight: stream.maxInFlight } } : {}),
    sliceMs: limits.sliceMs,
    heapLimitMb: Math.floor(limits.memoryMb * 0.85),
  };
  const started = performance.now();
  const worker = new Worker(code.kind === 'file' ? code.path : code.code, {
    eval: code.kind === 'eval',
    workerData: { tag: WORKER_TAG, input },
    resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb },
    execArgv: [],
    stdout: false,
    stderr: false,
  });

  return new Promise<ScriptRunResult>((resolve) => {
    let done: Extract<WorkerMessage, { type: 'done' }> | undefined;
    let sessionId: number | undefined;
    let trip: { error: ScriptError } | undefined;
    let kill: Kill | undefined;
    let workerError: Error | undefined;
    let lastBeat = -1;
    // Both spans count the watchdog's own ticks as well as wall time (tick-window.ts): a late tick on a busy machine is no stall.
    const stall = new TickWindow(limits.stallMs, limits.tickMs);
    const grace = new TickWindow(limits.graceMs, limits.tickMs);

    const terminate = (k: Kill): void => {
      if (kill || done) return;
      kill = k;
      void worker.terminate();
    };

    const tick = setInterval(() => {
      Atomics.add(view, HB.EPOCH, 1);
      const now = performance.now();
      const running = Atomics.load(view, HB.STATE) === HB_STATE.RUNNING;
      if (!running) stall.reset();
      else {
        const beat = Atomics.load(view, HB.BEAT);
        if (beat !== lastBeat) {
          lastBeat = beat;
          stall.restart(now);
        } else if (stall.observe(now)) terminate({ reason: 'stall', ms: limits.stallMs });
      }
      // Once the worker is finishing, the script has given control back: the grace is over.
      if (trip && running && grace.observe(now)) terminate({ reason: 'ignored', error: trip.error });
      if (options.timeoutMs !== undefined && now - started >= options.timeoutMs) terminate({ reason: 'timeout', ms: options.timeoutMs });
      if (options.onProgress) {
        const site = script.guards[Atomics.load(view, HB.GUARD)];
        options.onProgress(Atomics.load(view, HB.EVENTS), site ? { line: site.line, column: site.column } : undefined);
      }
    }, limits.tickMs);
    tick.unref();
    const onAbort = (): void => terminate({ reason: 'cancelled' });
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'session':
          sessionId = m.sessionId;
          options.onSession?.(m.sessionId);
          break;
        case 'console':
          options.onConsole?.(m.level, m.text);
          break;
        case 'events': {
          // After a stop nobody wants more; the worker is being terminated.
          if (kill || !stream) break;
          let more: boolean;
          let why: string | undefined;
          try {
            more = options.stream!.onEvents(m.batch, stream.control.unacknowledgedEvents);
          } catch (e) {
            more = false;
            why = (e as Error)?.message ?? String(e);
          }
          stream.control.acknowledge(m.batch);
          if (!more) terminate({ reason: 'stopped', why });
          break;
        }
        case 'trip':
          if (!trip) {
            trip = { error: m.error };
            grace.restart(performance.now());
          }
          break;
        case 'done':
          done = m;
          // Everything is recorded and the database closed: nothing left to wait for.
          void worker.terminate();
          break;
      }
    });
    worker.on('error', (e) => {
      workerError = e;
    });
    worker.on('exit', () => {
      clearInterval(tick);
      options.signal?.removeEventListener('abort', onAbort);
      const runMs = performance.now() - started;
      const timings = { prepareMs, runMs };
      if (done) {
        resolve({
          ok: !done.error,
          ...(done.outcome ? { outcome: done.outcome } : {}),
          ...(done.error ? { error: done.error } : {}),
          events: done.events,
          ...(done.sessionId !== undefined ? { sessionId: done.sessionId } : {}),
          ...(done.collected ? { collected: done.collected } : {}),
          timings,
        });
        return;
      }
      const error = deathError(script, view, kill, workerError, limits.memoryMb);
      // A run cancelled before its session was created leaves nothing behind.
      const keep = options.record && !(kill?.reason === 'cancelled' && sessionId === undefined);
      const id = keep ? abortInParent(options, script, sessionId, error) : undefined;
      resolve({
        ok: false,
        error,
        events: Atomics.load(view, HB.EVENTS),
        ...(id !== undefined ? { sessionId: id } : {}),
        timings,
      });
    });
  });
}

/** Why a worker ended without reporting, named at the last line its guard saw. */
function deathError(script: PreparedScript, view: Int32Array, kill: Kill | undefined, workerError: Error | undefined, memoryMb: number): ScriptError {
  if (kill?.reason === 'ignored') return { ...kill.error, message: runawayMessages.ignored(kill.error.message) };
  const site = new ScriptPositions(script).guard(Atomics.load(view, HB.GUARD));
  const at = { file: script.filename, line: site?.line ?? 0, column: site?.column ?? 0 };
  if (kill?.reason === 'stall') return { kind: 'runaway', message: runawayMessages.stall(kill.ms), ...at };
  if (kill?.reason === 'timeout') return { kind: 'runaway', message: runawayMessages.timeout(kill.ms), ...at };
  if (kill?.reason === 'cancelled') return { kind: 'internal', message: 'the run was cancelled', ...at };
  if (kill?.reason === 'stopped')
    return { kind: 'internal', message: kill.why === undefined ? 'the run was stopped: its events were not wanted any more' : `the run was stopped: taking its events failed: ${kill.why}`, ...at };
  if ((workerError as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY')
    return { kind: 'runaway', message: runawayMessages.outOfMemory(memoryMb), ...at };
  const why = workerError ? workerError.message : 'it exited without reporting';
  return { kind: 'internal', message: `the scenario worker died: ${why}`, ...at };
}

/**
 * The worker died without finishing its session: mark it aborted (or, when it
 * died before creating one, record an aborted session so the attempt shows).
 */
function abortInParent(options: RunScenarioScriptOptions, script: PreparedScript, sessionId: number | undefined, error: ScriptError): number | undefined {
  const record = options.record!;
  try {
    const db = prepareRecorderDb(openDatabase(record.databasePath));
    try {
      const store = new SessionStore(db);
      const id =
        sessionId ??
        store.create({
          name: record.sessionName ?? script.filename,
          scenarioName: script.filename,
          scenarioSource: script.source,
          scenarioHash: sha256(script.source),
          scenarioFormat: 'ts',
          seed: options.seed ?? 1,
          kernelProfile: options.kernelProfile ?? 'upstream',
          vendor: options.vendor ?? 'vtd',
          appVersion: APP_VERSION,
        });
      markAborted(db, store, id, undefined, error);
      return id;
    } finally {
      db.close();
    }
  } catch {
    // The database is unusable from here too; the next recorder to open it marks the session aborted.
    return sessionId;
  }
}

function positiveInt(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`runScenarioScript: ${what} must be a positive integer, got ${n}`);
  return n;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
