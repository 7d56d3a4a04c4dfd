/**
 * A SqlDatabase that counts event rows as they pass: rows read from and
 * written to the `events` table, and the sessions created. The exporters,
 * the importers, the recorder and the replay verifier all go through the
 * database, so wrapping it gives every job a progress measure without
 * touching those modules.
 */
import type { SqlDatabase, SqlRunResult, SqlStatement, SqlValue } from '../db/sql-database';

export interface RowCounter {
  /** Event rows read (SELECT … FROM events) so far. */
  read: number;
  /** Event rows inserted so far (committed or not). */
  written: number;
}

export interface CountingHooks {
  /** After rows moved; called often, so keep it cheap. */
  readonly onRows?: (counter: RowCounter) => void;
  /** A session row was inserted. */
  readonly onSession?: (sessionId: number) => void;
}

const EVENTS_READ = /\bFROM\s+events\b/i;
const EVENTS_INSERT = /^\s*INSERT\s+INTO\s+events\s*\(([^)]*)\)/i;
const SESSION_INSERT = /^\s*INSERT\s+INTO\s+sessions\b/i;

export function countingDatabase(db: SqlDatabase, hooks: CountingHooks): { db: SqlDatabase; counter: RowCounter } {
  const counter: RowCounter = { read: 0, written: 0 };
  const moved = (): void => hooks.onRows?.(counter);
  const wrap = (sql: string, st: SqlStatement): SqlStatement => {
    const insert = EVENTS_INSERT.exec(sql);
    if (insert) {
      const columns = insert[1]!.split(',').length;
      const rowsPerRun = Math.max(1, Math.round((sql.match(/\?/g)?.length ?? columns) / columns));
      return {
        ...bind(st),
        run: (...p: SqlValue[]): SqlRunResult => {
          const r = st.run(...p);
          counter.written += rowsPerRun;
          moved();
          return r;
        },
      };
    }
    if (SESSION_INSERT.test(sql)) {
      return {
        ...bind(st),
        run: (...p: SqlValue[]): SqlRunResult => {
          const r = st.run(...p);
          hooks.onSession?.(Number(r.lastInsertRowid));
          return r;
        },
      };
    }
    if (EVENTS_READ.test(sql)) {
      return {
        ...bind(st),
        all: (...p: SqlValue[]) => {
          const rows = st.all(...p);
          counter.read += rows.length;
          moved();
          return rows;
        },
        values: (...p: SqlValue[]) => {
          const rows = st.values(...p);
          counter.read += rows.length;
          moved();
          return rows;
        },
      };
    }
    return st;
  };
  const wrapped: SqlDatabase = {
    get driver() {
      return db.driver;
    },
    get path() {
      return db.path;
    },
    exec: (sql) => db.exec(sql),
    prepare: (sql) => wrap(sql, db.prepare(sql)),
    transaction: (fn) => db.transaction(fn),
    close: () => db.close(),
  };
  return { db: wrapped, counter };
}

function bind(st: SqlStatement): SqlStatement {
  return {
    run: (...p) => st.run(...p),
    get: (...p) => st.get(...p),
    all: (...p) => st.all(...p),
    values: (...p) => st.values(...p),
    iterate: (...p) => st.iterate(...p),
  };
}
