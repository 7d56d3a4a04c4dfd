/**
 * Timeline window queries: the events of a window bucketed per track at the
 * resolution the caller asks for (about one bucket per pixel), never "all
 * events". The window is given in virtual time or in seq; buckets are always
 * in virtual time, 2^k ns wide and aligned to multiples of 2^k (the power of
 * two ≥ window width / requested buckets, as Perfetto quantises its
 * resolution), so neighbouring requests share buckets and can be cached.
 *
 * Two paths give the same cells: a window of at most RAW_LIMIT events is
 * grouped in SQLite from the events themselves (plus the slices table for the
 * longest slice); a larger one reads the LOD pyramid (src/node/analysis/lod.ts)
 * at that level, or at the base level if the window asks for finer buckets
 * than stored (the answer then says so through `bucketNs`). Running sessions
 * have no derived tables yet: always the raw path, without slices.
 *
 * Counter series (PRQ occupancy per IOMMU unit, PRI credits per device) come
 * from the pyramid on both paths, at the window's level or the base level
 * when that is coarser (`counters.bucketNs`). A filter in the request is
 * applied by the raw path only (`matched` counts per cell, `filtered: true`);
 * the LOD path stores whole counts and says `filtered: false`. Every answer
 * carries the session's current last seq and time, so a view of a session
 * still recording can follow it with a one-event request.
 */
import { EVENT_KINDS, kindCode, LAYERS, layerCode, type Layer } from '../../shared/events';
import type { EventFilter } from '../../shared/api/workbench';
import type { SqlDatabase } from '../db/sql-database';
import { EVENT_SELECT, rowToEvent } from '../recorder/event-rows';
import { counterOfTrack, decodeChunk, CHUNK_BUCKETS, type CounterCell } from './lod';
import { ensureIndexed, type SessionIndexInfo } from './session-index';
import { trackUri } from './tracks';
import type { CounterCells, CounterWindow, TimelineRequest, TrackCells, TimelineWindow } from '../../shared/api/analysis';
export type { CounterCells, CounterWindow, TimelineRequest, TrackCells, TimelineWindow };

/** Windows with at most this many events are bucketed from the events themselves. */
export const RAW_LIMIT = 12_000;

export class TimelineError extends Error {
  override readonly name = 'TimelineError';
}

interface TrackRow {
  id: number;
  uri: string;
  layer: Layer;
  dev: number | null;
  pasid: number | null;
}

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function timelineWindow(db: SqlDatabase, req: TimelineRequest): TimelineWindow {
  if (!(req.buckets >= 1 && req.buckets <= 16_384)) throw new TimelineError('buckets must be in 1..16384');
  if (!Number.isFinite(req.from) || !Number.isFinite(req.to) || req.to <= req.from) throw new TimelineError('the window must have to > from');
  const info = ensureIndexed(db, req.sessionId);
  const last = db.prepare('SELECT max(seq) AS s FROM events WHERE session_id = ?').get(req.sessionId);
  const lastSeq = last?.s === null || last?.s === undefined ? -1 : Number(last.s);
  const tAt = (seq: number): number => Number(db.prepare('SELECT t FROM events WHERE session_id = ? AND seq = ?').get(req.sessionId, seq)?.t ?? 0);

  let fromSeq: number;
  let toSeq: number;
  let t0: number;
  let t1: number;
  if (req.by === 'seq') {
    fromSeq = Math.max(0, Math.ceil(req.from));
    toSeq = Math.min(lastSeq, Math.ceil(req.to) - 1);
    t0 = fromSeq <= lastSeq ? tAt(fromSeq) : 0;
    t1 = toSeq >= fromSeq ? tAt(toSeq) + 1 : t0 + 1;
  } else {
    t0 = req.from;
    t1 = req.to;
    fromSeq = firstSeqAtOrAfter(tAt, lastSeq, t0);
    toSeq = firstSeqAtOrAfter(tAt, lastSeq, t1) - 1;
  }
  const k = Math.max(0, Math.ceil(Math.log2((t1 - t0) / req.buckets)));
  const events = toSeq - fromSeq + 1;
  const useLod = info !== undefined && req.path !== 'raw' && (req.path === 'lod' || events > RAW_LIMIT);
  const tracks = info ? loadTracks(db, req.sessionId) : undefined;
  const result = useLod
    ? fromLod(db, req.sessionId, info!, tracks!, t0, t1, k)
    : fromEvents(db, req.sessionId, tracks, fromSeq, toSeq, t0, t1, k, info !== undefined, req.filter);
  if (!useLod && info) result.counters = readCounters(db, req.sessionId, info, t0, t1, k);
  const filtered = req.filter === undefined ? {} : { filtered: !useLod };
  const base = { sessionId: req.sessionId, fromSeq, toSeq, ...result, ...filtered, lastSeq, lastT: lastSeq >= 0 ? tAt(lastSeq) : 0 };
  if (req.maxEvents && events > 0 && events <= req.maxEvents) {
    const rows = db
      .prepare(`SELECT ${EVENT_SELECT} FROM events WHERE session_id = ? AND seq BETWEEN ? AND ? ORDER BY seq`)
      .all(req.sessionId, fromSeq, toSeq)
      .map(rowToEvent);
    return { ...base, events: rows };
  }
  return base;
}

