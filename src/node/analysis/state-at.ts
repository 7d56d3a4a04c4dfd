/**
 * Seek: the fault path's state right after any event. Restores the nearest
 * derived checkpoint at or before the target (written every CHECKPOINT_EVERY
 * events when the session stopped) and re-applies the events after it with
 * the pure reducer; without checkpoints (a running session) it reduces from the
 * start. The nearest engine checkpoint — the emulator's own snapshot, when the
 * engine wrote one — is returned alongside, untouched.
 */
import type { SqlDatabase } from '../db/sql-database';
import { iterateEvents } from '../recorder/event-rows';
import { SessionStore } from '../recorder/session-store';
import { initialPathState, PATH_STATE_VERSION, reducePathState, type PathState } from './path-state';
import { ensureIndexed } from './session-index';
import type { StateAtSeq } from '../../shared/api/analysis';
export type { StateAtSeq };

export class StateAtError extends Error {
  override readonly name = 'StateAtError';
}

export function stateAtSeq(db: SqlDatabase, sessionId: number, seq: number): StateAtSeq {
  if (!Number.isInteger(seq) || seq < 0) throw new StateAtError(`seq must be an integer ≥ 0, got ${seq}`);
  const exists = db.prepare('SELECT 1 AS ok FROM events WHERE session_id = ? AND seq = ?').get(sessionId, seq);
  if (!exists) throw new StateAtError(`session ${sessionId} has no event ${seq}`);
  ensureIndexed(db, sessionId);
  const cp = db
    .prepare(`SELECT seq, state FROM checkpoints WHERE session_id = ? AND kind = 'derived' AND seq <= ? ORDER BY seq DESC LIMIT 1`)
    .get(sessionId, seq);
  let start = initialPathState();
  let checkpointSeq: number | null = null;
  if (cp) {
    const parsed = JSON.parse(String(cp.state)) as PathState;
    if (parsed.version === PATH_STATE_VERSION) {
      start = parsed;
      checkpointSeq = Number(cp.seq);
    }
  }
  const from = checkpointSeq === null ? 0 : checkpointSeq + 1;
  const state = reducePathState(start, iterateEvents(db, sessionId, from, seq + 1));
  return {
    sessionId,
    seq,
    t: state.t,
    state,
    checkpointSeq,
    replayed: seq + 1 - from,
    engineCheckpoint: new SessionStore(db).engineCheckpointAtOrBefore(sessionId, seq) ?? null,
  };
}
