/**
 * Reading events back as EventRow (the JSON-safe form): one SELECT list that
 * renders the u64 IOVA and the raw bytes as hex inside SQLite, and a paged
 * iterator over a seq range that keeps memory constant (pages of `.all()` on
 * the clustered key are faster than a row-by-row `.iterate()`).
 */
import { kindFromCode, layerFromCode, type EventRow } from '../../shared/events';
import type { SqlDatabase, SqlValue } from '../db/sql-database';

export const EVENT_SELECT = `seq, t, kind, layer, dev, pasid, grpid, cookie,
  CASE WHEN addr IS NULL THEN NULL ELSE printf('0x%x', addr) END AS addr,
  perm, code, errno, parent, CASE WHEN raw IS NULL THEN NULL ELSE lower(hex(raw)) END AS raw, note`;

const numOrNull = (v: SqlValue | undefined): number | null => (v === null || v === undefined ? null : Number(v));

export function rowToEvent(r: Record<string, SqlValue>): EventRow {
  const kind = kindFromCode(Number(r.kind));
  const layer = layerFromCode(Number(r.layer));
  if (!kind || !layer) throw new Error(`event ${String(r.seq)}: unknown kind ${String(r.kind)} or layer ${String(r.layer)}`);
  return {
    seq: Number(r.seq),
    t: Number(r.t),
    kind,
    layer,
    dev: numOrNull(r.dev),
    pasid: numOrNull(r.pasid),
    grpid: numOrNull(r.grpid),
    cookie: numOrNull(r.cookie),
    addr: r.addr === null || r.addr === undefined ? null : String(r.addr),
    perm: numOrNull(r.perm),
    code: numOrNull(r.code),
    errno: numOrNull(r.errno),
    parent: numOrNull(r.parent),
    raw: r.raw === null || r.raw === undefined ? null : String(r.raw),
    note: r.note === null || r.note === undefined ? null : String(r.note),
  };
}

export const PAGE_ROWS = 4096;

/** Events of a session with fromSeq ≤ seq < toSeq, in seq order, a page at a time. */
export function* iterateEvents(db: SqlDatabase, sessionId: number, fromSeq = 0, toSeq = Number.MAX_SAFE_INTEGER): Generator<EventRow> {
  const page = db.prepare(`SELECT ${EVENT_SELECT} FROM events WHERE session_id = ? AND seq >= ? AND seq < ? ORDER BY seq LIMIT ${PAGE_ROWS}`);
  let next = fromSeq;
  while (next < toSeq) {
    const rows = page.all(sessionId, next, toSeq);
    for (const r of rows) yield rowToEvent(r);
    if (rows.length < PAGE_ROWS) return;
    next = Number(rows[rows.length - 1]!.seq) + 1;
  }
}

/** One event, or undefined. */
export function getEvent(db: SqlDatabase, sessionId: number, seq: number): EventRow | undefined {
  const r = db.prepare(`SELECT ${EVENT_SELECT} FROM events WHERE session_id = ? AND seq = ?`).get(sessionId, seq);
  return r ? rowToEvent(r) : undefined;
}
