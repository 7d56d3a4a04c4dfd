/**
 * Builds a session's derived tables when it stops (docs/trace-format.md,
 * "Derived tables"): tracks, objects, faults, slices, the LOD pyramid, the
 * derived path-state checkpoints and the session_index row. One pass over the
 * events in seq order, one transaction. Recording never writes these, so the
 * events table needs no secondary index; a session that never stopped cleanly
 * (or came from an older schema) is indexed on first use by `ensureIndexed`.
 */
import type { EventRow } from '../../shared/events';
import { formatRid } from '../../shared/pci';
import type { SqlDatabase } from '../db/sql-database';
import { BulkInserter } from '../recorder/bulk-insert';
import { iterateEvents } from '../recorder/event-rows';
import { DERIVED_TABLES } from '../recorder/schema';
import { addrToSql, LAYER_CODES } from '../recorder/sqlite-sink';
import { withSqliteErrors } from '../recorder/sqlite-errors';
import { FaultAssembler, faultDeviceLatency, faultLatency, faultOutcome, type Fault } from './fault-assembler';
import { counterTrackId, LodBuilder, lodBaseLevel } from './lod';
import { PathStateMachine, PATH_STATE_VERSION } from './path-state';
import { TrackRegistry, type TrackInfo } from './tracks';

/** Bump when the derived tables change meaning; older sessions are re-indexed on use. 2: counter series in `lod`. */
const TABLES_VERSION = 2;
/**
 * The version stored in session_index. The derived checkpoints hold PathState,
 * so its version is part of it: a new PathState rebuilds them on first use.
 */
export const INDEX_VERSION = TABLES_VERSION * 1000 + PATH_STATE_VERSION;
/** A derived path-state checkpoint after every this many events. */
export const CHECKPOINT_EVERY = 4096;

export interface SessionIndexInfo {
  readonly version: number;
  readonly eventCount: number;
  readonly firstT: number;
  readonly lastT: number;
  /** LOD levels stored: 2^lodBase … 2^lodTop ns per bucket. */
  readonly lodBase: number;
  readonly lodTop: number;
  readonly checkpointEvery: number;
  readonly kindCounts: Readonly<Record<string, number>>;
}

export class SessionIndexError extends Error {
  override readonly name = 'SessionIndexError';
}

export function readIndexInfo(db: SqlDatabase, sessionId: number): SessionIndexInfo | undefined {
  const r = db.prepare('SELECT * FROM session_index WHERE session_id = ?').get(sessionId);
  if (!r) return undefined;
  return {
    version: Number(r.version),
    eventCount: Number(r.event_count),
    firstT: Number(r.first_t),
    lastT: Number(r.last_t),
    lodBase: Number(r.lod_base),
    lodTop: Number(r.lod_top),
    checkpointEvery: Number(r.checkpoint_every),
    kindCounts: JSON.parse(String(r.kind_counts)) as Record<string, number>,
  };
}

/** The index of a stopped session, building it first when missing or stale. Running sessions get undefined. */
export function ensureIndexed(db: SqlDatabase, sessionId: number): SessionIndexInfo | undefined {
  const s = db.prepare('SELECT status FROM sessions WHERE id = ?').get(sessionId);
  if (!s) throw new SessionIndexError(`no session ${sessionId}`);
  const info = readIndexInfo(db, sessionId);
  if (info && info.version === INDEX_VERSION) return info;
  if (s.status === 'running') return undefined;
  return indexSession(db, sessionId);
}

const FAULT_COLUMNS = [
  'session_id', 'id', 'dev', 'pasid', 'grpid', 'code', 'outcome', 'latency_ns', 'device_latency_ns', 'addr', 'perm', 'requests',
  'first_seq', 'last_seq', 'first_t', 'last_t', 'pr_seq', 'pr_t', 'queued_seq', 'queued_t', 'read_seq', 'read_t', 'cookie',
  'response_seq', 'response_t', 'response_code', 'response_kind', 'page_resp_seq', 'page_resp_t', 'page_code', 'prg_resp_seq',
  'prg_resp_t', 'prg_code',
] as const;

/** (Re)builds every derived table of one session in one transaction. */
export function indexSession(db: SqlDatabase, sessionId: number, checkpointEvery = CHECKPOINT_EVERY): SessionIndexInfo {
  return withSqliteErrors(db.path, `indexing session ${sessionId}`, () => db.transaction(() => build(db, sessionId, checkpointEvery)));
}

