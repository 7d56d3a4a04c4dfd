/**
 * Shows one event of a session on the timeline: switches to the timeline
 * view, selects the session if it is not the shown one, and selects the event
 * with reveal so the timeline scrolls it into view. Loading a session resets
 * the timeline's selection, so the event is selected only once the timeline
 * says it shows that very session (session-store `shownSessionId`, set by the
 * timeline's markShown call right after its setBounds) — not on any setBounds,
 * and not before a session that is selected but still loading has loaded.
 */
import { watch } from 'vue';
import { useLayoutStore } from '@renderer/stores/layout-store';
import { useSessionStore } from '@renderer/stores/session-store';
import { useTimelineStore } from '@renderer/stores/timeline-store';

/** How long to wait for the timeline to show a session before selecting anyway (a load that failed), ms. */
export const SESSION_LOAD_WAIT_MS = 5_000;

/**
 * Resolves true once the timeline shows `sessionId`, false when the user
 * selects another session first; after `timeoutMs` it resolves true anyway.
 */
function sessionShown(sessionId: number, timeoutMs: number): Promise<boolean> {
  const sessions = useSessionStore();
  return new Promise((resolve) => {
    let settled = false;
    let stop: (() => void) | null = null;
    const done = (shown: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop?.();
      resolve(shown);
    };
    const timer = setTimeout(() => done(true), timeoutMs);
    stop = watch(
      () => [sessions.shownSessionId, sessions.selectedSessionId] as const,
      ([shown, selected]) => {
        if (shown === sessionId) done(true);
        else if (selected !== sessionId) done(false);
      },
      { immediate: true, flush: 'sync' },
    );
    // Settled by the immediate check, before `stop` existed.
    if (settled) stop();
  });
}

export async function revealSeqInSession(sessionId: number, seq: number, timeoutMs = SESSION_LOAD_WAIT_MS): Promise<void> {
  const sessions = useSessionStore();
  const timeline = useTimelineStore();
  useLayoutStore().showView('timeline');
  if (sessions.selectedSessionId !== sessionId) sessions.select(sessionId);
  if (sessions.shownSessionId !== sessionId) {
    // The user may pick another session meanwhile; theirs wins.
    if (!(await sessionShown(sessionId, timeoutMs)) || sessions.selectedSessionId !== sessionId) return;
  }
  timeline.selectSeq(seq, { reveal: true });
}
