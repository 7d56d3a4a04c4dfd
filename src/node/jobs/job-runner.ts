/**
 * The host's side of long jobs: names them (the caller's jobId or a fresh
 * one), starts them on a job worker thread (job-worker.ts) or registers an
 * abortable job that runs elsewhere (a TypeScript scenario in the scenario
 * runtime's own worker), forwards throttled progress, and cancels them.
 * Cancelling terminates the worker; the caller's cleanup then undoes what the
 * job left half done (a partial export file, a running session).
 */
import { Worker } from 'node:worker_threads';
import type { JobProgress } from '../../shared/api/workbench';
import { JOB_WORKER_TAG, type JobInput, type JobResults, type JobWorkerMessage } from './job-protocol';
import { ProgressThrottle } from './progress-throttle';
import { workerCode } from './worker-code';

export class JobCancelledError extends Error {
  override readonly name = 'JobCancelledError';
  constructor(readonly jobId: string) {
    super(`job ${jobId} was cancelled`);
  }
}

/** A job finished with an error thrown in the worker (its message kept). */
export class JobFailedError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
    this.name = 'JobFailedError';
  }
}

interface ActiveJob {
  readonly kind: JobProgress['kind'];
  cancel(): void;
}

export interface WorkerJobHandle<K extends JobInput['kind']> {
  readonly jobId: string;
  /** Resolves with the worker's result; rejects with JobCancelledError or the worker's error. */
  readonly result: Promise<JobResults[K]>;
  /** Sessions the worker reported creating (a run). */
  readonly sessions: readonly number[];
}

export interface AbortableJob {
  readonly jobId: string;
  readonly signal: AbortSignal;
  readonly progress: ProgressThrottle;
  /** Unregisters the job and sends its last progress message. */
  finish(phase: string): void;
}

const jobKindOf = (input: JobInput): JobProgress['kind'] =>
  input.kind === 'run-json' ? 'run' : input.kind === 'verify' ? 'verify' : input.kind;

export class JobRunner {
  private readonly active = new Map<string, ActiveJob>();
  private nextId = 1;
  private disposed = false;

  constructor(private readonly emit: (progress: JobProgress) => void) {}

  /** True when a job of that id is running. */
  has(jobId: string): boolean {
    return this.active.has(jobId);
  }

  /** Stops a running job; false when there is none of that id. */
  cancel(jobId: string): boolean {
    const job = this.active.get(jobId);
    if (!job) return false;
    job.cancel();
    return true;
  }

  /** Runs `input` on a fresh job worker. */
  start<K extends JobInput['kind']>(requestedId: string | undefined, input: JobInput & { kind: K }): WorkerJobHandle<K> {
    const jobId = this.claim(requestedId);
    const progress = new ProgressThrottle(jobId, jobKindOf(input), this.emit);
    progress.report('starting', 0, null);
    const sessions: number[] = [];
    let worker: Worker | undefined;
    let cancelled = false;
    let settled = false;

    const result = (async (): Promise<JobResults[K]> => {
      const code = await workerCode('job-worker', 'src/node/jobs/job-worker.ts');
      if (cancelled) throw new JobCancelledError(jobId);
      return new Promise<JobResults[K]>((resolve, reject) => {
        let outcome: { ok: true; value: JobResults[K] } | { ok: false; error: Error } | undefined;
        const w = new Worker(code.kind === 'file' ? code.path : code.code, {
          eval: code.kind === 'eval',
          workerData: { tag: JOB_WORKER_TAG, input },
          execArgv: [],
          stdout: false,
          stderr: false,
        });
        worker = w;
        w.on('message', (m: JobWorkerMessage) => {
          switch (m.type) {
            case 'progress':
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
        w.on('error', (e) => {
          outcome ??= { ok: false, error: new Error(`the job worker failed: ${e.message}`) };
        });
        w.on('exit', () => {
          if (cancelled) reject(new JobCancelledError(jobId));
          else if (outcome?.ok) resolve(outcome.value);
          else reject(outcome?.error ?? new Error('the job worker exited without reporting'));
        });
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
        void worker?.terminate();
      },
    });
    return { jobId, result, sessions };
  }

  /** Registers a job that runs elsewhere and stops through an AbortSignal. */
  register(requestedId: string | undefined, kind: JobProgress['kind']): AbortableJob {
    const jobId = this.claim(requestedId);
    const controller = new AbortController();
    const progress = new ProgressThrottle(jobId, kind, this.emit);
    progress.report('starting', 0, null);
    this.active.set(jobId, { kind, cancel: () => controller.abort() });
    return {
      jobId,
      signal: controller.signal,
      progress,
      finish: (phase: string) => {
        this.active.delete(jobId);
        progress.finish(phase);
      },
    };
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
