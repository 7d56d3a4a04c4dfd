/**
 * The session changes a user makes from the UI: rename, remove, and notes on
 * a session or one of its events. Each checks that what it names exists
 * (and belongs together) first, so a stale id gets a clear error instead of
 * a silent no-op.
 */
import type { SessionNote } from '../../shared/api/analysis';
import type { SqlDatabase } from '../db/sql-database';
import type { SessionStore } from '../recorder/session-store';
import { withSqliteErrors } from '../recorder/sqlite-errors';

export class SessionEditError extends Error {
  override readonly name = 'SessionEditError';
}

export function requireSession(store: SessionStore, sessionId: number): void {
  if (!store.get(sessionId)) throw new SessionEditError(`no session ${sessionId}`);
}

export function renameSession(db: SqlDatabase, store: SessionStore, sessionId: number, name: string): void {
  requireSession(store, sessionId);
  withSqliteErrors(db.path, `renaming session ${sessionId}`, () => db.prepare('UPDATE sessions SET name = ? WHERE id = ?').run(name, sessionId));
}

/** Refuses while the session records: its writer would go on inserting rows for an id that no longer exists. */
export function removeSession(store: SessionStore, sessionId: number): void {
  const s = store.get(sessionId);
  if (!s) throw new SessionEditError(`no session ${sessionId}`);
  if (s.status === 'running') throw new SessionEditError(`session ${sessionId} is still recording; cancel its run first`);
  store.remove(sessionId);
}

export function addNote(db: SqlDatabase, store: SessionStore, sessionId: number, seq: number | null, text: string): SessionNote {
  requireSession(store, sessionId);
  let t: number | undefined;
  if (seq !== null) {
    const e = db.prepare('SELECT t FROM events WHERE session_id = ? AND seq = ?').get(sessionId, seq);
    if (!e) throw new SessionEditError(`session ${sessionId} has no event ${seq}`);
    t = Number(e.t);
  }
  const id = store.addNote(sessionId, text, { ...(seq !== null ? { seq } : {}), ...(t !== undefined ? { t } : {}) });
  const note = store.notes(sessionId).find((n) => n.id === id);
  if (!note) throw new SessionEditError(`note ${id} vanished right after it was written`);
  return note;
}

export function removeNote(db: SqlDatabase, store: SessionStore, sessionId: number, noteId: number): void {
  const r = db.prepare('SELECT session_id FROM notes WHERE id = ?').get(noteId);
  if (!r || Number(r.session_id) !== sessionId) throw new SessionEditError(`session ${sessionId} has no note ${noteId}`);
  store.removeNote(noteId);
}
