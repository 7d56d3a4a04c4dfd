/**
 * The whole life of one fault — reached by its id, one of its events, its
 * cookie or its PRG index — as an ordered list of events, each with its role:
 *
 * - `member`: carries the fault's (dev, PRG index) or its cookie while the
 *   cookie was handed out (PR_SEND … FAULT_READ, POLICY_MAP, RESPONSE_WRITE …
 *   PRG_RESP_RECV);
 * - `cause`: a causal ancestor of a member that is not a member (the DMA access
 *   and ATS completion that led to the page request, the driver's DRV_CONSUME,
 *   the policy's wake-up);
 * - `effect`: a causal descendant of a member that names no PRG or cookie (the
 *   retried translation and the DMA completion), followed until it reaches an
 *   event that belongs to another fault.
 */
import type { SqlDatabase } from '../db/sql-database';
import { EVENT_SELECT, getEvent, rowToEvent } from '../recorder/event-rows';
import { findFaultByCookie, findFaultByPrg, findFaultOfEvent, getFault, type FaultRow } from './faults';
import { ensureIndexed } from './session-index';
import type { LifecycleQuery, LifecycleRole, LifecycleEvent, Lifecycle } from '../../shared/api/analysis';
export type { LifecycleQuery, LifecycleRole, LifecycleEvent, Lifecycle };

/** How far past a fault's last event to look for effects, in events. */
const EFFECT_WINDOW = 8192;
/** How many causal hops above the first member to follow. */
const CAUSE_DEPTH = 8;

export class LifecycleError extends Error {
  override readonly name = 'LifecycleError';
}

export function findFault(db: SqlDatabase, sessionId: number, q: LifecycleQuery): FaultRow | undefined {
  if ('faultId' in q) return getFault(db, sessionId, q.faultId);
  if ('cookie' in q) return findFaultByCookie(db, sessionId, q.cookie, q.dev ?? null, q.atSeq);
  if ('grpid' in q) return findFaultByPrg(db, sessionId, q.dev, q.grpid, q.atSeq);
  const e = getEvent(db, sessionId, q.seq);
  if (!e) return undefined;
  const own = findFaultOfEvent(db, sessionId, e);
  if (own) return own;
  // An event outside every fault: the fault it caused (a few hops down), or the one that caused it.
  let frontier = [e.seq];
  for (let hop = 0; hop < 3 && frontier.length > 0; hop++) {
    const children = db
      .prepare(
        `SELECT ${EVENT_SELECT} FROM events WHERE session_id = ? AND seq > ? AND seq <= ? AND parent IN (${frontier.map(() => '?').join(',')}) ORDER BY seq LIMIT 64`,
      )
      .all(sessionId, e.seq, e.seq + EFFECT_WINDOW, ...frontier)
      .map(rowToEvent);
    for (const c of children) {
      const f = findFaultOfEvent(db, sessionId, c);
      if (f) return f;
    }
    frontier = children.map((c) => c.seq);
  }
  let p = e.parent === null ? undefined : getEvent(db, sessionId, e.parent);
  for (let hop = 0; p && hop < CAUSE_DEPTH; hop++) {
    const f = findFaultOfEvent(db, sessionId, p);
    if (f) return f;
    p = p.parent === null ? undefined : getEvent(db, sessionId, p.parent);
  }
  return undefined;
}

export function faultLifecycle(db: SqlDatabase, sessionId: number, q: LifecycleQuery): Lifecycle {
  if (!ensureIndexed(db, sessionId)) throw new LifecycleError(`session ${sessionId} is still recording; its faults are assembled when it stops`);
  const fault = findFault(db, sessionId, q);
  if (!fault) throw new LifecycleError(`session ${sessionId}: no fault matches ${JSON.stringify(q)}`);

  const roles = new Map<number, LifecycleEvent>();
  const inRange = db
    .prepare(`SELECT ${EVENT_SELECT} FROM events WHERE session_id = ? AND seq BETWEEN ? AND ? ORDER BY seq`)
    .all(sessionId, fault.firstSeq, fault.lastSeq)
    .map(rowToEvent);
  const responseEnd = fault.responseSeq ?? fault.lastSeq;
  for (const e of inRange) {
    const byPrg = e.dev === fault.dev && e.grpid === fault.grpid;
    const byCookie =
      fault.cookie !== null && fault.readSeq !== null && e.cookie === fault.cookie && (e.dev === null || e.dev === fault.dev) && e.seq >= fault.readSeq && e.seq <= responseEnd;
    if (byPrg || byCookie) roles.set(e.seq, { ...e, role: 'member' });
  }

  // Causes: walk parents of members that fall outside the membership.
  const memberSeqs = [...roles.keys()];
  for (const seq of memberSeqs) {
    let parent = roles.get(seq)!.parent;
    for (let hop = 0; parent !== null && hop < CAUSE_DEPTH && !roles.has(parent); hop++) {
      const p = getEvent(db, sessionId, parent);
      if (!p) break;
      if (findFaultOfEvent(db, sessionId, p)) break; // another fault's event
      roles.set(p.seq, { ...p, role: 'cause' });
      parent = p.parent;
    }
  }

  // Effects: descendants that name no PRG or cookie, within a window after the fault.
  const later = db
    .prepare(
      `SELECT seq, parent, (grpid IS NOT NULL OR cookie IS NOT NULL) AS named FROM events
       WHERE session_id = ? AND seq > ? AND seq <= ? AND parent BETWEEN ? AND ? ORDER BY seq`,
    )
    .all(sessionId, fault.firstSeq, fault.lastSeq + EFFECT_WINDOW, fault.firstSeq, fault.lastSeq + EFFECT_WINDOW);
  const reach = new Set(memberSeqs);
  for (const r of later) {
    const seq = Number(r.seq);
    if (roles.has(seq) || !reach.has(Number(r.parent)) || Number(r.named)) continue; // a named event starts another fault
    const e = getEvent(db, sessionId, seq);
    if (!e) continue;
    roles.set(seq, { ...e, role: 'effect' });
    reach.add(seq);
  }
  return { fault, events: [...roles.values()].sort((a, b) => a.seq - b.seq) };
}
