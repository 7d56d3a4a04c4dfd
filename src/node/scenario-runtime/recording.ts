/**
 * Session bookkeeping shared by the worker and its parent: marking a session
 * aborted with the script's error, keeping the events committed before it.
 */
import type { SqlDatabase } from '../db/sql-database';
import type { SessionStore } from '../recorder/session-store';
import { formatScriptError, type ScriptError } from './errors';

/**
 * Used by the worker and, when the worker died, by the parent.
 * @param committed events the sink committed; counted from the table when unknown (the worker died).
 */
export function markAborted(db: SqlDatabase, store: SessionStore, sessionId: number, committed: number | undefined, error: ScriptError): void {
  const row = db.prepare('SELECT count(*) AS n, max(t) AS t FROM events WHERE session_id = ?').get(sessionId);
  store.finish(sessionId, 'aborted', {
    eventCount: committed ?? Number(row?.n ?? 0),
    endNs: BigInt(Number(row?.t ?? 0)),
    passed: 0,
    failed: 0,
    summary: `run failed: ${formatScriptError(error)}`,
  });
}

