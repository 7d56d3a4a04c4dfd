/**
 * The small SQL surface the recorder needs, so better-sqlite3 (Node and tests)
 * and Electron's built-in `node:sqlite` (fallback when no Electron-ABI
 * better-sqlite3 binary is available) both fit behind it.
 */
export type SqlValue = number | bigint | string | Uint8Array | null;

export interface SqlRunResult {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

export interface SqlStatement {
  run(...params: SqlValue[]): SqlRunResult;
  get(...params: SqlValue[]): Record<string, SqlValue> | undefined;
  all(...params: SqlValue[]): Record<string, SqlValue>[];
  /** Like all(), each row as an array in column order (about twice as fast for wide reads). */
  values(...params: SqlValue[]): SqlValue[][];
  iterate(...params: SqlValue[]): IterableIterator<Record<string, SqlValue>>;
}

export interface SqlDatabase {
  /** e.g. `better-sqlite3 12.11.1` or `node:sqlite (Electron)`. */
  readonly driver: string;
  /** Absolute path of the database file (or `:memory:`). */
  readonly path: string;
  /**
   * better-sqlite3 only: the better_sqlite3.node this connection loaded when it
   * is not the module's own build (in Electron, the Electron-ABI binary
   * open-database chose). A second connection in a worker thread must load the same.
   */
  readonly nativeBinding?: string;
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  /** Runs `fn` inside BEGIN…COMMIT, rolling back if it throws. */
  transaction<T>(fn: () => T): T;
  close(): void;
}
