import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionStats, TimelineRequest, TimelineWindow } from '@shared/api/analysis';
import { setApi } from '@renderer/ipc/client';
import { FakeApi } from '@renderer/testing/fake-api';
import { useStatsStore } from './stats-store';
import { useTimelineStore } from './timeline-store';

const stats = (sessionId: number, events: number): SessionStats => ({
  sessionId,
  events,
  kindCounts: { PR_SEND: 2 },
  faults: 1,
  outcomes: { completed: 1 },
  overall: { faults: 1, latency: null, deviceLatency: null },
  byDevice: [],
  byPasid: [],
  byCode: [],
});

const windowOf = (fromSeq: number, toSeq: number): TimelineWindow => ({
  sessionId: 1,
  fromSeq,
  toSeq,
  bucketNs: 1024,
  firstBucket: 0,
  bucketCount: 1,
  path: 'raw',
  slices: true,
  tracks: [],
});

describe('useStatsStore', () => {
  let api: FakeApi;
  let statsAsked: { sessionId: number; fromSeq?: number; toSeq?: number }[];
  let timelineAsked: TimelineRequest[];

  beforeEach(() => {
    api = new FakeApi();
    setApi(api);
    setActivePinia(createPinia());
    statsAsked = [];
    timelineAsked = [];
    api.answers.getStats = async (r) => {
      statsAsked.push(r);
      return stats(r.sessionId, r.toSeq !== undefined ? r.toSeq - r.fromSeq! + 1 : 100);
    };
    api.answers.getTimeline = async (r) => {
      timelineAsked.push(r);
      return windowOf(10, 19);
    };
  });

  afterEach(() => setApi(null));

  it('loads the whole session by default', async () => {
    const store = useStatsStore();
    await store.load(1);
    expect(statsAsked).toEqual([{ sessionId: 1 }]);
    expect(store.result?.events).toBe(100);
    expect(store.scope.kind).toBe('session');
  });

  it('narrows to the events of the timeline\'s visible window', async () => {
    const timeline = useTimelineStore();
    timeline.setBounds(0, 10_000);
    timeline.setWindow(1_000.4, 2_000.6);
    const store = useStatsStore();
    await store.load(1);
    await store.useVisibleWindow();
    expect(timelineAsked).toEqual([{ sessionId: 1, by: 't', from: 1000, to: 2001, buckets: 1 }]);
    expect(store.scope).toEqual({ kind: 'window', startNs: 1000, endNs: 2001, fromSeq: 10, toSeq: 19 });
    expect(statsAsked.at(-1)).toEqual({ sessionId: 1, fromSeq: 10, toSeq: 19 });
    expect(store.result?.events).toBe(10);
    await store.useWholeSession();
    expect(statsAsked.at(-1)).toEqual({ sessionId: 1 });
  });

  it('says so when the visible window holds no events, keeping the previous scope', async () => {
    api.answers.getTimeline = async () => windowOf(5, 4);
    const store = useStatsStore();
    await store.load(1);
    await store.useVisibleWindow();
    expect(store.error).toMatch(/no events/);
    expect(store.scope.kind).toBe('session');
  });

  it('goes back to the whole session when another session is shown', async () => {
    const store = useStatsStore();
    await store.load(1);
    await store.useVisibleWindow();
    await store.load(2);
    expect(store.scope.kind).toBe('session');
    expect(statsAsked.at(-1)).toEqual({ sessionId: 2 });
  });

  it('shows the host\'s error (a session still recording)', async () => {
    api.answers.getStats = () => Promise.reject(new Error('session 1 is still recording'));
    const store = useStatsStore();
    await store.load(1);
    expect(store.error).toBe('getStats(#1): session 1 is still recording');
    expect(store.result).toBeNull();
  });

  it('clears when no session is selected', async () => {
    const store = useStatsStore();
    await store.load(1);
    await store.load(null);
    expect(store.result).toBeNull();
    expect(store.sessionId).toBeNull();
  });
});
