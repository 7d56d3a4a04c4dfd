/**
 * Search over a session's events: "next/previous event matching a filter",
 * breakpoints and the search box. One SQL statement walks the clustered
 * (session_id, seq) key from `fromSeq` in the wanted direction and stops after
 * `limit + 1` matches, so a match near the cursor costs a few rows whatever
 * the session's size.
 *
 * The events table has no secondary index (schema.ts), so a rare filter could
 * walk the whole session. A stopped session's derived tables bound that walk:
 * `tracks` holds, per (layer, dev, PASID), the first and last seq of its
 * events, and `session_index.kind_counts` says which kinds occur at all. A
 * filter on layer, dev or PASID scans only the seq span of its tracks, and a
 * filter on kinds that never occur answers at once. A filter on `parent`
 * starts after the parent (a parent precedes its children), and `toSeq` caps
 * the walk so a caller can bound what a leaf event's search reads.
 */
import { EVENT_KINDS, kindCode, layerCode, type EventKind } from '../../shared/events';
import type { EventFilter, EventSearchRequest, EventSearchResult } from '../../shared/api/workbench';
import type { SqlDatabase, SqlValue } from '../db/sql-database';
import { readIndexInfo, INDEX_VERSION } from '../analysis/session-index';
import { EVENT_SELECT, rowToEvent } from '../recorder/event-rows';

/** `%`, `_` and the escape itself are literal in a search text. */
const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

interface Bounds {
  readonly lo: number;
  readonly hi: number;
}

export function findEvents(db: SqlDatabase, request: EventSearchRequest): EventSearchResult {
  const { sessionId, filter, fromSeq, toSeq, direction, limit } = request;
  const where: string[] = ['session_id = ?'];
  const params: SqlValue[] = [sessionId];

  const kinds = filter.kinds ? [...filter.kinds] : null;
  if (kinds) {
    where.push(`kind IN (${kinds.map(() => '?').join(',')})`);
    params.push(...kinds.map(kindCode));
  }
  if (filter.layer !== undefined) {
    where.push('layer = ?');
    params.push(layerCode(filter.layer));
  }
  for (const column of ['dev', 'pasid', 'grpid', 'cookie', 'code', 'errno', 'parent'] as const) {
    const v = filter[column];
    if (v !== undefined) {
      where.push(`${column} = ?`);
      params.push(v);
    }
  }
  if (filter.text !== undefined) {
    const needle = filter.text.toLowerCase();
    const named = EVENT_KINDS.filter((k) => k.toLowerCase().includes(needle));
    const byKind = named.length ? `kind IN (${named.map(() => '?').join(',')}) OR ` : '';
    where.push(`(${byKind}note LIKE ? ESCAPE '\\')`);
    params.push(...named.map(kindCode), likePattern(filter.text));
  }

  const bounds = seqBounds(db, sessionId, filter, kinds);
  if (bounds === null) return { events: [], more: false };
  const forward = direction === 'forward';
  const end = toSeq ?? (forward ? Number.MAX_SAFE_INTEGER : 0);
  const lo = Math.max(forward ? fromSeq : end, bounds.lo);
  const hi = Math.min(forward ? end : fromSeq, bounds.hi);
  if (hi < lo) return { events: [], more: false };
  where.push('seq BETWEEN ? AND ?');
  params.push(lo, hi);

  const rows = db
    .prepare(`SELECT ${EVENT_SELECT} FROM events WHERE ${where.join(' AND ')} ORDER BY seq ${forward ? 'ASC' : 'DESC'} LIMIT ?`)
    .all(...params, limit + 1);
  const more = rows.length > limit;
  if (more) rows.pop();
  return { events: rows.map(rowToEvent), more };
}

/**
 * The seq span that can hold a match, from a stopped session's derived
 * tables; the whole key range when the session has none yet (running);
 * null when nothing can match.
 */
function seqBounds(db: SqlDatabase, sessionId: number, filter: EventFilter, kinds: EventKind[] | null): Bounds | null {
  const bounds = indexedBounds(db, sessionId, filter, kinds);
  if (bounds === null || filter.parent === undefined) return bounds;
  return { lo: Math.max(bounds.lo, filter.parent + 1), hi: bounds.hi };
}

function indexedBounds(db: SqlDatabase, sessionId: number, filter: EventFilter, kinds: EventKind[] | null): Bounds | null {
  const all: Bounds = { lo: 0, hi: Number.MAX_SAFE_INTEGER };
  const info = readIndexInfo(db, sessionId);
  if (!info || info.version !== INDEX_VERSION) return all;
  if (info.eventCount === 0) return null;
  if (kinds && !kinds.some((k) => (info.kindCounts[k] ?? 0) > 0)) return null;
  if (filter.layer === undefined && filter.dev === undefined && filter.pasid === undefined) return { lo: 0, hi: info.eventCount - 1 };
  const where = ['session_id = ?'];
  const params: SqlValue[] = [sessionId];
  if (filter.layer !== undefined) {
    where.push('layer = ?');
    params.push(layerCode(filter.layer));
  }
  if (filter.dev !== undefined) {
    where.push('dev = ?');
    params.push(filter.dev);
  }
  if (filter.pasid !== undefined) {
    where.push('pasid = ?');
    params.push(filter.pasid);
  }
  const r = db.prepare(`SELECT min(first_seq) AS lo, max(last_seq) AS hi FROM tracks WHERE ${where.join(' AND ')}`).get(...params);
  if (!r || r.lo === null || r.hi === null) return null;
  return { lo: Number(r.lo), hi: Number(r.hi) };
}
