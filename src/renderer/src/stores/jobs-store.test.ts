import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setApi } from '@renderer/ipc/client';
import { FakeApi } from '@renderer/testing/fake-api';
import { FINISHED_JOB_LINGER_MS, jobFraction, newJobId, useJobsStore } from './jobs-store';

describe('useJobsStore', () => {
  let api: FakeApi;

  beforeEach(() => {
    api = new FakeApi();
    setApi(api);
    setActivePinia(createPinia());
  });

  afterEach(() => {
    vi.useRealTimers();
    setApi(null);
  });

  it('creates job ids the host accepts, never the same twice', () => {
    const a = newJobId('export');
    const b = newJobId('export');
    expect(a).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(a).not.toBe(b);
  });

  it('run() hands the id to the host call and tracks the job until it settles', async () => {
    const jobs = useJobsStore();
    let seenId = '';
    let release: (v: string) => void = () => undefined;
    const promise = jobs.run('export', 'export #1', (jobId) => {
      seenId = jobId;
      return new Promise<string>((r) => (release = r));
    });
    expect(jobs.running.map((j) => j.jobId)).toEqual([seenId]);
    expect(jobs.get(seenId)).toMatchObject({ kind: 'export', label: 'export #1', finished: false });
    release('done');
    await expect(promise).resolves.toBe('done');
    expect(jobs.running).toEqual([]);
    expect(jobs.get(seenId)).toMatchObject({ finished: true, error: null });
  });

  it('run() keeps the error of a failed job and rethrows it', async () => {
    const jobs = useJobsStore();
    await expect(jobs.run('verify', 'verify #2', () => Promise.reject(new Error('no such session')))).rejects.toThrow('no such session');
    expect(jobs.list[0]).toMatchObject({ finished: true, error: 'no such session', phase: 'failed' });
  });

  it('applies host progress to the job with that id, keeping its label', async () => {
    const jobs = useJobsStore();
    const id = jobs.begin('import', 'import run.iopftrace');
    api.fireJobProgress({ jobId: id, kind: 'import', phase: 'indexing', done: 40, total: 100, finished: false });
    const job = jobs.get(id)!;
    expect(job).toMatchObject({ label: 'import run.iopftrace', phase: 'indexing', done: 40, total: 100 });
    expect(jobFraction(job)).toBe(0.4);
  });

  it('lists jobs it did not start from their first progress message (a run from the run bar)', () => {
    const jobs = useJobsStore();
    api.fireJobProgress({ jobId: 'run-x', kind: 'run', phase: 'running', done: 5, total: null, finished: false });
    expect(jobs.running.map((j) => [j.jobId, j.kind, j.label])).toEqual([['run-x', 'run', 'run']]);
    expect(jobFraction(jobs.get('run-x')!)).toBeNull();
  });

  it('forgets finished jobs after a short while', () => {
    vi.useFakeTimers();
    const jobs = useJobsStore();
    api.fireJobProgress({ jobId: 'e1', kind: 'export', phase: 'writing', done: 10, total: 10, finished: true });
    expect(jobs.get('e1')?.finished).toBe(true);
    vi.advanceTimersByTime(FINISHED_JOB_LINGER_MS + 1);
    expect(jobs.get('e1')).toBeNull();
  });

  it('shows the jobs under way and only the latest outcome, which goes after the linger', () => {
    vi.useFakeTimers();
    const jobs = useJobsStore();
    const progress = (jobId: string, kind: 'run' | 'verify' | 'export', finished: boolean): void =>
      api.fireJobProgress({ jobId, kind, phase: finished ? 'done' : 'running', done: 1, total: 2, finished });
    progress('run-1', 'run', false);
    progress('ver-1', 'verify', false);
    progress('exp-1', 'export', false);
    progress('run-1', 'run', true);
    progress('ver-1', 'verify', true);
    expect(jobs.shown.map((j) => j.jobId)).toEqual(['exp-1', 'ver-1']);
    // The earlier outcome is collapsed, not forgotten: its dialog can still read it.
    expect(jobs.get('run-1')?.finished).toBe(true);
    // Another message about an old job does not bring its outcome back.
    progress('run-1', 'run', true);
    expect(jobs.shown.map((j) => j.jobId)).toEqual(['exp-1', 'ver-1']);
    vi.advanceTimersByTime(FINISHED_JOB_LINGER_MS + 1);
    expect(jobs.shown.map((j) => j.jobId)).toEqual(['exp-1']);
    progress('exp-1', 'export', true);
    expect(jobs.shown.map((j) => j.jobId)).toEqual(['exp-1']);
  });

  it('cancel() asks the host and marks the request', async () => {
    const jobs = useJobsStore();
    const asked: string[] = [];
    api.answers.cancelJob = async (jobId) => {
      asked.push(jobId);
      return true;
    };
    const id = jobs.begin('export', 'export #1');
    expect(await jobs.cancel(id)).toBe(true);
    expect(asked).toEqual([id]);
    expect(jobs.get(id)?.cancelRequested).toBe(true);
  });

  it('cancel() reports a host failure on the job instead of throwing', async () => {
    const jobs = useJobsStore();
    api.answers.cancelJob = () => Promise.reject(new Error('gone'));
    const id = jobs.begin('export', 'export #1');
    expect(await jobs.cancel(id)).toBe(false);
    expect(jobs.get(id)).toMatchObject({ cancelRequested: false, error: 'cancel: gone' });
  });

  it('unsubscribes from job progress when disposed', () => {
    const jobs = useJobsStore();
    expect(api.progressListenerCount).toBe(1);
    jobs.$dispose();
    expect(api.progressListenerCount).toBe(0);
  });
});
