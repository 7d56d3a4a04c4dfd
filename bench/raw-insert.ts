/** The physical limit of recording: better-sqlite3 inserting trace-shaped rows. */
import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';

export function runRawInsert(path: string, rows: number): { rowsPerSec: number; ms: number } {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE events (session_id INTEGER NOT NULL, seq INTEGER NOT NULL, t INTEGER NOT NULL, kind INTEGER NOT NULL,
    layer INTEGER NOT NULL, dev INTEGER, pasid INTEGER, grpid INTEGER, cookie INTEGER, addr INTEGER, perm INTEGER, code INTEGER,
    errno INTEGER, parent INTEGER, raw BLOB, note TEXT, PRIMARY KEY (session_id, seq)) WITHOUT ROWID`);
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(1, i, i * 100, i % 20, i % 6, 2, 1, i & 0x1ff, (i & 7) + 1, 0xdeadb000 + i * 4096, 3, null, null, i - 1, null, null);
  });
  const start = performance.now();
  for (let i = 0; i < rows; i += 10_000) batch(i, Math.min(rows, i + 10_000));
  const ms = performance.now() - start;
  db.close();
  return { rowsPerSec: (rows / ms) * 1000, ms };
}

/** The same rows with 32-row INSERT statements (what the recorder's sink does). */
export function runRawMultiRowInsert(path: string, rows: number, perStatement = 32): { rowsPerSec: number; ms: number } {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE events (session_id INTEGER NOT NULL, seq INTEGER NOT NULL, t INTEGER NOT NULL, kind INTEGER NOT NULL,
    layer INTEGER NOT NULL, dev INTEGER, pasid INTEGER, grpid INTEGER, cookie INTEGER, addr INTEGER, perm INTEGER, code INTEGER,
    errno INTEGER, parent INTEGER, raw BLOB, note TEXT, PRIMARY KEY (session_id, seq)) WITHOUT ROWID`);
  const tuple = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
  const many = db.prepare(`INSERT INTO events VALUES ${Array(perStatement).fill(tuple).join(', ')}`);
  const one = db.prepare(`INSERT INTO events VALUES ${tuple}`);
  const row = (i: number): unknown[] => [1, i, i * 100, i % 20, i % 6, 2, 1, i & 0x1ff, (i & 7) + 1, 0xdeadb000 + i * 4096, 3, null, null, i - 1, null, null];
  const params: unknown[] = [];
  const batch = db.transaction((from: number, to: number) => {
    let i = from;
    for (; i + perStatement <= to; i += perStatement) {
      params.length = 0;
      for (let j = 0; j < perStatement; j++) params.push(...row(i + j));
      many.run(params);
    }
    for (; i < to; i++) one.run(row(i));
  });
  const start = performance.now();
  for (let i = 0; i < rows; i += 10_000) batch(i, Math.min(rows, i + 10_000));
  const ms = performance.now() - start;
  db.close();
  return { rowsPerSec: (rows / ms) * 1000, ms };
}

/**
 * The raw insert time of the very rows a recorded run wrote: every column of
 * its events (notes, raw bytes, lines and IOMMU units included) read back from
 * the recorded database into memory first, then inserted one row per
 * statement in batches of 10k (WAL, no secondary index) into a fresh table
 * with the recorder's own events DDL. Only the inserts are timed.
 */
export function runRawInsertOfRecordedRows(recordedPath: string, path: string): { rows: number; rowsPerSec: number; ms: number } {
  const src = new Database(recordedPath, { readonly: true });
  const ddl = (src.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'").get() as { sql: string } | undefined)?.sql;
  if (!ddl) throw new Error(`${recordedPath}: no events table`);
  const rows = src.prepare('SELECT * FROM events ORDER BY session_id, seq').raw().all() as unknown[][];
  src.close();
  if (rows.length === 0) throw new Error(`${recordedPath}: the recorded run wrote no events`);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(ddl);
  const insert = db.prepare(`INSERT INTO events VALUES (${Array(rows[0]!.length).fill('?').join(', ')})`);
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(rows[i]!);
  });
  const start = performance.now();
  for (let i = 0; i < rows.length; i += 10_000) batch(i, Math.min(rows.length, i + 10_000));
  const ms = performance.now() - start;
  db.close();
  return { rows: rows.length, rowsPerSec: (rows.length / ms) * 1000, ms };
}