/** Smallest seq whose t ≥ `t` (lastSeq + 1 when none): t never decreases with seq. */
function firstSeqAtOrAfter(tAt: (seq: number) => number, lastSeq: number, t: number): number {
  let lo = 0;
  let hi = lastSeq + 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tAt(mid) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function loadTracks(db: SqlDatabase, sessionId: number): Map<number, TrackRow> {
  const out = new Map<number, TrackRow>();
  for (const r of db.prepare('SELECT id, uri, layer, dev, pasid FROM tracks WHERE session_id = ?').all(sessionId))
    out.set(Number(r.id), { id: Number(r.id), uri: String(r.uri), layer: LAYERS[Number(r.layer)]!, dev: numOrNull(r.dev), pasid: numOrNull(r.pasid) });
  return out;
}

type Cells = Omit<TimelineWindow, 'sessionId' | 'fromSeq' | 'toSeq' | 'events' | 'counters' | 'filtered' | 'lastSeq' | 'lastT'> & { counters?: CounterWindow };

type MutableTrack = { -readonly [K in keyof TrackCells]: TrackCells[K] };

/**
 * Cells per track. Counts arrive in bucket order per track (events in seq
 * order, LOD chunks in bucket order), so the current cell is the last one;
 * slices look their bucket up by binary search.
 */
class CellSet {
  private readonly byTrack = new Map<number, MutableTrack>();
  constructor(
    readonly firstBucket: number,
    /** Cells carry `matched` counts (a filtered raw window). */
    private readonly withMatched = false,
  ) {}

  /** Index of the cell (track, absolute bucket), created if needed. */
  cell(key: number, meta: () => TrackMeta, bucket: number): { cells: MutableTrack; i: number } {
    let c = this.byTrack.get(key);
    if (!c) this.byTrack.set(key, (c = { ...meta(), bucket: [], count: [], maxSliceNs: [], maxSliceSeq: [], ...(this.withMatched ? { matched: [] } : {}) }));
    const rel = bucket - this.firstBucket;
    const b = c.bucket;
    const last = b.length - 1;
    if (last >= 0 && b[last] === rel) return { cells: c, i: last };
    if (last < 0 || b[last]! < rel) {
      b.push(rel);
      c.count.push(0);
      c.maxSliceNs.push(0);
      c.maxSliceSeq.push(null);
      c.matched?.push(0);
      return { cells: c, i: last + 1 };
    }
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (b[mid]! < rel) lo = mid + 1;
      else hi = mid;
    }
    if (b[lo] !== rel) {
      b.splice(lo, 0, rel);
      c.count.splice(lo, 0, 0);
      c.maxSliceNs.splice(lo, 0, 0);
      c.maxSliceSeq.splice(lo, 0, null);
      c.matched?.splice(lo, 0, 0);
    }
    return { cells: c, i: lo };
  }

  tracks(): TrackCells[] {
    return [...this.byTrack.values()].sort((a, b) => (a.trackId ?? Infinity) - (b.trackId ?? Infinity) || a.uri.localeCompare(b.uri));
  }
}

type TrackMeta = Pick<TrackCells, 'trackId' | 'uri' | 'layer' | 'dev' | 'pasid'>;

const metaOf = (t: TrackRow): TrackMeta => ({ trackId: t.id, uri: t.uri, layer: t.layer, dev: t.dev, pasid: t.pasid });

