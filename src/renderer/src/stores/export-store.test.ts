import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportedFile } from '@shared/api/workbench';
import { setApi } from '@renderer/ipc/client';
import { FakeApi } from '@renderer/testing/fake-api';
import { useExportStore } from './export-store';
import { useJobsStore } from './jobs-store';

const file = (over: Partial<ExportedFile> = {}): ExportedFile => ({
  sessionId: 3,
  format: 'iopftrace',
  path: '/data/exports/session-3.iopftrace',
  fileName: 'session-3.iopftrace',
  bytes: 2048,
  events: 12,
  downloadUrl: '/exports/session-3.iopftrace',
  ...over,
});

describe('useExportStore', () => {
  let api: FakeApi;

  beforeEach(() => {
    api = new FakeApi();
    setApi(api);
    setActivePinia(createPinia());
  });

  afterEach(() => setApi(null));

  it('exports the open session in the chosen format as a tracked job', async () => {
    const requests: unknown[] = [];
    api.answers.exportSession = async (r) => {
      requests.push(r);
      expect(useJobsStore().get(r.jobId!)).toMatchObject({ kind: 'export', finished: false });
      return file();
    };
    const store = useExportStore();
    store.open(3);
    store.format = 'iopftrace';
    const result = await store.start();
    expect(result?.fileName).toBe('session-3.iopftrace');
    expect(requests).toEqual([{ jobId: expect.stringMatching(/^export-/), sessionId: 3, format: 'iopftrace' }]);
    expect(store.result).toEqual(file());
    expect(store.jobId).toBeNull();
  });

  it('shows the host\'s error and no result when the export fails', async () => {
    api.answers.exportSession = () => Promise.reject(new Error('session 3 is still recording'));
    const store = useExportStore();
    store.open(3);
    expect(await store.start()).toBeNull();
    expect(store.error).toBe('session 3 is still recording');
    expect(store.result).toBeNull();
  });

  it('does nothing while closed, and reopening clears the last result', async () => {
    api.answers.exportSession = async () => file();
    const store = useExportStore();
    expect(await store.start()).toBeNull();
    expect(api.calls).not.toContain('exportSession');
    store.open(3);
    await store.start();
    store.open(4);
    expect(store.result).toBeNull();
    expect(store.sessionId).toBe(4);
  });

  it('cancel() cancels the running export job', async () => {
    let release: (f: ExportedFile) => void = () => undefined;
    api.answers.exportSession = () => new Promise((r) => (release = r));
    const cancelled: string[] = [];
    api.answers.cancelJob = async (id) => {
      cancelled.push(id);
      return true;
    };
    const store = useExportStore();
    store.open(3);
    const pending = store.start();
    const jobId = store.jobId;
    await store.cancel();
    expect(cancelled).toEqual([jobId]);
    release(file());
    await pending;
  });
});
