/**
 * SqlDatabase on better-sqlite3. Under plain Node (CLI, tests, web host) the
 * module's own Node-ABI build is used; inside Electron the caller passes the
 * Electron-ABI binary fetched by scripts/postinstall.mjs as `nativeBinding`.
 */
import Database from 'better-sqlite3';
import betterSqlitePackage from 'better-sqlite3/package.json';
import type { SqlDatabase, SqlStatement, SqlValue } from './sql-database';

export interface BetterSqliteOptions {
  /** Path of a better_sqlite3.node built for the running ABI. */
  readonly nativeBinding?: string;
  readonly readonly?: boolean;
}

export function openBetterSqlite(path: string, options: BetterSqliteOptions = {}): SqlDatabase {
  const db = new Database(path, {
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    ...(options.readonly ? { readonly: true, fileMustExist: true } : {}),
  });
  return {
    driver: `better-sqlite3 ${betterSqlitePackage.version}`,
    path,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    exec: (sql) => void db.exec(sql),
    prepare: (sql) => {
      const st = db.prepare(sql);
      // raw(true) switches a statement for good, so array rows get their own statement.
      let rawSt: Database.Statement | undefined;
      const wrapped: SqlStatement = {
        run: (...p: SqlValue[]) => st.run(...p),
        get: (...p: SqlValue[]) => st.get(...p) as Record<string, SqlValue> | undefined,
        all: (...p: SqlValue[]) => st.all(...p) as Record<string, SqlValue>[],
        values: (...p: SqlValue[]) => (rawSt ??= db.prepare(sql).raw(true)).all(...p) as SqlValue[][],
        iterate: (...p: SqlValue[]) => st.iterate(...p) as IterableIterator<Record<string, SqlValue>>,
      };
      return wrapped;
    },
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    close: () => db.close(),
  };
}
