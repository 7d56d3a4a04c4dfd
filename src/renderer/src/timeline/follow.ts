/**
 * Following a session that is still recording, like a log tail: when its end
 * moves, a view that shows the whole session keeps showing all of it, a view
 * whose right edge is at the session's end moves with it (same width), and
 * any other view stays where the user put it.
 */
import type { TimeWindow } from './time-scale';

/** A view "is at the end" when its right edge is within this fraction of its width of the session's end (or past it). */
export const FOLLOW_SLACK = 0.02;

export type FollowAction = 'fit' | 'follow' | 'stay';

export function followAction(view: TimeWindow, oldEndNs: number, fitted: boolean): FollowAction {
  if (fitted) return 'fit';
  const span = view.endNs - view.startNs;
  return view.endNs >= oldEndNs - span * FOLLOW_SLACK ? 'follow' : 'stay';
}

/** The view after the session's end moved from `oldEndNs` to `newEndNs` ('fit' is the caller's, who knows the margins). */
export function followedWindow(view: TimeWindow, oldEndNs: number, newEndNs: number, action: FollowAction): TimeWindow {
  if (action !== 'follow') return view;
  const delta = Math.max(0, newEndNs - oldEndNs);
  return { startNs: view.startNs + delta, endNs: view.endNs + delta };
}