function fromEvents(
  db: SqlDatabase,
  sessionId: number,
  tracks: Map<number, TrackRow> | undefined,
  fromSeq: number,
  toSeq: number,
  t0: number,
  t1: number,
  k: number,
  indexed: boolean,
  filter: EventFilter | undefined,
): Cells {
  const scale = 2 ** k;
  const firstBucket = Math.floor(t0 / scale);
  const bucketCount = Math.floor((t1 - 1) / scale) - firstBucket + 1;
  const set = new CellSet(firstBucket, filter !== undefined);
  const matches = filter === undefined ? null : rowMatcher(filter);
  const byKey = new Map<string, TrackRow>();
  if (tracks) for (const t of tracks.values()) byKey.set(`${LAYERS.indexOf(t.layer)}|${t.dev ?? ''}|${t.pasid ?? ''}`, t);
  if (toSeq >= fromSeq) {
    // Plain rows grouped here are faster than GROUP BY in SQLite (no temp B-tree).
    const columns = matches ? 'layer, dev, pasid, t, kind, grpid, cookie, code, errno, parent, note' : 'layer, dev, pasid, t';
    const rows = db.prepare(`SELECT ${columns} FROM events WHERE session_id = ? AND seq BETWEEN ? AND ?`).all(sessionId, fromSeq, toSeq);
    const synthetic = new Map<string, number>();
    for (const r of rows) {
      const dev = r.dev === null ? null : Number(r.dev);
      const pasid = r.pasid === null ? null : Number(r.pasid);
      const k = `${Number(r.layer)}|${dev ?? ''}|${pasid ?? ''}`;
      const known = byKey.get(k);
      let key: number;
      let meta: () => TrackMeta;
      if (known) {
        key = known.id;
        meta = () => metaOf(known);
      } else {
        key = synthetic.get(k) ?? -1 - synthetic.size;
        synthetic.set(k, key);
        const layer = LAYERS[Number(r.layer)] ?? 'check';
        meta = () => ({ trackId: null, uri: trackUri(layer, dev, pasid), layer, dev, pasid });
      }
      const { cells, i } = set.cell(key, meta, Math.floor(Number(r.t) / scale));
      cells.count[i]!++;
      if (matches?.(r)) cells.matched![i]!++;
    }
    if (indexed && tracks) {
      const slices = db
        .prepare('SELECT track_id, start_t, dur, start_seq FROM slices WHERE session_id = ? AND start_seq BETWEEN ? AND ? ORDER BY start_seq')
        .all(sessionId, fromSeq, toSeq);
      for (const s of slices) {
        const t = tracks.get(Number(s.track_id));
        if (!t) continue;
        const { cells, i } = set.cell(t.id, () => metaOf(t), Math.floor(Number(s.start_t) / scale));
        const dur = Number(s.dur);
        if (cells.maxSliceSeq[i] === null || dur > cells.maxSliceNs[i]!) {
          cells.maxSliceNs[i] = dur;
          cells.maxSliceSeq[i] = Number(s.start_seq);
        }
      }
    }
  }
  return { bucketNs: scale, firstBucket, bucketCount, path: 'raw', slices: indexed, tracks: set.tracks() };
}

function fromLod(
  db: SqlDatabase,
  sessionId: number,
  info: SessionIndexInfo,
  tracks: Map<number, TrackRow>,
  t0: number,
  t1: number,
  k: number,
): Cells {
  const kOut = Math.max(k, info.lodBase);
  const level = Math.min(kOut, info.lodTop);
  const shift = 2 ** (kOut - level);
  const scale = 2 ** kOut;
  const firstBucket = Math.floor(t0 / scale);
  const lastBucket = Math.floor((t1 - 1) / scale);
  // Stored buckets at `level` covering [firstBucket, lastBucket] at kOut.
  const lo = firstBucket * shift;
  const hi = (lastBucket + 1) * shift - 1;
  const set = new CellSet(firstBucket);
  const counters = new CounterAccumulator(firstBucket, shift, lo, hi);
  for (const row of lodChunks(db, sessionId, level, lo, hi)) {
    decodeChunk(
      Number(row.chunk),
      row.cells as Uint8Array,
      (c) => {
        if (c.bucket < lo || c.bucket > hi) return;
        const t = tracks.get(c.track);
        if (!t) return;
        const { cells, i } = set.cell(t.id, () => metaOf(t), Math.floor(c.bucket / shift));
        cells.count[i]! += c.count;
        if (c.maxSeq !== null && (cells.maxSliceSeq[i] === null || c.maxDur > cells.maxSliceNs[i]!)) {
          cells.maxSliceNs[i] = c.maxDur;
          cells.maxSliceSeq[i] = c.maxSeq;
        }
      },
      (c) => counters.add(c),
    );
  }
  return {
    bucketNs: scale,
    firstBucket,
    bucketCount: lastBucket - firstBucket + 1,
    path: 'lod',
    slices: true,
    tracks: set.tracks(),
    counters: { bucketNs: scale, firstBucket, series: counters.series() },
  };
}

