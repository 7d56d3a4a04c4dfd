/**
 * Opens the recording database with the settings a recorder needs: WAL (a
 * reader never blocks the writer, and a killed writer loses at most the
 * uncommitted batch), synchronous=NORMAL, a busy timeout for a second process
 * (the app and the CLI share the file), then migrates it and marks sessions
 * whose writer died as aborted.
 */
import type { SqlDatabase } from '../db/sql-database';
import { migrate } from './schema';
import { classifySqliteError, explainSqliteError, isSqliteError } from './sqlite-errors';

export interface PidProbe {
  /** True when a process with this pid runs on this machine. */
  isAlive(pid: number): boolean;
}

export const processProbe: PidProbe = {
  isAlive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};

export interface RecorderDbOptions {
  /** How long a statement waits for another connection's lock, ms (default 5000). */
  readonly busyTimeoutMs?: number;
}

export function prepareRecorderDb(db: SqlDatabase, probe: PidProbe = processProbe, options: RecorderDbOptions = {}): SqlDatabase {
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
  } catch (e) {
    if (isSqliteError(e)) throw explainSqliteError(e, db.path, 'opening the database');
    throw e;
  }
  migrate(db);
  try {
    markDeadWritersAborted(db, probe);
  } catch (e) {
    // A read-only file can still be read; its cut-off sessions just keep saying "running".
    if (classifySqliteError(e) !== 'readonly') throw explainSqliteError(e, db.path, 'marking cut-off sessions aborted');
  }
  return db;
}

/** A session left 'running' by a process that no longer exists was cut off: say so. */
export function markDeadWritersAborted(db: SqlDatabase, probe: PidProbe): number {
  const running = db.prepare(`SELECT id, writer_pid FROM sessions WHERE status = 'running'`).all();
  let n = 0;
  for (const r of running) {
    const pid = r.writer_pid === null ? null : Number(r.writer_pid);
    if (pid !== null && pid !== process.pid && probe.isAlive(pid)) continue;
    const counted = db.prepare('SELECT count(*) AS n, max(t) AS end FROM events WHERE session_id = ?').get(Number(r.id));
    db.prepare(
      `UPDATE sessions SET status = 'aborted', event_count = ?, end_ns = ?, summary = ? WHERE id = ?`,
    ).run(Number(counted?.n ?? 0), Number(counted?.end ?? 0), 'the recording process ended before the run finished', Number(r.id));
    n++;
  }
  return n;
}
