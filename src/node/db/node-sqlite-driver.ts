/**
 * SqlDatabase on Node's built-in `node:sqlite` (`DatabaseSync`). This is the
 * desktop app's fallback when no Electron-ABI better-sqlite3 binary could be
 * installed: Electron 41 bundles Node 24, which has `node:sqlite` without a
 * flag. Node 20 (the CLI, the web host and the tests on this machine) does not
 * have it, so the module is loaded lazily and importing this file never throws.
 *
 * @types/node is pinned to Node 20 and has no `node:sqlite` types, hence the
 * small structural interfaces below (only the members this driver uses).
 */
import type { SqlDatabase, SqlRunResult, SqlStatement, SqlValue } from './sql-database';

type Row = Record<string, SqlValue>;

/** The subset of `node:sqlite`'s StatementSync used here. */
export interface NodeSqliteStatement {
  run(...params: SqlValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
  iterate(...params: SqlValue[]): IterableIterator<unknown>;
}

/** The subset of `node:sqlite`'s DatabaseSync used here. */
export interface NodeSqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): NodeSqliteStatement;
  close(): void;
  /** Node ≥ 22.16 / 24: true while a transaction is open. Older builds lack it. */
  readonly isTransaction?: boolean;
}

/** The subset of the `node:sqlite` module used here. */
export interface NodeSqliteModule {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean }) => NodeSqliteDatabase;
}

export interface NodeSqliteOptions {
  readonly readonly?: boolean;
  /** The module to use; tests inject a stand-in. Default: the built-in. */
  readonly module?: NodeSqliteModule;
}

/** Same busy timeout as better-sqlite3's default, so the CLI and the app can share the file. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Returns the built-in `node:sqlite`, or undefined where this Node lacks it
 * (Node 20; Electron before 36.7.3/37.2.3/38). `process.getBuiltinModule`
 * returns undefined for an unknown built-in instead of throwing; the try/catch
 * covers runtimes where the lookup itself throws.
 */
export function loadNodeSqlite(): NodeSqliteModule | undefined {
  try {
    const mod = process.getBuiltinModule?.('node:sqlite');
    return isNodeSqliteModule(mod) ? mod : undefined;
  } catch {
    return undefined;
  }
}

function isNodeSqliteModule(mod: unknown): mod is NodeSqliteModule {
  return typeof mod === 'object' && mod !== null && typeof (mod as { DatabaseSync?: unknown }).DatabaseSync === 'function';
}

/** Label for AppInfo.sqliteDriver, e.g. `node:sqlite (Electron 41.7.1)`. */
function driverLabel(): string {
  const electron = process.versions.electron;
  return electron ? `node:sqlite (Electron ${electron})` : `node:sqlite (Node ${process.versions.node})`;
}

export function openNodeSqlite(path: string, options: NodeSqliteOptions = {}): SqlDatabase {
  const mod = options.module ?? loadNodeSqlite();
  if (!mod) {
    throw new Error(`node:sqlite is not available in this runtime (Node ${process.versions.node}); it needs Node ≥ 22.13 or Electron ≥ 36.7.3`);
  }
  // Like better-sqlite3's {readonly, fileMustExist}: SQLITE_OPEN_READONLY fails on a missing file.
  const db = new mod.DatabaseSync(path, options.readonly ? { readOnly: true } : {});
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return {
    driver: driverLabel(),
    path,
    exec: (sql) => db.exec(sql),
    prepare: (sql) => wrapStatement(db.prepare(sql)),
    transaction: makeTransaction(db),
    close: () => db.close(),
  };
}

function wrapStatement(st: NodeSqliteStatement): SqlStatement {
  return {
    run: (...p: SqlValue[]): SqlRunResult => {
      const r = st.run(...p);
      // `changes` is a bigint only with readBigInts, which this driver never sets.
      return { changes: Number(r.changes), lastInsertRowid: r.lastInsertRowid };
    },
    get: (...p: SqlValue[]) => st.get(...p) as Row | undefined,
    all: (...p: SqlValue[]) => st.all(...p) as Row[],
    // Rows come back as objects whose keys keep the column order.
    values: (...p: SqlValue[]) => (st.all(...p) as Row[]).map((r) => Object.values(r)),
    iterate: (...p: SqlValue[]) => st.iterate(...p) as IterableIterator<Row>,
  };
}

/**
 * `node:sqlite` has no transaction helper. This one behaves like
 * better-sqlite3's `db.transaction(fn)()`: BEGIN…COMMIT at the outermost level,
 * a SAVEPOINT for a nested call (so an inner failure the caller catches undoes
 * only the inner work), ROLLBACK when `fn` throws, and a TypeError for an async
 * `fn` (its awaits would run after COMMIT, outside the transaction).
 */
function makeTransaction(db: NodeSqliteDatabase): <T>(fn: () => T) => T {
  let depth = 0;
  return <T>(fn: () => T): T => {
    // A transaction opened with a raw `exec('BEGIN')` counts as an outer level too.
    const savepoint = depth > 0 || db.isTransaction === true ? `iopf_tx_${depth}` : undefined;
    db.exec(savepoint ? `SAVEPOINT ${savepoint}` : 'BEGIN');
    depth++;
    try {
      const result = fn();
      if (isPromiseLike(result)) throw new TypeError('transaction(fn): fn must be synchronous, it returned a promise');
      db.exec(savepoint ? `RELEASE ${savepoint}` : 'COMMIT');
      return result;
    } catch (err) {
      rollback(db, savepoint);
      throw err;
    } finally {
      depth--;
    }
  };
}

function rollback(db: NodeSqliteDatabase, savepoint: string | undefined): void {
  // SQLite itself may already have rolled back (e.g. SQLITE_FULL, or a failed COMMIT);
  // a second ROLLBACK would then throw and hide the error that matters.
  if (db.isTransaction === false) return;
  try {
    db.exec(savepoint ? `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}` : 'ROLLBACK');
  } catch {
    // Keep the caller's original error.
  }
}

function isPromiseLike(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
