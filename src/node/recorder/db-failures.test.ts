import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ns } from '../../shared/time';
import type { TraceEvent } from '../../shared/events';
import { openBetterSqlite } from '../db/better-sqlite3-driver';
import { prepareRecorderDb } from './recorder-db';
import { recordRun } from './record-run';
import { SessionStore } from './session-store';
import { SqliteSink } from './sqlite-sink';
import { RecorderError } from './sqlite-errors';
import { freshDb, happySource, manyFaultsSource, track, useTempDatabases } from './testing/fixtures';

useTempDatabases();

const event = (seq: number): TraceEvent => ({
  seq,
  t: ns(seq * 10),
  kind: 'PR_SEND',
  layer: 'device',
  dev: 1,
  pasid: 1,
  grpid: seq & 0x1ff,
  cookie: null,
  addr: BigInt(seq) << 12n,
  perm: 3,
  code: null,
  errno: null,
  parent: null,
  raw: null,
  note: 'x'.repeat(200),
  line: null,
  iommu: null,
});

const newSession = (store: SessionStore): number =>
  store.create({ name: 's', scenarioName: 's', scenarioSource: '{}', scenarioHash: '0', seed: 1, kernelProfile: 'upstream', vendor: 'vtd', appVersion: 't' });

function caught(fn: () => unknown): RecorderError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RecorderError);
    return e as RecorderError;
  }
  throw new Error('expected a RecorderError');
}

/** The RecorderError a promise rejects with. */
async function rejected(p: Promise<unknown>): Promise<RecorderError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RecorderError);
    return e as RecorderError;
  }
  throw new Error('expected a RecorderError');
}

function reopenAndCheck(path: string): ReturnType<typeof prepareRecorderDb> {
  const db = track(prepareRecorderDb(openBetterSqlite(path)));
  expect(db.prepare('PRAGMA integrity_check').get()?.integrity_check).toBe('ok');
  return db;
}

describe('a full disk', () => {
  it('stops the run with a message naming the file and the cause, keeps the committed batches and leaves the session aborted', async () => {
    const { db, path } = freshDb();
    const first = await recordRun(db, happySource, 'declarative-happy-path.json', { appVersion: 't' });
    const pages = Number(db.prepare('PRAGMA page_count').get()?.page_count);
    db.exec(`PRAGMA max_page_count = ${pages + 60}`);
    const e = await rejected(recordRun(db, manyFaultsSource({ accesses: 400 }), 'many.json', { appVersion: 't', batchSize: 50 }));
    expect(e.failure).toBe('full');
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/disk is full/);
    expect(e.message).toMatch(/committed before them are kept/);
    db.close();

    const again = reopenAndCheck(path);
    const store = new SessionStore(again);
    expect(store.get(first.sessionId)).toMatchObject({ status: 'complete', eventCount: first.summary.eventCount });
    const second = store.get(first.sessionId + 1)!;
    expect(second.status).toBe('aborted');
    const committed = Number(again.prepare('SELECT count(*) AS n FROM events WHERE session_id = ?').get(second.id)?.n);
    expect(committed).toBeGreaterThan(0);
    expect(committed % 50).toBe(0); // whole batches only
    expect(second.eventCount).toBe(committed);
  });
});

describe('a locked database', () => {
  it('gives a clear error when another connection holds the write lock, and keeps what was committed', async () => {
    const { db, path } = freshDb({ busyTimeoutMs: 50 });
    const store = new SessionStore(db);
    const id = newSession(store);
    const sink = new SqliteSink(db, id, 100);
    for (let seq = 0; seq < 150; seq++) sink.emit(event(seq));
    expect(sink.committed).toBe(100);

    const other = new Database(path);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE'); // holds the write lock
    try {
      const e = caught(() => {
        for (let seq = 150; seq < 250; seq++) sink.emit(event(seq));
      });
      expect(e.failure).toBe('locked');
      expect(e.message).toContain(path);
      expect(e.message).toMatch(/locked by another connection/);
      expect(e.message).toMatch(/the 100 event\(s\) committed before them are kept/);
      // Later emits keep failing with the same error instead of writing half a stream.
      expect(() => sink.emit(event(250))).toThrow(e);
      // Creating a session fails the same way.
      const e2 = await rejected(recordRun(db, happySource, 'declarative-happy-path.json', { appVersion: 't' }));
      expect(e2.failure).toBe('locked');
      expect(e2.message).toMatch(/creating session "declarative-happy-path" failed/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(db.prepare('SELECT count(*) AS n FROM events WHERE session_id = ?').get(id)?.n).toBe(100);
    expect(db.prepare('PRAGMA integrity_check').get()?.integrity_check).toBe('ok');
  });
});

describe('a read-only database', () => {
  it('opened read-only: reading works, recording fails naming the file, nothing changes', async () => {
    const { db, path } = freshDb();
    const first = await recordRun(db, happySource, 'declarative-happy-path.json', { appVersion: 't' });
    db.close();
    const ro = track(prepareRecorderDb(openBetterSqlite(path, { readonly: true })));
    expect(new SessionStore(ro).list()).toHaveLength(1);
    const e = await rejected(recordRun(ro, happySource, 'declarative-happy-path.json', { appVersion: 't' }));
    expect(e.failure).toBe('readonly');
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/read-only/);
    ro.close();
    const again = reopenAndCheck(path);
    expect(new SessionStore(again).list().map((s) => [s.id, s.status])).toEqual([[first.sessionId, 'complete']]);
  });

  it.skipIf(process.getuid?.() === 0)('a file without write permission: the same clear error', async () => {
    const { db, path, dir } = freshDb();
    await recordRun(db, happySource, 'declarative-happy-path.json', { appVersion: 't' });
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    db.close();
    chmodSync(path, 0o444);
    try {
      const again = track(prepareRecorderDb(openBetterSqlite(path)));
      const e = await rejected(recordRun(again, happySource, 'declarative-happy-path.json', { appVersion: 't' }));
      expect(e.failure).toBe('readonly');
      expect(e.message).toContain(path);
    } finally {
      chmodSync(path, 0o644);
      void dir;
    }
  });
});
