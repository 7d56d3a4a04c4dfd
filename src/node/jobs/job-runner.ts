/**
 * The host's side of long jobs: names them (the caller's jobId or a fresh
 * one), starts each in a child process of its own (job-worker.ts, started as
 * job-process.ts says), forwards throttled progress, and cancels them.
 *
 * A job's process is what keeps a runaway scenario away from the host: an
 * allocation V8 cannot survive aborts that process, not the host's, and the
 * job's promise then rejects with JobProcessDiedError saying how it ended and
 * the last scenario line the job reported. Cancelling kills the process; the
 * caller's cleanup then undoes what the job left half done (a partial export
 * file, a running session).
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { JobProgress } from '../../shared/api/workbench';
import {
  JOB_PROCESS_HEAP_HEADROOM_MB,
  JOB_WORKER_TAG,
  SCENARIO_MEMORY_MB,
  type JobInput,
  type JobResults,
  type JobStartMessage,
  type JobWorkerMessage,
  type ScriptPosition,
} from './job-protocol';
import { jobProcessLaunch } from './job-process';
import { ProgressThrottle } from './progress-throttle';

export class JobCancelledError extends Error {
  override readonly name = 'JobCancelledError';
  constructor(readonly jobId: string) {
    super(`job ${jobId} was cancelled`);
  }
}

/** A job finished with an error thrown in its process (its message kept). */
export class JobFailedError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
    this.name = 'JobFailedError';
  }
}

/** How a job's process ended without reporting a result. */
export interface JobProcessDeath {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** V8 gave up on an allocation (its fatal heap-limit error). */
  readonly outOfMemory: boolean;
  /** The job process's own heap limit, MB. */
  readonly heapMb: number;
  /** The last scenario line a TypeScript run reported before the end. */
  readonly at?: ScriptPosition;
}

/** The job's process died (a fatal allocation, a signal, an exit without a result). */
export class JobProcessDiedError extends Error {
  override readonly name = 'JobProcessDiedError';
  constructor(
    readonly jobId: string,
    readonly death: JobProcessDeath,
    message = `the job's process ${describeDeath(death)}`,
  ) {
    super(message);
  }
}

/**
 * What a job's death means to the user, where the job's kind says more than
 * the process's end: a verify job's process that ran out of memory was the
 * replayed scenario allocating without bound (the job itself keeps a page of
 * rows), reported like a run's runaway allocation. A TypeScript run's death is
 * put in the scenario's terms by runScriptJob.
 */
export function jobDeathMessage(kind: JobInput['kind'], death: JobProcessDeath): string {
  if (kind === 'verify' && death.outOfMemory) {
    const what = `runaway allocation: the replayed scenario's process ran out of memory (limit ${SCENARIO_MEMORY_MB} MB) and was terminated`;
    const at = death.at;
    if (!at) return what;
    return `${at.file ?? 'scenario'}:${at.line}:${at.column}: ${what}; this is the last line it passed`;
  }
  return `the job's process ${describeDeath(death)}`;
}

/** "ran out of memory and was terminated", "was terminated by SIGKILL", … */
export function describeDeath(d: JobProcessDeath): string {
  if (d.outOfMemory) return 'ran out of memory and was terminated';
  if (d.signal) return `was terminated by ${d.signal}`;
  return `exited with code ${d.exitCode} without reporting a result`;
}

/** What V8 prints to stderr before it aborts on a heap it cannot grow. */
const FATAL_OOM = /Reached heap limit|JavaScript heap out of memory|Allocation failed|Fatal process out of memory/;
/** Characters of the job's stderr kept to tell an out-of-memory death from others. */
const STDERR_TAIL = 16 * 1024;

interface ActiveJob {
  readonly kind: JobProgress['kind'];
  cancel(): void;
  pid(): number | undefined;
}

export interface WorkerJobHandle<K extends JobInput['kind']> {
  readonly jobId: string;
  /** Resolves with the job's result; rejects with JobCancelledError, JobProcessDiedError or the job's error. */
  readonly result: Promise<JobResults[K]>;
  /** Sessions the job reported creating (a run). */
  readonly sessions: readonly number[];
  /** The job process's id once it is started. */
  pid(): number | undefined;
}

const jobKindOf = (input: JobInput): JobProgress['kind'] =>
  input.kind === 'run-json' || input.kind === 'run-ts' ? 'run' : input.kind === 'verify' ? 'verify' : input.kind;

export class JobRunner {
  private readonly active = new Map<string, ActiveJob>();
  private nextId = 1;
  private disposed = false;

