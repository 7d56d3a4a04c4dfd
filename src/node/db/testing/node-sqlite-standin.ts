/**
 * Test support: a stand-in for the `node:sqlite` module built on better-sqlite3,
 * with node:sqlite's API shape (DatabaseSync, `readOnly`, `isTransaction`).
 * Node 20 has no `node:sqlite`, so this is how the node:sqlite driver's own
 * logic (transactions, savepoints, rollback, read-only) is exercised here; the
 * same suite also runs against the real built-in where one exists.
 */
import Database from 'better-sqlite3';
import type { NodeSqliteDatabase, NodeSqliteModule, NodeSqliteStatement } from '../node-sqlite-driver';
import type { SqlValue } from '../sql-database';

class StandinDatabaseSync implements NodeSqliteDatabase {
  private readonly db: Database.Database;

  constructor(path: string, options: { readOnly?: boolean } = {}) {
    this.db = new Database(path, options.readOnly ? { readonly: true, fileMustExist: true } : {});
  }

  get isTransaction(): boolean {
    return this.db.inTransaction;
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  prepare(sql: string): NodeSqliteStatement {
    const st = this.db.prepare<SqlValue[]>(sql);
    return {
      run: (...p: SqlValue[]) => st.run(...p),
      get: (...p: SqlValue[]) => st.get(...p),
      all: (...p: SqlValue[]) => st.all(...p),
      iterate: (...p: SqlValue[]) => st.iterate(...p),
    };
  }

  close(): void {
    this.db.close();
  }
}

export const nodeSqliteStandin: NodeSqliteModule = { DatabaseSync: StandinDatabaseSync };
