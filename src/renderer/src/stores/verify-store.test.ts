import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReplayVerification, SessionDetails } from '@shared/api/analysis';
import type { VerifyRequest } from '@shared/api/workbench';
import { setApi } from '@renderer/ipc/client';
import { FakeApi } from '@renderer/testing/fake-api';
import { useVerifyStore } from './verify-store';

function details(over: Partial<SessionDetails> = {}): SessionDetails {
  return {
    id: 5,
    name: 'policy run',
    status: 'complete',
    scenarioName: 'my-policy',
    scenarioSource: 'import { scenario } from "iopf";\n',
    scenarioHash: 'ab',
    scenarioFormat: 'ts',
    seed: 1,
    kernelProfile: 'upstream',
    vendor: 'vtd',
    appVersion: '0.1.0',
    createdAt: '2026-01-01T00:00:00.000Z',
    finishedAt: null,
    eventCount: 40,
    endNs: 1000,
    passed: 1,
    failed: 0,
    summary: null,
    writerPid: null,
    importedFrom: null,
    ...over,
  };
}

const identical: ReplayVerification = {
  sessionId: 5,
  identical: true,
  compared: 40,
  recordedEvents: 40,
  divergence: null,
  sourceHashMatches: true,
  seed: 1,
  kernelProfile: 'upstream',
};

describe('useVerifyStore', () => {
  let api: FakeApi;
  let requests: VerifyRequest[];

  beforeEach(() => {
    api = new FakeApi();
    setApi(api);
    setActivePinia(createPinia());
    requests = [];
    api.answers.verifyReplay = async (r) => {
      requests.push(r);
      return identical;
    };
  });

  afterEach(() => setApi(null));

  it('replays a session recorded here without asking', async () => {
    api.answers.getSession = async () => details();
    const store = useVerifyStore();
    expect(await store.request(5)).toEqual(identical);
    expect(requests).toEqual([{ jobId: expect.stringMatching(/^verify-/), sessionId: 5, trust: false }]);
    expect(store.result?.identical).toBe(true);
    expect(store.trustPrompt).toBeNull();
  });

  it('asks before replaying an imported TypeScript scenario, and replays with trust only after the user agrees', async () => {
    api.answers.getSession = async () => details({ importedFrom: 'colleague.iopftrace' });
    const store = useVerifyStore();
    expect(await store.request(5)).toBeNull();
    expect(requests).toEqual([]);
    expect(store.trustPrompt).toMatchObject({
      sessionId: 5,
      importedFrom: 'colleague.iopftrace',
      scenarioFormat: 'ts',
      source: 'import { scenario } from "iopf";\n',
    });
    await store.trustAndReplay();
    expect(requests.map((r) => r.trust)).toEqual([true]);
    expect(store.trustPrompt).toBeNull();
    expect(store.result).toEqual(identical);
  });

  it('runs nothing when the user declines', async () => {
    api.answers.getSession = async () => details({ importedFrom: 'colleague.iopftrace' });
    const store = useVerifyStore();
    await store.request(5);
    store.declineTrust();
    expect(requests).toEqual([]);
    expect(store.trustPrompt).toBeNull();
    expect(store.sessionId).toBeNull();
    expect(store.error).toBeNull();
    expect(await store.trustAndReplay()).toBeNull();
    expect(requests).toEqual([]);
  });

  it('replays an imported JSON scenario without asking (it is data, not code)', async () => {
    api.answers.getSession = async () => details({ importedFrom: 'x.iopftrace', scenarioFormat: 'json' });
    const store = useVerifyStore();
    await store.request(5);
    expect(requests.map((r) => r.trust)).toEqual([false]);
  });

  it('keeps the first divergence the host reports', async () => {
    api.answers.getSession = async () => details();
    const diverged: ReplayVerification = {
      ...identical,
      identical: false,
      compared: 17,
      divergence: { seq: 17, kind: 'RESPONSE_WRITE', field: 'code', recorded: '0', replayed: '1' },
    };
    api.answers.verifyReplay = async () => diverged;
    const store = useVerifyStore();
    await store.request(5);
    expect(store.result?.divergence).toEqual({ seq: 17, kind: 'RESPONSE_WRITE', field: 'code', recorded: '0', replayed: '1' });
  });

  it('reports a refused replay', async () => {
    api.answers.getSession = async () => details();
    api.answers.verifyReplay = () => Promise.reject(new Error('scenario format "lua" cannot be replayed'));
    const store = useVerifyStore();
    expect(await store.request(5)).toBeNull();
    expect(store.error).toBe('scenario format "lua" cannot be replayed');
    expect(store.jobId).toBeNull();
  });
});
