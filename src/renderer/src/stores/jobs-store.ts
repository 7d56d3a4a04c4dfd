/**
 * Long jobs the host runs off the UI thread (run, export, import,
 * replay-verify): their progress by jobId as onJobProgress reports it, for the
 * status bar and the dialogs that started them. Jobs started elsewhere (the
 * run bar) show up here too, from their first progress message.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, onScopeDispose, ref, shallowRef } from 'vue';
import type { JobProgress } from '@shared/api/workbench';
import { getApi } from '@renderer/ipc/client';

export type JobKind = JobProgress['kind'];

export interface JobState {
  readonly jobId: string;
  readonly kind: JobKind;
  /** What the user sees, e.g. `export #3 as pftrace`. */
  readonly label: string;
  readonly phase: string;
  readonly done: number;
  readonly total: number | null;
  readonly finished: boolean;
  /** Set when the job's promise rejected. */
  readonly error: string | null;
  readonly cancelRequested: boolean;
}

/**
 * Finished jobs stay known this long (their dialogs read them), and the
 * status bar shows the latest one's outcome for as long, fading out.
 */
export const FINISHED_JOB_LINGER_MS = 4_000;

/** Fraction done in [0, 1], or null when the total is unknown. */
export function jobFraction(job: Pick<JobState, 'done' | 'total' | 'finished'>): number | null {
  if (job.finished) return 1;
  if (job.total === null || job.total <= 0) return null;
  return Math.min(1, Math.max(0, job.done / job.total));
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

let jobCounter = 0;

/** A fresh id matching the contract's `[A-Za-z0-9_-]{1,64}`, unique within this window. */
export function newJobId(kind: JobKind): string {
  jobCounter += 1;
  return `${kind}-${Date.now().toString(36)}-${jobCounter}`;
}

export const useJobsStore = defineStore('jobs', () => {
  /** Replaced whole on every change (few jobs, infrequent messages). */
  const jobs = shallowRef<ReadonlyMap<string, JobState>>(new Map());
  const lingerTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** The job that finished last: the only finished one the status bar shows. */
  const latestFinishedId = ref<string | null>(null);

  const list = computed(() => [...jobs.value.values()]);
  const running = computed(() => list.value.filter((j) => !j.finished));
  /** What the status bar lists: the jobs under way, then the latest outcome (older outcomes collapse into it). */
  const shown = computed(() => {
    const latest = latestFinishedId.value === null ? undefined : jobs.value.get(latestFinishedId.value);
    return latest ? [...running.value, latest] : running.value;
  });

  function put(job: JobState): void {
    const wasFinished = jobs.value.get(job.jobId)?.finished ?? false;
    const next = new Map(jobs.value);
    next.set(job.jobId, job);
    jobs.value = next;
    if (!job.finished) return;
    if (!wasFinished) latestFinishedId.value = job.jobId;
    scheduleForget(job.jobId);
  }

  function scheduleForget(jobId: string): void {
    clearTimeout(lingerTimers.get(jobId));
    lingerTimers.set(
      jobId,
      setTimeout(() => forget(jobId), FINISHED_JOB_LINGER_MS),
    );
  }

  function forget(jobId: string): void {
    clearTimeout(lingerTimers.get(jobId));
    lingerTimers.delete(jobId);
    if (latestFinishedId.value === jobId) latestFinishedId.value = null;
    if (!jobs.value.has(jobId)) return;
    const next = new Map(jobs.value);
    next.delete(jobId);
    jobs.value = next;
  }

  function get(jobId: string): JobState | null {
    return jobs.value.get(jobId) ?? null;
  }

  /** Applies one message from the host. */
  function onProgress(p: JobProgress): void {
    const known = jobs.value.get(p.jobId);
    put({
      jobId: p.jobId,
      kind: p.kind,
      label: known?.label ?? p.kind,
      phase: p.phase,
      done: p.done,
      total: p.total,
      finished: p.finished || (known?.finished ?? false),
      error: known?.error ?? null,
      cancelRequested: known?.cancelRequested ?? false,
    });
  }

  /** Registers a job before the host has said anything about it; returns its id. */
  function begin(kind: JobKind, label: string, jobId: string = newJobId(kind)): string {
    put({ jobId, kind, label, phase: 'starting', done: 0, total: null, finished: false, error: null, cancelRequested: false });
    return jobId;
  }

  /** Marks a job over (its promise settled), with the error when it failed. */
  function end(jobId: string, error: string | null = null): void {
    const job = jobs.value.get(jobId);
    if (!job) return;
    put({ ...job, finished: true, error, phase: error === null ? job.phase : 'failed' });
  }

  /**
   * Starts a job: creates its id, hands it to `start` (which calls the host
   * with it) and tracks it until the promise settles. The promise's outcome
   * is returned unchanged.
   */
  async function run<T>(kind: JobKind, label: string, start: (jobId: string) => Promise<T>): Promise<T> {
    const jobId = begin(kind, label);
    try {
      const result = await start(jobId);
      end(jobId);
      return result;
    } catch (err) {
      end(jobId, messageOf(err));
      throw err;
    }
  }

  /** Asks the host to stop a job; true when the host knew it. */
  async function cancel(jobId: string): Promise<boolean> {
    const job = jobs.value.get(jobId);
    if (job) put({ ...job, cancelRequested: true });
    try {
      return await getApi().cancelJob(jobId);
    } catch (err) {
      const again = jobs.value.get(jobId);
      if (again) put({ ...again, cancelRequested: false, error: `cancel: ${messageOf(err)}` });
      return false;
    }
  }

  const subscription = getApi().onJobProgress(onProgress);
  onScopeDispose(() => {
    subscription.dispose();
    for (const t of lingerTimers.values()) clearTimeout(t);
    lingerTimers.clear();
  });

  return { jobs, list, running, shown, get, onProgress, begin, end, run, cancel, forget };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useJobsStore, import.meta.hot));
