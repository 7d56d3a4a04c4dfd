/**
 * Sessions and their events as the rest of the app reads them: the session
 * list, a window of events by seq, the bookkeeping of a run's lifecycle
 * (running → complete, or aborted), removal, notes and engine checkpoints.
 */
import type { EventWindow, EventWindowRequest, SessionStatus, SessionSummary } from '../../shared/api/workbench';
import { isKernelProfileId, type KernelProfileId } from '../../shared/uapi/profiles';
import type { SqlDatabase, SqlValue } from '../db/sql-database';
import { EVENT_SELECT, rowToEvent } from './event-rows';
import { SESSION_TABLES } from './schema';
import { withSqliteErrors } from './sqlite-errors';
import type { SessionRecord, SessionDetails, SessionNote, EngineCheckpoint } from '../../shared/api/analysis';
export type { SessionRecord, SessionDetails, SessionNote, EngineCheckpoint };

export interface NewSession {
  readonly name: string;
  readonly scenarioName: string;
  readonly scenarioSource: string;
  readonly scenarioHash: string;
  readonly seed: number;
  readonly kernelProfile: KernelProfileId;
  readonly vendor: string;
  readonly appVersion: string;
  /** `json` today; the scenario language the source is written in. */
  readonly scenarioFormat?: string;
}

export interface FinishedSession {
  readonly eventCount: number;
  readonly endNs: bigint;
  readonly passed: number;
  readonly failed: number;
  readonly summary: string;
}

const num = (v: SqlValue | undefined): number => Number(v ?? 0);
const strOrNull = (v: SqlValue | undefined): string | null => (v === null || v === undefined ? null : String(v));

/**
 * A running session's event_count and end_ns are written when it finishes;
 * until then its events so far say how far it got: the last seq + 1 and the
 * last event's time, each one lookup at the end of the session's range of
 * the events table's key (session_id, seq).
 */
const LIVE_EVENT_COUNT = `CASE WHEN status = 'running' THEN COALESCE((SELECT MAX(e.seq) + 1 FROM events e WHERE e.session_id = sessions.id), 0) ELSE event_count END`;
const LIVE_END_NS = `CASE WHEN status = 'running' THEN COALESCE((SELECT e.t FROM events e WHERE e.session_id = sessions.id ORDER BY e.seq DESC LIMIT 1), 0) ELSE end_ns END`;

const SUMMARY_COLUMNS = `id, name, status, seed, kernel_profile, vendor, ${LIVE_EVENT_COUNT} AS event_count, ${LIVE_END_NS} AS end_ns, created_at, summary`;

export class SessionStore {
  constructor(
    private readonly db: SqlDatabase,
    /** Wall clock for session metadata only (never part of a trace). */
    private readonly now: () => Date = () => new Date(),
  ) {}

