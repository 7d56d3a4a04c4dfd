/**
 * The recorder's SQLite schema and its migrations (docs/trace-format.md).
 * `PRAGMA user_version` holds the schema version; each migration moves the
 * file one version up inside a transaction, so an old database opens in a new
 * app and a failed migration leaves the file as it was.
 *
 * Recording writes only `sessions` and `events`; `events` never has a
 * secondary index (an index on a table shared by every session would be live
 * while the next session records). Everything the readers need beyond the
 * (session_id, seq) key lives in per-session derived tables that
 * src/node/analysis/session-index.ts builds when a session stops.
 */
import type { SqlDatabase } from '../db/sql-database';
import { explainSqliteError } from './sqlite-errors';

export const SCHEMA_VERSION = 3;

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
  2: `
    ALTER TABLE sessions ADD COLUMN scenario_format TEXT NOT NULL DEFAULT 'json';
    ALTER TABLE sessions ADD COLUMN imported_from TEXT;

    -- Derived when a session stops (or lazily for sessions that never stopped cleanly).
    CREATE TABLE session_index (
      session_id       INTEGER PRIMARY KEY,
      version          INTEGER NOT NULL,
      event_count      INTEGER NOT NULL,
      first_t          INTEGER NOT NULL,
      last_t           INTEGER NOT NULL,
      lod_base         INTEGER NOT NULL,
      lod_top          INTEGER NOT NULL,
      checkpoint_every INTEGER NOT NULL,
      kind_counts      TEXT    NOT NULL
    );
    CREATE TABLE tracks (
      session_id  INTEGER NOT NULL,
      id          INTEGER NOT NULL,
      uri         TEXT    NOT NULL,
      layer       INTEGER NOT NULL,
      dev         INTEGER,
      pasid       INTEGER,
      event_count INTEGER NOT NULL,
      first_seq   INTEGER NOT NULL,
      last_seq    INTEGER NOT NULL,
      PRIMARY KEY (session_id, id)
    ) WITHOUT ROWID;
    CREATE TABLE objects (
      session_id INTEGER NOT NULL,
      id         INTEGER NOT NULL,
      type       TEXT    NOT NULL,
      key        TEXT    NOT NULL,
      name       TEXT    NOT NULL,
      first_seq  INTEGER NOT NULL,
      last_seq   INTEGER NOT NULL,
      attrs      TEXT    NOT NULL,
      PRIMARY KEY (session_id, id)
    ) WITHOUT ROWID;
    CREATE TABLE faults (
      session_id        INTEGER NOT NULL,
      id                INTEGER NOT NULL,
      dev               INTEGER NOT NULL,
      pasid             INTEGER,
      grpid             INTEGER NOT NULL,
      code              INTEGER,
      outcome           TEXT    NOT NULL,
      latency_ns        INTEGER,
      device_latency_ns INTEGER,
      addr              INTEGER,
      perm              INTEGER,
      requests          INTEGER NOT NULL,
      first_seq         INTEGER NOT NULL,
      last_seq          INTEGER NOT NULL,
      first_t           INTEGER NOT NULL,
      last_t            INTEGER NOT NULL,
      pr_seq            INTEGER,
      pr_t              INTEGER,
      queued_seq        INTEGER,
      queued_t          INTEGER,
      read_seq          INTEGER,
      read_t            INTEGER,
      cookie            INTEGER,
      response_seq      INTEGER,
      response_t        INTEGER,
      response_code     INTEGER,
      response_kind     TEXT,
      page_resp_seq     INTEGER,
      page_resp_t       INTEGER,
      page_code         INTEGER,
      prg_resp_seq      INTEGER,
      prg_resp_t        INTEGER,
      prg_code          INTEGER,
      PRIMARY KEY (session_id, id)
    ) WITHOUT ROWID;
    CREATE INDEX faults_by_cookie ON faults (session_id, cookie, read_seq) WHERE cookie IS NOT NULL;
    CREATE INDEX faults_by_prg ON faults (session_id, dev, grpid, first_seq);
    CREATE TABLE slices (
      session_id INTEGER NOT NULL,
      start_seq  INTEGER NOT NULL,
      track_id   INTEGER NOT NULL,
      start_t    INTEGER NOT NULL,
      dur        INTEGER NOT NULL,
      end_seq    INTEGER NOT NULL,
      fault_id   INTEGER NOT NULL,
      PRIMARY KEY (session_id, start_seq)
    ) WITHOUT ROWID;
    CREATE TABLE lod (
      session_id INTEGER NOT NULL,
      level      INTEGER NOT NULL,
      chunk      INTEGER NOT NULL,
      cells      BLOB    NOT NULL,
      PRIMARY KEY (session_id, level, chunk)
    ) WITHOUT ROWID;

    -- Written during or after a run: emulator snapshots ('engine') and the
    -- derived fault-path state ('derived', rebuilt with the other derived tables).
    CREATE TABLE checkpoints (
      session_id INTEGER NOT NULL,
      kind       TEXT    NOT NULL CHECK (kind IN ('engine', 'derived')),
      seq        INTEGER NOT NULL,
      t          INTEGER NOT NULL,
      state      TEXT    NOT NULL,
      PRIMARY KEY (session_id, kind, seq)
    ) WITHOUT ROWID;
    CREATE TABLE notes (
      id         INTEGER PRIMARY KEY,
      session_id INTEGER NOT NULL,
      seq        INTEGER,
      t          INTEGER,
      text       TEXT    NOT NULL,
      created_at TEXT    NOT NULL
    );
    CREATE INDEX notes_by_session ON notes (session_id, seq);
  `,
  3: `
    -- The scenario line that caused an event and the IOMMU unit it concerns;
    -- NULL in rows recorded before v3.
    ALTER TABLE events ADD COLUMN line INTEGER;
    ALTER TABLE events ADD COLUMN iommu INTEGER;
  `,
};

/** Tables holding rows of one session, in the order `rm` clears them. */
export const SESSION_TABLES = ['events', 'faults', 'slices', 'lod', 'tracks', 'objects', 'checkpoints', 'notes', 'session_index'] as const;

/** Tables rebuilt from `events` by the session indexer. */
export const DERIVED_TABLES = ['faults', 'slices', 'lod', 'tracks', 'objects', 'session_index'] as const;

export class SchemaError extends Error {
  override readonly name = 'SchemaError';
}

/**
 * Brings the database to SCHEMA_VERSION (or `target`, for tests of old
 * versions); refuses a file written by a newer app.
 */
export function migrate(db: SqlDatabase, target: number = SCHEMA_VERSION): void {
  const row = db.prepare('PRAGMA user_version').get();
  const current = Number(row?.user_version ?? 0);
  if (current > SCHEMA_VERSION)
    throw new SchemaError(
      `${db.path}: schema version ${current} is newer than this app understands (${SCHEMA_VERSION}); upgrade IOPF Workbench`,
    );
  for (let v = current + 1; v <= target; v++) {
    try {
      db.transaction(() => {
        db.exec(MIGRATIONS[v]!);
        db.exec(`PRAGMA user_version = ${v}`);
      });
    } catch (e) {
      throw explainSqliteError(e, db.path, `upgrading the schema from version ${v - 1} to ${v}`, 'the file is unchanged');
    }
  }
}
