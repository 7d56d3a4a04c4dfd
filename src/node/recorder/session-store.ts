/**
 * Sessions and their events as the rest of the app reads them: the session
 * list, a window of events by seq, and the bookkeeping of a run's lifecycle
 * (running → complete, or aborted).
 */
import { kindFromCode, layerFromCode, type EventRow } from '../../shared/events';
import type { EventWindow, EventWindowRequest, SessionStatus, SessionSummary } from '../../shared/api/workbench';
import { isKernelProfileId, type KernelProfileId } from '../../shared/uapi/profiles';
import type { SqlDatabase, SqlValue } from '../db/sql-database';

export interface NewSession {
  readonly name: string;
  readonly scenarioName: string;
  readonly scenarioSource: string;
  readonly scenarioHash: string;
  readonly seed: number;
  readonly kernelProfile: KernelProfileId;
  readonly vendor: string;
  readonly appVersion: string;
}

export interface FinishedSession {
  readonly eventCount: number;
  readonly endNs: bigint;
  readonly passed: number;
  readonly failed: number;
  readonly summary: string;
}

const num = (v: SqlValue | undefined): number => Number(v ?? 0);
const numOrNull = (v: SqlValue | undefined): number | null => (v === null || v === undefined ? null : Number(v));

export class SessionStore {
  constructor(
    private readonly db: SqlDatabase,
    /** Wall clock for session metadata only (never part of a trace). */
    private readonly now: () => Date = () => new Date(),
  ) {}

  create(s: NewSession): number {
    const r = this.db
      .prepare(
        `INSERT INTO sessions (name, status, scenario_name, scenario_source, scenario_hash, seed, kernel_profile, vendor, app_version, created_at, writer_pid)
         VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(s.name, s.scenarioName, s.scenarioSource, s.scenarioHash, s.seed, s.kernelProfile, s.vendor, s.appVersion, this.now().toISOString(), process.pid);
    return Number(r.lastInsertRowid);
  }

  finish(id: number, status: Exclude<SessionStatus, 'running'>, f: FinishedSession): void {
    this.db
      .prepare(
        `UPDATE sessions SET status = ?, finished_at = ?, event_count = ?, end_ns = ?, passed = ?, failed = ?, summary = ? WHERE id = ?`,
      )
      .run(status, this.now().toISOString(), f.eventCount, f.endNs, f.passed, f.failed, f.summary, id);
  }

  list(): SessionSummary[] {
    return this.db
      .prepare(
        `SELECT id, name, status, seed, kernel_profile, vendor, event_count, end_ns, created_at, summary FROM sessions ORDER BY id DESC`,
      )
      .all()
      .map((r) => this.toSummary(r));
  }

  get(id: number): SessionSummary | undefined {
    const r = this.db
      .prepare(`SELECT id, name, status, seed, kernel_profile, vendor, event_count, end_ns, created_at, summary FROM sessions WHERE id = ?`)
      .get(id);
    return r ? this.toSummary(r) : undefined;
  }

  /** Events [fromSeq, fromSeq + limit) of a session, in seq order. */
  window(req: EventWindowRequest): EventWindow {
    const rows = this.db
      .prepare(
        `SELECT seq, t, kind, layer, dev, pasid, grpid, cookie,
                CASE WHEN addr IS NULL THEN NULL ELSE printf('0x%x', addr) END AS addr,
                perm, code, errno, parent, CASE WHEN raw IS NULL THEN NULL ELSE lower(hex(raw)) END AS raw, note
         FROM events WHERE session_id = ? AND seq >= ? ORDER BY seq LIMIT ?`,
      )
      .all(req.sessionId, req.fromSeq, req.limit + 1);
    const more = rows.length > req.limit;
    if (more) rows.pop();
    return { sessionId: req.sessionId, events: rows.map(toEventRow), more };
  }

  private toSummary(r: Record<string, SqlValue>): SessionSummary {
    const kp = String(r.kernel_profile);
    return {
      id: num(r.id),
      name: String(r.name),
      status: String(r.status) as SessionStatus,
      seed: num(r.seed),
      kernelProfile: isKernelProfileId(kp) ? kp : 'upstream',
      vendor: String(r.vendor),
      eventCount: num(r.event_count),
      endNs: num(r.end_ns),
      createdAt: String(r.created_at),
      summary: r.summary === null ? null : String(r.summary),
    };
  }
}

function toEventRow(r: Record<string, SqlValue>): EventRow {
  const kind = kindFromCode(num(r.kind));
  const layer = layerFromCode(num(r.layer));
  if (!kind || !layer) throw new Error(`event ${String(r.seq)}: unknown kind ${String(r.kind)} or layer ${String(r.layer)}`);
  return {
    seq: num(r.seq),
    t: num(r.t),
    kind,
    layer,
    dev: numOrNull(r.dev),
    pasid: numOrNull(r.pasid),
    grpid: numOrNull(r.grpid),
    cookie: numOrNull(r.cookie),
    addr: r.addr === null ? null : String(r.addr),
    perm: numOrNull(r.perm),
    code: numOrNull(r.code),
    errno: numOrNull(r.errno),
    parent: numOrNull(r.parent),
    raw: r.raw === null ? null : String(r.raw),
    note: r.note === null ? null : String(r.note),
  };
}