  constructor(private readonly emit: (progress: JobProgress) => void) {}

  /** True when a job of that id is running. */
  has(jobId: string): boolean {
    return this.active.has(jobId);
  }

  /** The process id of a running job, once its process is started. */
  pidOf(jobId: string): number | undefined {
    return this.active.get(jobId)?.pid();
  }

  /** Stops a running job; false when there is none of that id. */
  cancel(jobId: string): boolean {
    const job = this.active.get(jobId);
    if (!job) return false;
    job.cancel();
    return true;
  }

  /** Runs `input` in a fresh job process. */
  start<K extends JobInput['kind']>(requestedId: string | undefined, input: JobInput & { kind: K }): WorkerJobHandle<K> {
    const jobId = this.claim(requestedId);
    const progress = new ProgressThrottle(jobId, jobKindOf(input), this.emit);
    progress.report('starting', 0, null);
    const sessions: number[] = [];
    let child: ChildProcess | undefined;
    let cancelled = false;
    let settled = false;
    const job: JobInput = input;
    const heapMb = (job.kind === 'run-ts' ? job.memoryMb : SCENARIO_MEMORY_MB) + JOB_PROCESS_HEAP_HEADROOM_MB;

    const result = (async (): Promise<JobResults[K]> => {
      const launch = await jobProcessLaunch(heapMb);
      if (cancelled) throw new JobCancelledError(jobId);
      return new Promise<JobResults[K]>((resolve, reject) => {
        let outcome: { ok: true; value: JobResults[K] } | { ok: false; error: Error } | undefined;
        let at: ScriptPosition | undefined;
        let stderr = '';
        const c = fork(launch.modulePath, [], {
          execPath: launch.execPath,
          execArgv: launch.execArgv,
          env: launch.env,
          serialization: 'advanced',
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        });
        child = c;
        c.stderr!.setEncoding('utf8');
        c.stderr!.on('data', (chunk: string) => {
          stderr = (stderr + chunk).slice(-STDERR_TAIL);
        });
        c.on('message', (m: JobWorkerMessage) => {
          switch (m.type) {
            case 'progress':
              if (m.at) at = m.at;
              progress.report(m.phase, m.done, m.total);
              break;
            case 'session':
              sessions.push(m.sessionId);
              break;
            case 'done':
              outcome = { ok: true, value: m.result as JobResults[K] };
              break;
            case 'failed':
              outcome = { ok: false, error: new JobFailedError(m.name, m.message) };
              break;
          }
        });
        c.on('error', (e) => {
          const failed = new Error(`the job's process failed: ${e.message}`);
          outcome ??= { ok: false, error: failed };
          // A process that never started sends no 'close'.
          if (c.pid === undefined) reject(failed);
        });
        // 'close' comes after the exit, once stderr and the IPC channel are drained.
        c.on('close', (exitCode, signal) => {
          if (cancelled) reject(new JobCancelledError(jobId));
          else if (outcome?.ok) resolve(outcome.value);
          else if (outcome) reject(outcome.error);
          else {
            const death: JobProcessDeath = { exitCode, signal, outOfMemory: FATAL_OOM.test(stderr), heapMb, ...(at ? { at } : {}) };
            reject(new JobProcessDiedError(jobId, death, jobDeathMessage(input.kind, death)));
          }
        });
        c.send({ type: 'start', tag: JOB_WORKER_TAG, input } satisfies JobStartMessage);
      });
    })().finally(() => {
      settled = true;
      this.active.delete(jobId);
      progress.finish(cancelled ? 'cancelled' : 'done');
    });
    // Callers attach their own handlers; this keeps an unobserved failure from crashing the host.
    result.catch(() => undefined);

    this.active.set(jobId, {
      kind: jobKindOf(input),
      cancel: () => {
        if (settled || cancelled) return;
        cancelled = true;
        child?.kill('SIGKILL');
      },
      pid: () => child?.pid,
    });
    return { jobId, result, sessions, pid: () => child?.pid };
  }

  /** Cancels every job (the host is closing). */
  dispose(): void {
    this.disposed = true;
    for (const job of [...this.active.values()]) job.cancel();
  }

  private claim(requestedId: string | undefined): string {
    if (this.disposed) throw new Error('the workbench is closing; no new jobs');
    if (requestedId !== undefined && this.active.has(requestedId)) throw new Error(`a job with id "${requestedId}" is already running`);
    let id = requestedId;
    while (id === undefined || this.active.has(id)) id = `job-${this.nextId++}`;
    return id;
  }
}
