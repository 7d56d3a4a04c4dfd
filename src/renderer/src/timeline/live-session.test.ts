import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionDetails, SessionStatus } from '@shared/api/workbench';
import type { TimelineWindow } from '@shared/api/analysis';
import { FakeApi } from '@renderer/testing/fake-api';
import { LIVE_POLL_MS, LiveSessionPoller, probeSession, type LiveState } from './live-session';
import { followAction, followedWindow } from './follow';

/** A host whose session records `count` events 250 ns apart while `status` says so. */
function liveApi(): { api: FakeApi; set: (status: SessionStatus, count: number) => void } {
  const api = new FakeApi();
  let status: SessionStatus = 'running';
  let count = 0;
  api.answers.getSession = async (id) => ({ id, status }) as unknown as SessionDetails;
  api.answers.getTimeline = async (req): Promise<TimelineWindow> => ({
    sessionId: req.sessionId,
    fromSeq: 0,
    toSeq: Math.min(0, count - 1),
    bucketNs: 1,
    firstBucket: 0,
    bucketCount: 1,
    path: 'raw',
    slices: false,
    tracks: [],
    lastSeq: count - 1,
    lastT: count > 0 ? 1000 + (count - 1) * 250 : 0,
  });
  return { api, set: (s, n) => ((status = s), (count = n)) };
}

afterEach(() => vi.useRealTimers());

describe('probeSession', () => {
  it('reads status from getSession and progress from the window’s last seq and time', async () => {
    const { api, set } = liveApi();
    set('running', 0);
    expect(await probeSession(api, 4)).toEqual({ sessionId: 4, status: 'running', eventCount: 0, endNs: 0 });
    set('running', 11);
    expect(await probeSession(api, 4)).toEqual({ sessionId: 4, status: 'running', eventCount: 11, endNs: 1000 + 10 * 250 });
  });
});

describe('LiveSessionPoller', () => {
  it('polls about twice a second while running, reports growth, and stops once the session ends', async () => {
    vi.useFakeTimers();
    const { api, set } = liveApi();
    const seen: LiveState[] = [];
    const poller = new LiveSessionPoller(api, (s) => seen.push(s));
    set('running', 5);
    poller.start(3);
    expect(LIVE_POLL_MS).toBe(500);
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS);
    expect(seen.map((s) => s.eventCount)).toEqual([5]);
    set('running', 40);
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS);
    set('complete', 60);
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS);
    expect(seen.map((s) => [s.status, s.eventCount])).toEqual([
      ['running', 5],
      ['running', 40],
      ['complete', 60],
    ]);
    expect(poller.watching).toBeNull();
    const probes = poller.probes;
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS * 4);
    expect(poller.probes).toBe(probes);
  });

  it('waits while the view is hidden, and stop() ends it', async () => {
    vi.useFakeTimers();
    const { api, set } = liveApi();
    set('running', 5);
    let shown = false;
    const seen: LiveState[] = [];
    const poller = new LiveSessionPoller(api, (s) => seen.push(s), () => shown);
    poller.start(3);
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS * 3);
    expect(poller.probes).toBe(0);
    shown = true;
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS);
    expect(seen).toHaveLength(1);
    poller.stop();
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS * 3);
    expect(seen).toHaveLength(1);
  });
});

describe('follow mode', () => {
  it('a fitted view refits, a view at the end follows, any other view stays', () => {
    expect(followAction({ startNs: 0, endNs: 1000 }, 1000, true)).toBe('fit');
    expect(followAction({ startNs: 500, endNs: 1000 }, 1000, false)).toBe('follow');
    expect(followAction({ startNs: 500, endNs: 995 }, 1000, false)).toBe('follow');
    expect(followAction({ startNs: 100, endNs: 600 }, 1000, false)).toBe('stay');
    expect(followedWindow({ startNs: 500, endNs: 1000 }, 1000, 1600, 'follow')).toEqual({ startNs: 1100, endNs: 1600 });
    expect(followedWindow({ startNs: 100, endNs: 600 }, 1000, 1600, 'stay')).toEqual({ startNs: 100, endNs: 600 });
  });
});
