/**
 * Reading events back as EventRow (the JSON-safe form): one SELECT list that
 * renders the u64 IOVA and the raw bytes as hex inside SQLite, and a paged
 * iterator over a seq range that keeps memory constant (pages of `.all()` on
 * the clustered key are faster than a row-by-row `.iterate()`).
 */
import { fromHex, kindFromCode, layerFromCode, type EventRow } from '../../shared/events';
import type { SqlDatabase, SqlValue } from '../db/sql-database';
import { addrToSql, KIND_CODES, LAYER_CODES } from './sqlite-sink';

/**
 * Columns of an event read. An IOVA that fits a double exactly comes back as a
 * number and is turned into hex here; larger ones (and the u64 values stored
 * as negative INTEGERs) are rendered by SQLite's printf.
 */
export const EVENT_SELECT = `seq, t, kind, layer, dev, pasid, grpid, cookie,
  CASE WHEN addr IS NULL OR addr BETWEEN 0 AND 9007199254740991 THEN addr ELSE printf('0x%x', addr) END AS addr,
  perm, code, errno, parent, raw, note, line, iommu`;

/** An addr column value as `0x…`. */
export const addrHex = (v: SqlValue | undefined): string | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? v : `0x${v.toString(16)}`;

/** A raw column value (BLOB) as lowercase hex. */
export function rawHex(v: SqlValue | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  return String(v);
}

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
    addr: addrHex(r.addr),
    perm: numOrNull(r.perm),
    code: numOrNull(r.code),
    errno: numOrNull(r.errno),
    parent: numOrNull(r.parent),
    raw: rawHex(r.raw),
    note: r.note === null || r.note === undefined ? null : String(r.note),
    line: numOrNull(r.line),
    iommu: numOrNull(r.iommu),
  };
}

export const PAGE_ROWS = 4096;

const nullableNum = (v: SqlValue | undefined): number | null => (v === null || v === undefined ? null : Number(v));
const nullableStr = (v: SqlValue | undefined): string | null => (v === null || v === undefined ? null : String(v));

/** An EVENT_SELECT row read with `values()` (columns in EVENT_SELECT order). */
export function valuesToEvent(r: SqlValue[]): EventRow {
  const kind = kindFromCode(Number(r[2]));
  const layer = layerFromCode(Number(r[3]));
  if (!kind || !layer) throw new Error(`event ${String(r[0])}: unknown kind ${String(r[2])} or layer ${String(r[3])}`);
  return {
    seq: Number(r[0]),
    t: Number(r[1]),
    kind,
    layer,
    dev: nullableNum(r[4]),
    pasid: nullableNum(r[5]),
    grpid: nullableNum(r[6]),
    cookie: nullableNum(r[7]),
    addr: addrHex(r[8]),
    perm: nullableNum(r[9]),
    code: nullableNum(r[10]),
    errno: nullableNum(r[11]),
    parent: nullableNum(r[12]),
    raw: rawHex(r[13]),
    note: nullableStr(r[14]),
    line: nullableNum(r[15]),
    iommu: nullableNum(r[16]),
  };
}

/** Events of a session with fromSeq ≤ seq < toSeq, in seq order, a page at a time. */
export function* iterateEvents(db: SqlDatabase, sessionId: number, fromSeq = 0, toSeq = Number.MAX_SAFE_INTEGER): Generator<EventRow> {
  const page = db.prepare(`SELECT ${EVENT_SELECT} FROM events WHERE session_id = ? AND seq >= ? AND seq < ? ORDER BY seq LIMIT ${PAGE_ROWS}`);
  let next = fromSeq;
  while (next < toSeq) {
    const rows = page.values(sessionId, next, toSeq);
    for (const r of rows) yield valuesToEvent(r);
    if (rows.length < PAGE_ROWS) return;
    next = Number(rows[rows.length - 1]![0]) + 1;
  }
}

/** One event, or undefined. */
export function getEvent(db: SqlDatabase, sessionId: number, seq: number): EventRow | undefined {
  const r = db.prepare(`SELECT ${EVENT_SELECT} FROM events WHERE session_id = ? AND seq = ?`).get(sessionId, seq);
  return r ? rowToEvent(r) : undefined;
}

/** An EventRow as the values of an events INSERT (EVENT_COLUMNS order). */
export function eventRowValues(sessionId: number, e: EventRow): SqlValue[] {
  return [
    sessionId,
    e.seq,
    e.t,
    KIND_CODES.get(e.kind) ?? -1,
    LAYER_CODES.get(e.layer) ?? -1,
    e.dev,
    e.pasid,
    e.grpid,
    e.cookie,
    e.addr === null ? null : addrToSql(BigInt(e.addr)),
    e.perm,
    e.code,
    e.errno,
    e.parent,
    e.raw === null ? null : fromHex(e.raw),
    e.note,
    e.line,
    e.iommu,
  ];
}
