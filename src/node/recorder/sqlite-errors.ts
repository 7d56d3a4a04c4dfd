/**
 * Turns SQLite failures into messages a person can act on: which file, what
 * went wrong (disk full, read-only, locked, corrupt) and what was kept. Works
 * for both drivers: better-sqlite3 sets `code` to the SQLite code name
 * (`SQLITE_FULL`), node:sqlite sets `errcode` to the extended result code.
 */

/** Why a database operation failed, as far as the recorder cares. */
export type SqliteFailure = 'full' | 'readonly' | 'locked' | 'corrupt' | 'cantopen' | 'other';

export class RecorderError extends Error {
  override readonly name = 'RecorderError';
  constructor(
    message: string,
    readonly failure: SqliteFailure,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Primary result codes (sqlite3.h) of the failures we name. */
const PRIMARY: Record<number, SqliteFailure> = { 5: 'locked', 6: 'locked', 8: 'readonly', 11: 'corrupt', 13: 'full', 14: 'cantopen', 26: 'corrupt' };
const NAMED: Record<string, SqliteFailure> = {
  SQLITE_BUSY: 'locked',
  SQLITE_LOCKED: 'locked',
  SQLITE_READONLY: 'readonly',
  SQLITE_CORRUPT: 'corrupt',
  SQLITE_NOTADB: 'corrupt',
  SQLITE_FULL: 'full',
  SQLITE_CANTOPEN: 'cantopen',
};

/** Classifies an error thrown by either driver. */
export function classifySqliteError(e: unknown): SqliteFailure {
  if (e instanceof RecorderError) return e.failure;
  const err = e as { code?: unknown; errcode?: unknown; message?: unknown } | null;
  if (err && typeof err.code === 'string') {
    // Extended codes keep the primary name as a prefix: SQLITE_READONLY_DBMOVED, SQLITE_BUSY_SNAPSHOT.
    for (const [name, failure] of Object.entries(NAMED)) if (err.code === name || err.code.startsWith(`${name}_`)) return failure;
  }
  if (err && typeof err.errcode === 'number') return PRIMARY[err.errcode & 0xff] ?? 'other';
  const message = err && typeof err.message === 'string' ? err.message : '';
  if (/database or disk is full/i.test(message)) return 'full';
  if (/readonly database|read-only/i.test(message)) return 'readonly';
  if (/database is locked|database table is locked/i.test(message)) return 'locked';
  if (/malformed|not a database/i.test(message)) return 'corrupt';
  return 'other';
}

const CAUSE: Record<SqliteFailure, string> = {
  full: 'the disk is full or the database reached its size limit',
  readonly: 'the database is read-only (file permissions, a read-only mount, or opened read-only)',
  locked: 'the database is locked by another connection (another iopf process or the app is writing); try again when it finishes',
  corrupt: 'the file is damaged or is not an IOPF Workbench database',
  cantopen: 'the file cannot be opened (missing folder or no permission)',
  other: 'SQLite reported an error',
};

/**
 * Wraps a driver error: `<file>: <doing> failed: <cause> (<driver message>)[; <kept>]`.
 * `kept` says what survived, e.g. "the 20000 events committed before it are kept".
 */
export function explainSqliteError(e: unknown, path: string, doing: string, kept?: string): RecorderError {
  if (e instanceof RecorderError) return e;
  const failure = classifySqliteError(e);
  const detail = e instanceof Error ? e.message : String(e);
  return new RecorderError(`${path}: ${doing} failed: ${CAUSE[failure]} (${detail})${kept ? `; ${kept}` : ''}`, failure, { cause: e });
}

/** Runs `fn`, rethrowing any SQLite error as an explained RecorderError. */
export function withSqliteErrors<T>(path: string, doing: string, fn: () => T, kept?: () => string): T {
  try {
    return fn();
  } catch (e) {
    if (isSqliteError(e)) throw explainSqliteError(e, path, doing, kept?.());
    throw e;
  }
}

/** True for errors raised by SQLite through either driver (not for our own errors). */
export function isSqliteError(e: unknown): boolean {
  const err = e as { code?: unknown; name?: unknown } | null;
  if (!err) return false;
  return err.name === 'SqliteError' || (typeof err.code === 'string' && (err.code.startsWith('SQLITE_') || err.code === 'ERR_SQLITE_ERROR'));
}
