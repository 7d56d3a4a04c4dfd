/**
 * Shows one event of a session on the timeline: switches to the timeline
 * view, selects the session if it is not the shown one, and selects the event
 * with reveal so the timeline scrolls it into view. A newly selected session
 * resets the timeline's selection when it has loaded (setBounds), so the event
 * is selected after that, not before.
 */
import { useLayoutStore } from '@renderer/stores/layout-store';
import { useSessionStore } from '@renderer/stores/session-store';
import { useTimelineStore } from '@renderer/stores/timeline-store';

/** How long to wait for the timeline to load a session before selecting anyway, ms. */
export const SESSION_LOAD_WAIT_MS = 5_000;

/** Resolves after the timeline store's next setBounds, or after `timeoutMs`. */
function nextTimelineLoad(timeoutMs: number): Promise<void> {
  const timeline = useTimelineStore();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      stop();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    const stop = timeline.$onAction(({ name, after }) => {
      if (name === 'setBounds') after(done);
    });
  });
}

export async function revealSeqInSession(sessionId: number, seq: number, timeoutMs = SESSION_LOAD_WAIT_MS): Promise<void> {
  const sessions = useSessionStore();
  const timeline = useTimelineStore();
  useLayoutStore().showView('timeline');
  if (sessions.selectedSessionId !== sessionId) {
    const loaded = nextTimelineLoad(timeoutMs);
    sessions.select(sessionId);
    await loaded;
    // The user may have picked another session meanwhile; theirs wins.
    if (sessions.selectedSessionId !== sessionId) return;
  }
  timeline.selectSeq(seq, { reveal: true });
}
