import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setApi } from '@renderer/ipc/client';
import { useLayoutStore } from '@renderer/stores/layout-store';
import { useSessionStore } from '@renderer/stores/session-store';
import { useTimelineStore } from '@renderer/stores/timeline-store';
import { FakeApi, fakeSession } from '@renderer/testing/fake-api';
import { revealSeqInSession } from './reveal-seq';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('revealSeqInSession', () => {
  beforeEach(() => {
    const api = new FakeApi();
    api.sessions = [fakeSession(1, { eventCount: 50 }), fakeSession(2, { eventCount: 90 })];
    setApi(api);
    setActivePinia(createPinia());
  });
  afterEach(() => {
    vi.useRealTimers();
    setApi(null);
  });

  /** What the timeline view does when it has loaded a session: new bounds (selection cleared), then the signal. */
  function timelineShows(sessionId: number): void {
    useTimelineStore().setBounds(0, 1_000);
    useSessionStore().markShown(sessionId);
  }

  it('selects the event only once the timeline shows the session, not on an earlier setBounds', async () => {
    const sessions = useSessionStore();
    const timeline = useTimelineStore();
    sessions.select(1);
    timelineShows(1);
    const done = revealSeqInSession(2, 40);
    expect(useLayoutStore().centerView).toBe('timeline');
    expect(sessions.selectedSessionId).toBe(2);
    // A load of another session finishing now (its setBounds) is not the signal.
    timeline.setBounds(0, 500);
    await flush();
    expect(timeline.selectedSeq).toBeNull();
    timelineShows(2);
    await done;
    expect(timeline.selectedSeq).toBe(40);
    expect(timeline.revealRequest?.seq).toBe(40);
  });

  it('waits for a session that is selected but still loading', async () => {
    const sessions = useSessionStore();
    const timeline = useTimelineStore();
    sessions.select(2);
    const done = revealSeqInSession(2, 7);
    await flush();
    expect(timeline.selectedSeq).toBeNull();
    timelineShows(2);
    await done;
    expect(timeline.selectedSeq).toBe(7);
  });

  it('selects at once in the session already shown', async () => {
    const sessions = useSessionStore();
    sessions.select(2);
    timelineShows(2);
    await revealSeqInSession(2, 11);
    expect(useTimelineStore().selectedSeq).toBe(11);
  });

  it('gives way when the user picks another session while waiting', async () => {
    const sessions = useSessionStore();
    const done = revealSeqInSession(2, 9);
    sessions.select(1);
    await done;
    timelineShows(1);
    expect(useTimelineStore().selectedSeq).toBeNull();
  });

  it('selects anyway after the wait when the timeline never shows the session (a failed load)', async () => {
    vi.useFakeTimers();
    const done = revealSeqInSession(2, 3, 1_000);
    await vi.advanceTimersByTimeAsync(999);
    expect(useTimelineStore().selectedSeq).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(useTimelineStore().selectedSeq).toBe(3);
  });
});

describe('session-store shownSessionId', () => {
  beforeEach(() => {
    setApi(new FakeApi());
    setActivePinia(createPinia());
  });
  afterEach(() => setApi(null));

  it('is cleared by any change of selection and ignores a signal for a session no longer selected', () => {
    const sessions = useSessionStore();
    sessions.select(1);
    sessions.markShown(1);
    expect(sessions.shownSessionId).toBe(1);
    sessions.select(2);
    expect(sessions.shownSessionId).toBeNull();
    sessions.markShown(1);
    expect(sessions.shownSessionId).toBeNull();
    sessions.markShown(2);
    expect(sessions.shownSessionId).toBe(2);
    sessions.select(2);
    expect(sessions.shownSessionId).toBe(2);
  });
});
