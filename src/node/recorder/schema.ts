/**
 * The recorder's SQLite schema and its migrations (docs/trace-format.md).
 * `PRAGMA user_version` holds the schema version; each migration moves the
 * file one version up inside a transaction, so an old database opens in a new
 * app and a failed migration leaves the file as it was.
 */
import type { SqlDatabase } from '../db/sql-database';

export const SCHEMA_VERSION = 1;

const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE sessions (
      id              INTEGER PRIMARY KEY,
      name            TEXT    NOT NULL,
      status          TEXT    NOT NULL CHECK (status IN ('running', 'complete', 'aborted')),
      scenario_name   TEXT    NOT NULL,
      scenario_source TEXT    NOT NULL,
      scenario_hash   TEXT    NOT NULL,
      seed            INTEGER NOT NULL,
      kernel_profile  TEXT    NOT NULL,
      vendor          TEXT    NOT NULL,
      app_version     TEXT    NOT NULL,
      created_at      TEXT    NOT NULL,
      finished_at     TEXT,
      writer_pid      INTEGER,
      event_count     INTEGER NOT NULL DEFAULT 0,
      end_ns          INTEGER NOT NULL DEFAULT 0,
      passed          INTEGER NOT NULL DEFAULT 0,
      failed          INTEGER NOT NULL DEFAULT 0,
      summary         TEXT
    );
    -- Clustered on (session_id, seq): a run appends in key order, as cheap as a
    -- rowid table, and a seq window is one range scan with no secondary index.
    CREATE TABLE events (
      session_id INTEGER NOT NULL,
      seq        INTEGER NOT NULL,
      t          INTEGER NOT NULL,
      kind       INTEGER NOT NULL,
      layer      INTEGER NOT NULL,
      dev        INTEGER,
      pasid      INTEGER,
      grpid      INTEGER,
      cookie     INTEGER,
      addr       INTEGER,
      perm       INTEGER,
      code       INTEGER,
      errno      INTEGER,
      parent     INTEGER,
      raw        BLOB,
      note       TEXT,
      PRIMARY KEY (session_id, seq)
    ) WITHOUT ROWID;
  `,
};

export class SchemaError extends Error {
  override readonly name = 'SchemaError';
}

/** Brings the database to SCHEMA_VERSION; refuses a file written by a newer app. */
export function migrate(db: SqlDatabase): void {
  const row = db.prepare('PRAGMA user_version').get();
  const current = Number(row?.user_version ?? 0);
  if (current > SCHEMA_VERSION)
    throw new SchemaError(
      `${db.path}: schema version ${current} is newer than this app understands (${SCHEMA_VERSION}); upgrade IOPF Workbench`,
    );
  for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.exec(`PRAGMA user_version = ${v}`);
    });
  }
}
