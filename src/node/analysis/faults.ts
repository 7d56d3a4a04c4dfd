/**
 * The `faults` table as the rest of the app reads it: one row per page request
 * group (see fault-assembler.ts for what makes a fault and its latencies).
 */
import type { EventRow } from '../../shared/events';
import type { SqlDatabase, SqlValue } from '../db/sql-database';
import type { FaultOutcome, ResponseKind } from './fault-assembler';
import type { FaultRow } from '../../shared/api/analysis';
export type { FaultRow };

export const FAULT_SELECT = `id, dev, pasid, grpid, code, CASE WHEN addr IS NULL THEN NULL ELSE printf('0x%x', addr) END AS addr, perm, requests,
  first_seq, last_seq, first_t, last_t, pr_seq, pr_t, queued_seq, queued_t, read_seq, read_t, cookie, response_seq, response_t,
  response_code, response_kind, page_resp_seq, page_resp_t, page_code, prg_resp_seq, prg_resp_t, prg_code, outcome, latency_ns, device_latency_ns`;

const n = (v: SqlValue | undefined): number | null => (v === null || v === undefined ? null : Number(v));

export function rowToFault(r: Record<string, SqlValue>): FaultRow {
  return {
    id: Number(r.id),
    dev: Number(r.dev),
    pasid: n(r.pasid),
    grpid: Number(r.grpid),
    addr: r.addr === null ? null : String(r.addr),
    perm: n(r.perm),
    requests: Number(r.requests),
    firstSeq: Number(r.first_seq),
    lastSeq: Number(r.last_seq),
    firstT: Number(r.first_t),
    lastT: Number(r.last_t),
    prSeq: n(r.pr_seq),
    prT: n(r.pr_t),
    queuedSeq: n(r.queued_seq),
    queuedT: n(r.queued_t),
    readSeq: n(r.read_seq),
    readT: n(r.read_t),
    cookie: n(r.cookie),
    responseSeq: n(r.response_seq),
    responseT: n(r.response_t),
    responseCode: n(r.response_code),
    responseKind: r.response_kind === null ? null : (String(r.response_kind) as ResponseKind),
    pageRespSeq: n(r.page_resp_seq),
    pageRespT: n(r.page_resp_t),
    pageCode: n(r.page_code),
    prgRespSeq: n(r.prg_resp_seq),
    prgRespT: n(r.prg_resp_t),
    prgCode: n(r.prg_code),
    outcome: String(r.outcome) as FaultOutcome,
    code: n(r.code),
    latencyNs: n(r.latency_ns),
    deviceLatencyNs: n(r.device_latency_ns),
  };
}

export function getFault(db: SqlDatabase, sessionId: number, id: number): FaultRow | undefined {
  const r = db.prepare(`SELECT ${FAULT_SELECT} FROM faults WHERE session_id = ? AND id = ?`).get(sessionId, id);
  return r ? rowToFault(r) : undefined;
}

/** Every fault of a session in id order (derived tables must exist). */
export function listFaults(db: SqlDatabase, sessionId: number): FaultRow[] {
  return db.prepare(`SELECT ${FAULT_SELECT} FROM faults WHERE session_id = ? ORDER BY id`).all(sessionId).map(rowToFault);
}

/** The fault a cookie instance belonged to at `atSeq` (default: its first use). */
export function findFaultByCookie(db: SqlDatabase, sessionId: number, cookie: number, dev: number | null, atSeq?: number): FaultRow | undefined {
  const rows = db
    .prepare(
      `SELECT ${FAULT_SELECT} FROM faults WHERE session_id = ? AND cookie = ? AND (? IS NULL OR dev = ?) AND read_seq <= ?
       ORDER BY read_seq ${atSeq === undefined ? 'ASC' : 'DESC'} LIMIT 1`,
    )
    .all(sessionId, cookie, dev, dev, atSeq ?? Number.MAX_SAFE_INTEGER);
  const f = rows[0] ? rowToFault(rows[0]) : undefined;
  if (f && atSeq !== undefined && atSeq > f.lastSeq) return undefined;
  return f;
}

/** The PRG (dev, grpid) that was open at `atSeq` (default: the first one). */
export function findFaultByPrg(db: SqlDatabase, sessionId: number, dev: number, grpid: number, atSeq?: number): FaultRow | undefined {
  const rows = db
    .prepare(
      `SELECT ${FAULT_SELECT} FROM faults WHERE session_id = ? AND dev = ? AND grpid = ? AND first_seq <= ?
       ORDER BY first_seq ${atSeq === undefined ? 'ASC' : 'DESC'} LIMIT 1`,
    )
    .all(sessionId, dev, grpid, atSeq ?? Number.MAX_SAFE_INTEGER);
  const f = rows[0] ? rowToFault(rows[0]) : undefined;
  if (f && atSeq !== undefined && atSeq > f.lastSeq) return undefined;
  return f;
}

/** The fault an event is a member of, by its cookie or its (dev, grpid). */
export function findFaultOfEvent(db: SqlDatabase, sessionId: number, e: EventRow): FaultRow | null {
  if (e.cookie !== null && e.kind !== 'FAULT_READ') {
    const f = findFaultByCookie(db, sessionId, e.cookie, e.dev, e.seq);
    if (f && e.seq <= (f.responseSeq ?? f.lastSeq)) return f;
  }
  if (e.dev !== null && e.grpid !== null) return findFaultByPrg(db, sessionId, e.dev, e.grpid, e.seq) ?? null;
  return null;
}