function build(db: SqlDatabase, sessionId: number, checkpointEvery: number): SessionIndexInfo {
  for (const table of DERIVED_TABLES) db.prepare(`DELETE FROM ${table} WHERE session_id = ?`).run(sessionId);
  db.prepare(`DELETE FROM checkpoints WHERE session_id = ? AND kind = 'derived'`).run(sessionId);

  const bounds = db
    .prepare('SELECT min(seq) AS first, max(seq) AS last, count(*) AS n FROM events WHERE session_id = ?')
    .get(sessionId);
  const eventCount = Number(bounds?.n ?? 0);
  const endpoint = (seq: unknown): number =>
    seq === null || seq === undefined ? 0 : Number(db.prepare('SELECT t FROM events WHERE session_id = ? AND seq = ?').get(sessionId, Number(seq))?.t ?? 0);
  const firstT = endpoint(bounds?.first);
  const lastT = endpoint(bounds?.last);
  if (eventCount > 0 && (Number(bounds?.first) !== 0 || Number(bounds?.last) !== eventCount - 1))
    throw new SessionIndexError(`session ${sessionId}: event seqs are not dense from 0 (${String(bounds?.first)}..${String(bounds?.last)} for ${eventCount} events)`);

  const lodBase = lodBaseLevel(eventCount, firstT, lastT);
  const lod = new LodBuilder(lodBase, firstT);
  const tracks = new TrackRegistry();
  const machine = new PathStateMachine();
  const kindCounts: Record<string, number> = {};
  const faultRows = new BulkInserter(db, 'faults', FAULT_COLUMNS, 30);
  const sliceRows = new BulkInserter(db, 'slices', ['session_id', 'start_seq', 'track_id', 'start_t', 'dur', 'end_seq', 'fault_id'], 64);
  const checkpoint = db.prepare(`INSERT INTO checkpoints (session_id, kind, seq, t, state) VALUES (?, 'derived', ?, ?, ?)`);
  const faultsByDev = new Map<number, number>();
  const faultsBySpace = new Map<string, number>();

  const onFault = (f: Fault): void => {
    faultRows.add(faultValues(sessionId, f));
    for (const [trackId, span] of f.spans) {
      if (span.events < 2) continue;
      const dur = span.lastT - span.firstT;
      sliceRows.add([sessionId, span.firstSeq, trackId, span.firstT, dur, span.lastSeq, f.id]);
      lod.addSlice(span.firstT, trackId, dur, span.firstSeq);
    }
    faultsByDev.set(f.dev, (faultsByDev.get(f.dev) ?? 0) + 1);
    if (f.pasid !== null) faultsBySpace.set(`${f.dev}/${f.pasid}`, (faultsBySpace.get(`${f.dev}/${f.pasid}`) ?? 0) + 1);
  };
  const assembler = new FaultAssembler(onFault);
  const counters = new CounterTap(machine, lod);

  let prevT = -Infinity;
  let expected = 0;
  for (const e of iterateEvents(db, sessionId)) {
    if (e.seq !== expected) throw new SessionIndexError(`session ${sessionId}: event seq ${expected} is missing`);
    if (e.t < prevT) throw new SessionIndexError(`session ${sessionId}: virtual time goes backwards at seq ${e.seq}`);
    expected++;
    prevT = e.t;
    const track = tracks.add(e.layer, e.dev, e.pasid, e.seq);
    kindCounts[e.kind] = (kindCounts[e.kind] ?? 0) + 1;
    lod.countEvent(e.t, track.id);
    assembler.add(e, track.id);
    machine.apply(e);
    counters.after(e);
    if ((e.seq + 1) % checkpointEvery === 0) checkpoint.run(sessionId, e.seq, e.t, JSON.stringify(machine.snapshot()));
  }
  assembler.finish();
  faultRows.flush();
  sliceRows.flush();

  const trackRows = new BulkInserter(db, 'tracks', ['session_id', 'id', 'uri', 'layer', 'dev', 'pasid', 'event_count', 'first_seq', 'last_seq'], 16);
  for (const t of tracks.tracks) trackRows.add([sessionId, t.id, t.uri, LAYER_CODES.get(t.layer) ?? -1, t.dev, t.pasid, t.eventCount, t.firstSeq, t.lastSeq]);
  trackRows.flush();

  const objectRows = new BulkInserter(db, 'objects', ['session_id', 'id', 'type', 'key', 'name', 'first_seq', 'last_seq', 'attrs'], 16);
  collectObjects(tracks.tracks, faultsByDev, faultsBySpace).forEach((o, id) => objectRows.add([sessionId, id, o.type, o.key, o.name, o.firstSeq, o.lastSeq, JSON.stringify(o.attrs)]));
  objectRows.flush();

  let lodTop = lodBase;
  const lodRows = new BulkInserter(db, 'lod', ['session_id', 'level', 'chunk', 'cells'], 16);
  if (eventCount > 0) {
    for (const { level, chunks } of lod.levels(lastT)) {
      lodTop = level;
      for (const c of chunks) lodRows.add([sessionId, c.level, c.chunk, c.cells]);
    }
  }
  lodRows.flush();

  const info: SessionIndexInfo = { version: INDEX_VERSION, eventCount, firstT, lastT, lodBase, lodTop, checkpointEvery, kindCounts };
  db.prepare(
    `INSERT INTO session_index (session_id, version, event_count, first_t, last_t, lod_base, lod_top, checkpoint_every, kind_counts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(sessionId, INDEX_VERSION, eventCount, firstT, lastT, lodBase, lodTop, checkpointEvery, JSON.stringify(kindCounts));
  return info;
}

/** Kinds that can change a PRQ's occupancy (path-state.ts) and the devices' request credits. */
const PRQ_KINDS: ReadonlySet<string> = new Set(['PRQ_ENQ', 'IOPF_PARTIAL', 'IOPF_GROUP', 'IOPF_NO_HANDLER', 'DRV_REJECT', 'IOPF_ABORT']);
const PRI_KINDS: ReadonlySet<string> = new Set(['PR_SEND', 'PRG_RESP_RECV']);

/**
 * Feeds the LOD pyramid's counter series from the path-state machine the
 * indexer already runs: after an event that can move a counter, the values of
 * the series it may touch (every PRQ unit, since a consuming event may not
 * name its unit; the event's device) go to the builder, which keeps changes only.
 */
class CounterTap {
  constructor(
    private readonly machine: PathStateMachine,
    private readonly lod: LodBuilder,
  ) {}

  after(e: EventRow): void {
    if (PRQ_KINDS.has(e.kind)) for (const unit of this.machine.prqUnits()) this.lod.counterValue(e.t, counterTrackId('prq', unit), this.machine.prqOccupancy(unit));
    else if (PRI_KINDS.has(e.kind) && e.dev !== null) this.lod.counterValue(e.t, counterTrackId('pri', e.dev), this.machine.requestsInUse(e.dev));
  }
}

function faultValues(sessionId: number, f: Fault): (number | bigint | string | null)[] {
  return [
    sessionId, f.id, f.dev, f.pasid, f.grpid, f.responseCode ?? f.pageCode ?? f.prgCode, faultOutcome(f), faultLatency(f),
    faultDeviceLatency(f), f.addr === null ? null : addrToSql(BigInt(f.addr)), f.perm, f.requests, f.firstSeq, f.lastSeq,
    f.firstT, f.lastT, f.prSeq, f.prT, f.queuedSeq, f.queuedT, f.readSeq, f.readT, f.cookie, f.responseSeq, f.responseT,
    f.responseCode, f.responseKind, f.pageRespSeq, f.pageRespT, f.pageCode, f.prgRespSeq, f.prgRespT, f.prgCode,
  ];
}

interface ObjectEntry {
  readonly type: string;
  readonly key: string;
  readonly name: string;
  firstSeq: number;
  lastSeq: number;
  readonly attrs: Record<string, number>;
}

/**
 * The session's objects, as its events reveal them: devices (by dev_id),
 * address spaces (dev, PASID), IOMMU 0's page request queue, the iommufd fault
 * queue and the policy, each with its event and fault counts. Derived from the
 * tracks (which already count events per layer, dev and PASID) and the faults.
 */
function collectObjects(tracks: readonly TrackInfo[], faultsByDev: Map<number, number>, faultsBySpace: Map<string, number>): ObjectEntry[] {
  const map = new Map<string, ObjectEntry>();
  const touch = (type: string, key: string, name: string, t: TrackInfo): void => {
    const id = `${type}:${key}`;
    const o = map.get(id);
    if (!o) map.set(id, { type, key, name, firstSeq: t.firstSeq, lastSeq: t.lastSeq, attrs: { events: t.eventCount, faults: 0 } });
    else {
      o.firstSeq = Math.min(o.firstSeq, t.firstSeq);
      o.lastSeq = Math.max(o.lastSeq, t.lastSeq);
      o.attrs.events! += t.eventCount;
    }
  };
  for (const t of tracks) {
    if (t.dev !== null) {
      touch('device', String(t.dev), `device ${formatRid(t.dev)}`, t);
      if (t.pasid !== null) touch('address-space', `${t.dev}/${t.pasid}`, `device ${formatRid(t.dev)} PASID ${t.pasid}`, t);
    }
    if (t.layer === 'iommu') touch('iommu', '0', 'IOMMU 0 page request queue', t);
    else if (t.layer === 'iommufd') touch('fault-queue', '0', 'iommufd fault queue', t);
    else if (t.layer === 'policy') touch('policy', '0', 'user-space policy', t);
  }
  for (const o of map.values()) {
    if (o.type === 'device') o.attrs.faults = faultsByDev.get(Number(o.key)) ?? 0;
    else if (o.type === 'address-space') o.attrs.faults = faultsBySpace.get(o.key) ?? 0;
  }
  return [...map.values()].sort((a, b) => a.firstSeq - b.firstSeq || a.type.localeCompare(b.type));
}
