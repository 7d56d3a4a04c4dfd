import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setApi } from '@renderer/ipc/client';
import { FakeApi, fakeSession } from '@renderer/testing/fake-api';
import { useSessionStore } from './session-store';

describe('useSessionStore', () => {
  let api: FakeApi;

  beforeEach(() => {
    api = new FakeApi();
    setApi(api);
    setActivePinia(createPinia());
  });

  afterEach(() => setApi(null));

  it('refresh() loads the session list', async () => {
    api.sessions = [fakeSession(1), fakeSession(2, { eventCount: 40 })];
    const store = useSessionStore();
    await store.refresh();
    expect(store.sessions.map((s) => s.id)).toEqual([1, 2]);
    expect(store.lastError).toBeNull();
  });

  it('select() exposes the selected summary', async () => {
    api.sessions = [fakeSession(1), fakeSession(2, { name: 'two' })];
    const store = useSessionStore();
    await store.refresh();
    store.select(2);
    expect(store.selectedSession?.name).toBe('two');
    store.select(null);
    expect(store.selectedSession).toBeNull();
  });

  it('drops the selection when the session disappears', async () => {
    api.sessions = [fakeSession(1)];
    const store = useSessionStore();
    await store.refresh();
    store.select(1);
    api.sessions = [];
    await store.refresh();
    expect(store.selectedSessionId).toBeNull();
  });

  it('keeps only the newest answer when refreshes overlap', async () => {
    const store = useSessionStore();
    let releaseSlow: (v: ReturnType<typeof fakeSession>[]) => void = () => undefined;
    const slow = new Promise<ReturnType<typeof fakeSession>[]>((r) => (releaseSlow = r));
    const spy = vi.spyOn(api, 'listSessions').mockReturnValueOnce(slow).mockResolvedValueOnce([fakeSession(9)]);
    const first = store.refresh();
    await store.refresh();
    releaseSlow([fakeSession(1)]);
    await first;
    expect(spy).toHaveBeenCalledTimes(2);
    expect(store.sessions.map((s) => s.id)).toEqual([9]);
  });

  it('loadScenarios() picks the first scenario by default', async () => {
    const store = useSessionStore();
    await store.loadScenarios();
    expect(store.scenarios.map((s) => s.id)).toEqual(['happy-path']);
    expect(store.selectedScenarioId).toBe('happy-path');
  });

  it('runScenario() records a session and selects it', async () => {
    api.sessions = [fakeSession(1)];
    const store = useSessionStore();
    await store.loadScenarios();
    const result = await store.runScenario();
    expect(result?.sessionId).toBe(2);
    expect(store.sessions.map((s) => s.id)).toEqual([1, 2]);
    expect(store.selectedSessionId).toBe(2);
    expect(store.running).toBe(false);
    expect(store.lastRun?.eventCount).toBe(3);
  });

  it('runScenario() reports a failure in lastError and leaves the selection alone', async () => {
    api.sessions = [fakeSession(1)];
    const store = useSessionStore();
    await store.refresh();
    store.select(1);
    api.failNext = { method: 'runScenario', message: 'no such scenario' };
    expect(await store.runScenario('nope')).toBeNull();
    expect(store.lastError).toBe('runScenario(nope): no such scenario');
    expect(store.selectedSessionId).toBe(1);
    expect(store.running).toBe(false);
  });

  it('refreshes when the host announces a session change', async () => {
    const store = useSessionStore();
    await store.refresh();
    api.sessions = [fakeSession(5)];
    api.fireSessionsChanged();
    await vi.waitFor(() => expect(store.sessions.map((s) => s.id)).toEqual([5]));
  });

  it('unsubscribes from the host when the store is disposed', () => {
    const store = useSessionStore();
    expect(api.listenerCount).toBe(1);
    store.$dispose();
    expect(api.listenerCount).toBe(0);
  });
});
