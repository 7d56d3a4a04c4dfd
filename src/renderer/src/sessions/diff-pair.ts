/** Which two sessions the diff view compares when the user has not picked them. */
import type { SessionSummary } from '@shared/api/workbench';

export interface DiffPair {
  /** The baseline (older) session. */
  readonly a: number | null;
  /** The session compared against it. */
  readonly b: number | null;
}

/**
 * B is the selected session (else the newest) and A the one recorded just
 * before it (else the next newer one), so "what changed since last run" is one
 * click away.
 */
export function defaultDiffPair(sessions: readonly Pick<SessionSummary, 'id'>[], selectedId: number | null): DiffPair {
  const ids = sessions.map((s) => s.id).sort((x, y) => x - y);
  if (ids.length === 0) return { a: null, b: null };
  const b = selectedId !== null && ids.includes(selectedId) ? selectedId : ids[ids.length - 1]!;
  const i = ids.indexOf(b);
  const a = ids[i - 1] ?? ids[i + 1] ?? null;
  return { a, b };
}