  create(s: NewSession): number {
    return withSqliteErrors(this.db.path, `creating session "${s.name}"`, () => {
      const r = this.db
        .prepare(
          `INSERT INTO sessions (name, status, scenario_name, scenario_source, scenario_hash, scenario_format, seed, kernel_profile, vendor, app_version, created_at, writer_pid)
           VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(s.name, s.scenarioName, s.scenarioSource, s.scenarioHash, s.scenarioFormat ?? 'json', s.seed, s.kernelProfile, s.vendor, s.appVersion, this.now().toISOString(), process.pid);
      return Number(r.lastInsertRowid);
    });
  }

  /** Inserts a complete session row as it was exported (import); returns the new id. */
  insertRecord(s: SessionRecord, importedFrom: string): number {
    const r = this.db
      .prepare(
        `INSERT INTO sessions (name, status, scenario_name, scenario_source, scenario_hash, scenario_format, seed, kernel_profile, vendor, app_version,
                               created_at, finished_at, writer_pid, event_count, end_ns, passed, failed, summary, imported_from)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.name,
        s.status,
        s.scenarioName,
        s.scenarioSource,
        s.scenarioHash,
        s.scenarioFormat,
        s.seed,
        s.kernelProfile,
        s.vendor,
        s.appVersion,
        s.createdAt,
        s.finishedAt,
        s.eventCount,
        s.endNs,
        s.passed,
        s.failed,
        s.summary,
        importedFrom,
      );
    return Number(r.lastInsertRowid);
  }

  finish(id: number, status: Exclude<SessionStatus, 'running'>, f: FinishedSession): void {
    withSqliteErrors(this.db.path, `marking session ${id} ${status}`, () =>
      this.db
        .prepare(`UPDATE sessions SET status = ?, finished_at = ?, event_count = ?, end_ns = ?, passed = ?, failed = ?, summary = ? WHERE id = ?`)
        .run(status, this.now().toISOString(), f.eventCount, f.endNs, f.passed, f.failed, f.summary, id),
    );
  }

  /** Every session, newest first; a running one with its events so far. */
  list(): SessionSummary[] {
    return this.db
      .prepare(`SELECT ${SUMMARY_COLUMNS} FROM sessions ORDER BY id DESC`)
      .all()
      .map((r) => toSummary(r));
  }

  /** A session's summary (a running one with its events so far), or undefined. */
  get(id: number): SessionSummary | undefined {
    const r = this.db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM sessions WHERE id = ?`).get(id);
    return r ? toSummary(r) : undefined;
  }

  /** Every column of a session (a running one with its events so far), or undefined. */
  details(id: number): SessionDetails | undefined {
    const r = this.db.prepare(`SELECT *, ${LIVE_EVENT_COUNT} AS live_event_count, ${LIVE_END_NS} AS live_end_ns FROM sessions WHERE id = ?`).get(id);
    if (!r) return undefined;
    return {
      ...toRecord(r),
      eventCount: num(r.live_event_count),
      endNs: num(r.live_end_ns),
      id: num(r.id),
      writerPid: r.writer_pid === null ? null : num(r.writer_pid),
      importedFrom: strOrNull(r.imported_from),
    };
  }

  /** Events [fromSeq, fromSeq + limit) of a session, in seq order. */
  window(req: EventWindowRequest): EventWindow {
    const rows = this.db
      .prepare(`SELECT ${EVENT_SELECT} FROM events WHERE session_id = ? AND seq >= ? ORDER BY seq LIMIT ?`)
      .all(req.sessionId, req.fromSeq, req.limit + 1);
    const more = rows.length > req.limit;
    if (more) rows.pop();
    return { sessionId: req.sessionId, events: rows.map(rowToEvent), more };
  }

  /** Deletes a session and every row that belongs to it, in one transaction. Returns false if there was none. */
  remove(id: number): boolean {
    return withSqliteErrors(this.db.path, `removing session ${id}`, () =>
      this.db.transaction(() => {
        for (const table of SESSION_TABLES) this.db.prepare(`DELETE FROM ${table} WHERE session_id = ?`).run(id);
        return this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id).changes > 0;
      }),
    );
  }

  addNote(sessionId: number, text: string, at: { seq?: number; t?: number } = {}): number {
    return withSqliteErrors(this.db.path, `adding a note to session ${sessionId}`, () => {
      const r = this.db
        .prepare('INSERT INTO notes (session_id, seq, t, text, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(sessionId, at.seq ?? null, at.t ?? null, text, this.now().toISOString());
      return Number(r.lastInsertRowid);
    });
  }

  /** Notes of a session: unattached ones first, then by seq. */
  notes(sessionId: number): SessionNote[] {
    return this.db
      .prepare('SELECT id, session_id, seq, t, text, created_at FROM notes WHERE session_id = ? ORDER BY seq IS NOT NULL, seq, id')
      .all(sessionId)
      .map((r) => ({
        id: num(r.id),
        sessionId: num(r.session_id),
        seq: r.seq === null ? null : num(r.seq),
        t: r.t === null ? null : num(r.t),
        text: String(r.text),
        createdAt: String(r.created_at),
      }));
  }

  removeNote(id: number): boolean {
    return withSqliteErrors(this.db.path, `removing note ${id}`, () => this.db.prepare('DELETE FROM notes WHERE id = ?').run(id).changes > 0);
  }

  /**
   * Stores an emulator state snapshot taken after event `seq` (virtual time
   * `t`, ns). The engine provides `stateJson`; the workbench stores it as is.
   */
  writeCheckpoint(sessionId: number, seq: number, t: number | bigint, stateJson: string): void {
    withSqliteErrors(this.db.path, `writing the checkpoint at seq ${seq} of session ${sessionId}`, () =>
      this.db
        .prepare(`INSERT OR REPLACE INTO checkpoints (session_id, kind, seq, t, state) VALUES (?, 'engine', ?, ?, ?)`)
        .run(sessionId, seq, t, stateJson),
    );
  }

  /** The engine checkpoint with the highest seq ≤ `seq`, if any. */
  engineCheckpointAtOrBefore(sessionId: number, seq: number): EngineCheckpoint | undefined {
    const r = this.db
      .prepare(`SELECT seq, t, state FROM checkpoints WHERE session_id = ? AND kind = 'engine' AND seq <= ? ORDER BY seq DESC LIMIT 1`)
      .get(sessionId, seq);
    return r ? { seq: num(r.seq), t: num(r.t), state: String(r.state) } : undefined;
  }

  engineCheckpoints(sessionId: number): EngineCheckpoint[] {
    return this.db
      .prepare(`SELECT seq, t, state FROM checkpoints WHERE session_id = ? AND kind = 'engine' ORDER BY seq`)
      .all(sessionId)
      .map((r) => ({ seq: num(r.seq), t: num(r.t), state: String(r.state) }));
  }
}

function toSummary(r: Record<string, SqlValue>): SessionSummary {
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
    summary: strOrNull(r.summary),
  };
}

function toRecord(r: Record<string, SqlValue>): SessionRecord {
  const kp = String(r.kernel_profile);
  return {
    name: String(r.name),
    status: String(r.status) as SessionStatus,
    scenarioName: String(r.scenario_name),
    scenarioSource: String(r.scenario_source),
    scenarioHash: String(r.scenario_hash),
    scenarioFormat: String(r.scenario_format),
    seed: num(r.seed),
    kernelProfile: isKernelProfileId(kp) ? kp : 'upstream',
    vendor: String(r.vendor),
    appVersion: String(r.app_version),
    createdAt: String(r.created_at),
    finishedAt: strOrNull(r.finished_at),
    eventCount: num(r.event_count),
    endNs: num(r.end_ns),
    passed: num(r.passed),
    failed: num(r.failed),
    summary: strOrNull(r.summary),
  };
}
