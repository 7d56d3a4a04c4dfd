import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionDiff } from '@shared/api/analysis';
import { setApi } from '@renderer/ipc/client';
import { FakeApi, fakeSession } from '@renderer/testing/fake-api';
import { useDiffStore } from './diff-store';
import { useSessionStore } from './session-store';

const diffOf = (a: number, b: number): SessionDiff => ({
  a,
  b,
  faultsA: 2,
  faultsB: 3,
  matched: 2,
  flipCount: 1,
  addedCount: 1,
  missingCount: 0,
  flips: [{ identity: { dev: 0x300, pasid: 1, grpid: 0, addr: '0x1000', perm: 1, occurrence: 0 }, codeA: 0, codeB: 1, seqA: 4, seqB: 5 }],
  added: [{ identity: { dev: 0x300, pasid: 1, grpid: 1, addr: '0x2000', perm: 1, occurrence: 0 }, faultId: 3, seq: 30, code: 0 }],
  missing: [],
  latencyDelta: null,
  largestDeltas: [],
  sameFaults: false,
});

describe('useDiffStore', () => {
  let api: FakeApi;
  let asked: { a: number; b: number }[];

  beforeEach(async () => {
    api = new FakeApi();
    setApi(api);
    setActivePinia(createPinia());
    asked = [];
    api.answers.diffSessions = async (r) => {
      asked.push(r);
      return diffOf(r.a, r.b);
    };
    api.sessions = [fakeSession(1), fakeSession(2), fakeSession(3)];
    await useSessionStore().refresh();
  });

  afterEach(() => setApi(null));

  it('follows the selection until the user picks: the selected session against the previous one', async () => {
    const diff = useDiffStore();
    const sessions = useSessionStore();
    expect([diff.a, diff.b]).toEqual([2, 3]);
    sessions.select(2);
    expect([diff.a, diff.b]).toEqual([1, 2]);
    await diff.compare();
    expect(asked).toEqual([{ a: 1, b: 2 }]);
    expect(diff.result?.flips).toHaveLength(1);
  });

  it('keeps the user\'s picks, swaps them, and falls back when a picked session disappears', async () => {
    const diff = useDiffStore();
    diff.pick('a', 3);
    diff.pick('b', 1);
    expect([diff.a, diff.b]).toEqual([3, 1]);
    diff.swap();
    expect([diff.a, diff.b]).toEqual([1, 3]);
    api.sessions = [fakeSession(2), fakeSession(3)];
    await useSessionStore().refresh();
    expect([diff.a, diff.b]).toEqual([2, 3]);
  });

  it('says two sessions are needed instead of calling the host with one', async () => {
    api.sessions = [fakeSession(1)];
    await useSessionStore().refresh();
    const diff = useDiffStore();
    expect(await diff.compare()).toBeNull();
    expect(diff.error).toMatch(/two sessions/);
    expect(asked).toEqual([]);
  });

  it('shows the host\'s error', async () => {
    api.answers.diffSessions = () => Promise.reject(new Error('session 2 is still recording'));
    const diff = useDiffStore();
    await diff.compare();
    expect(diff.error).toBe('diffSessions(#2, #3): session 2 is still recording');
    expect(diff.result).toBeNull();
  });

  it('keeps only the newest answer when comparisons overlap', async () => {
    let releaseSlow: (d: SessionDiff) => void = () => undefined;
    api.answers.diffSessions = (r) => (r.a === 1 ? new Promise((res) => (releaseSlow = res)) : Promise.resolve(diffOf(r.a, r.b)));
    const diff = useDiffStore();
    diff.pick('a', 1);
    const slow = diff.compare();
    diff.pick('a', 2);
    await diff.compare();
    releaseSlow(diffOf(1, 3));
    await slow;
    expect(diff.result?.a).toBe(2);
    expect(diff.loading).toBe(false);
  });
});