/** Stored rows of `level` whose chunks hold buckets lo..hi. */
function lodChunks(db: SqlDatabase, sessionId: number, level: number, lo: number, hi: number): Record<string, unknown>[] {
  return db
    .prepare('SELECT chunk, cells FROM lod WHERE session_id = ? AND level = ? AND chunk BETWEEN ? AND ? ORDER BY chunk')
    .all(sessionId, level, Math.floor(lo / CHUNK_BUCKETS), Math.floor(hi / CHUNK_BUCKETS));
}

/** Counter series of [t0, t1) for a raw window: the pyramid at the window's level, or the base level when that is coarser. */
function readCounters(db: SqlDatabase, sessionId: number, info: SessionIndexInfo, t0: number, t1: number, k: number): CounterWindow {
  const kOut = Math.max(k, info.lodBase);
  const level = Math.min(kOut, info.lodTop);
  const shift = 2 ** (kOut - level);
  const scale = 2 ** kOut;
  const firstBucket = Math.floor(t0 / scale);
  const lo = firstBucket * shift;
  const hi = (Math.floor((t1 - 1) / scale) + 1) * shift - 1;
  const counters = new CounterAccumulator(firstBucket, shift, lo, hi);
  for (const row of lodChunks(db, sessionId, level, lo, hi))
    decodeChunk(Number(row.chunk), row.cells as Uint8Array, null, (c) => counters.add(c));
  return { bucketNs: scale, firstBucket, series: counters.series() };
}

type MutableCounter = { -readonly [K in keyof CounterCells]: CounterCells[K] };

/**
 * Counter cells of stored buckets lo..hi merged into output buckets of
 * `shift` stored ones. Cells arrive per series in bucket order (a chunk holds
 * each series' cells in bucket order, chunks come in order). Cells before
 * `lo` (the start of the first chunk) only set the value the window starts
 * with; a series enters every chunk with a cell unless it is zero there.
 */
class CounterAccumulator {
  private readonly bySeries = new Map<number, MutableCounter>();

  constructor(
    private readonly firstBucket: number,
    private readonly shift: number,
    private readonly lo: number,
    private readonly hi: number,
  ) {}

  add(c: CounterCell): void {
    if (c.bucket > this.hi) return;
    let s = this.bySeries.get(c.series);
    if (!s) {
      const which = counterOfTrack(c.series);
      if (!which) return;
      const key = which.kind === 'prq' ? `counter#prq/iommu#${which.unit}` : `counter#pri/dev#${which.unit}`;
      this.bySeries.set(c.series, (s = { key, counter: which.kind, unit: which.unit, entry: 0, bucket: [], max: [], last: [] }));
    }
    if (c.bucket < this.lo) {
      s.entry = c.last;
      return;
    }
    const rel = Math.floor(c.bucket / this.shift) - this.firstBucket;
    const n = s.bucket.length;
    if (n > 0 && s.bucket[n - 1] === rel) {
      s.max[n - 1] = Math.max(s.max[n - 1]!, c.max);
      s.last[n - 1] = c.last;
    } else {
      s.bucket.push(rel);
      s.max.push(c.max);
      s.last.push(c.last);
    }
  }

  /** Series with a value in the window: PRQ units first, then devices, each ascending. */
  series(): CounterCells[] {
    return [...this.bySeries.values()]
      .filter((s) => s.bucket.length > 0 || s.entry !== 0)
      .sort((a, b) => (a.counter === b.counter ? a.unit - b.unit : a.counter === 'prq' ? -1 : 1));
  }
}

type Row = Record<string, unknown>;

/**
 * An EventFilter over raw event rows, with findEvents' meaning
 * (src/node/service/find-events.ts): every given field equal, kinds among
 * those listed, text a case-insensitive substring of the kind's name or the note.
 */
export function rowMatcher(filter: EventFilter): (r: Row) => boolean {
  const kinds = filter.kinds ? new Set(filter.kinds.map(kindCode)) : null;
  const layer = filter.layer === undefined ? null : layerCode(filter.layer);
  const columns = (['dev', 'pasid', 'grpid', 'cookie', 'code', 'errno', 'parent'] as const).filter((c) => filter[c] !== undefined);
  const needle = filter.text?.toLowerCase() ?? null;
  const namedKinds = needle === null ? null : new Set(EVENT_KINDS.flatMap((k, i) => (k.toLowerCase().includes(needle) ? [i] : [])));
  return (r) => {
    if (kinds && !kinds.has(Number(r.kind))) return false;
    if (layer !== null && Number(r.layer) !== layer) return false;
    for (const c of columns) if (r[c] === null || r[c] === undefined || Number(r[c]) !== filter[c]) return false;
    if (needle !== null && !namedKinds!.has(Number(r.kind)) && !(typeof r.note === 'string' && r.note.toLowerCase().includes(needle))) return false;
    return true;
  };
}
