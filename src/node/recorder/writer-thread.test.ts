import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../shared/events';
import { ns } from '../../shared/time';
import { runScenario } from '../../core/engine/run-scenario';
import { openBetterSqlite } from '../db/better-sqlite3-driver';
import type { SqlDatabase } from '../db/sql-database';
import { prepareRecorderDb } from './recorder-db';
import { parseScenarioSource, yieldToScript } from './record-run';
import { SessionStore } from './session-store';
import { SqliteSink } from './sqlite-sink';
import { RecorderError } from './sqlite-errors';
import { freshDb, manyFaultsSource, repoRoot, rows, track, useTempDatabases } from './testing/fixtures';

useTempDatabases();

const newSession = (db: SqlDatabase): number =>
  new SessionStore(db).create({ name: 's', scenarioName: 's', scenarioSource: '{}', scenarioHash: '0', seed: 1, kernelProfile: 'upstream', vendor: 'vtd', appVersion: 't' });

/** Events with every column shape: NULLs, raw bytes, notes, u64 IOVAs above 2^53 and 2^63. */
function oddEvents(count: number): TraceEvent[] {
  return Array.from({ length: count }, (_, seq) => ({
    seq,
    t: ns(seq * 10 + (seq === 7 ? 2 ** 53 : 0)),
    kind: seq % 3 ? 'PR_SEND' : 'IOCTL',
    layer: seq % 3 ? 'device' : 'iommufd',
    dev: seq % 5 ? 0x300 : null,
    pasid: seq % 4 ? seq % 8 : null,
    grpid: seq & 0x1ff,
    cookie: seq % 2 ? seq : null,
    addr: seq === 3 ? 0xffff_ffff_ffff_f000n : seq === 4 ? 2n ** 53n + 1n : seq % 6 ? BigInt(seq) << 12n : null,
    perm: 3,
    code: seq % 9 ? null : 0,
    errno: seq === 11 ? 22 : null,
    parent: seq ? seq - 1 : null,
    raw: seq % 3 ? null : Uint8Array.from({ length: 8 + (seq % 5) }, (_, i) => (seq + i) & 0xff),
    note: seq % 4 ? `ünïcode "note" ${seq}` : null,
    line: seq % 2 ? seq : null,
    iommu: seq % 3 ? null : 0,
  }));
}

const stored = (db: SqlDatabase, id: number) => rows(db, 'SELECT * FROM events WHERE session_id = ? ORDER BY seq', id).map(({ session_id: _s, ...r }) => r);

describe('SqliteSink with a writer thread', () => {
  it('stores exactly what the inline writer stores, batch by batch', () => {
    const { db } = freshDb();
    const inline = newSession(db);
    const threaded = newSession(db);
    const events = oddEvents(1000);
    const a = new SqliteSink(db, inline, 64, 32, { threadAfter: Infinity });
    const b = new SqliteSink(db, threaded, 64, 32, { threadAfter: 0 });
    for (const e of events) {
      a.emit(e);
      b.emit(e);
    }
    expect(b.threaded).toBe(true);
    expect(a.threaded).toBe(false);
    a.flush();
    b.flush();
    expect(b.threaded).toBe(false); // flush ends the thread
    expect(b.committed).toBe(1000);
    const want = stored(db, inline);
    expect(want).toHaveLength(1000);
    expect(stored(db, threaded)).toEqual(want);
    expect(rows(db, `SELECT printf('%x', addr) AS a FROM events WHERE session_id = ? AND seq IN (3, 4) ORDER BY seq`, threaded).map((r) => r.a)).toEqual(['fffffffffffff000', '20000000000001']);
  });

  it('takes over after the first batches of a run, and the run records the same stream', async () => {
    const spec = parseScenarioSource(manyFaultsSource({ accesses: 120 }), 'many.json');
    const { db } = freshDb();
    const inline = newSession(db);
    const threaded = newSession(db);
    const a = new SqliteSink(db, inline, 200, 32, { threadAfter: Infinity });
    const b = new SqliteSink(db, threaded, 200, 32, { threadAfter: 400 });
    const ra = await runScenario(spec, a, { yieldToScript });
    const rb = await runScenario(spec, b, { yieldToScript });
    expect(b.threaded).toBe(true);
    a.flush();
    b.flush();
    expect(rb.eventCount).toBe(ra.eventCount);
    expect(ra.eventCount).toBeGreaterThan(1000);
    expect(b.committed).toBe(rb.eventCount);
    expect(stored(db, threaded)).toEqual(stored(db, inline));
  });

  it('a locked database: a clear error at the next batch boundary or flush, committed batches kept, later emits refused', () => {
    const { db, path } = freshDb({ busyTimeoutMs: 50 });
    const id = newSession(db);
    const sink = new SqliteSink(db, id, 100, 32, { threadAfter: 0 });
    const events = oddEvents(400);
    for (const e of events.slice(0, 200)) sink.emit(e);
    expect(sink.threaded).toBe(true);
    sink.flush();
    expect(sink.committed).toBe(200);

    const other = new Database(path);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE'); // holds the write lock
    let error: unknown;
    try {
      for (const e of events.slice(200)) sink.emit(e);
      sink.flush();
    } catch (e) {
      error = e;
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(error).toBeInstanceOf(RecorderError);
    const e = error as RecorderError;
    expect(e.failure).toBe('locked');
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/locked by another connection/);
    expect(e.message).toMatch(/the 200 event\(s\) committed before them are kept/);
    expect(() => sink.emit(events[399]!)).toThrow(e);
    expect(sink.error).toBe(e);
    expect(db.prepare('SELECT count(*) AS n FROM events WHERE session_id = ?').get(id)?.n).toBe(200);
    expect(db.prepare('PRAGMA integrity_check').get()?.integrity_check).toBe('ok');
  });

  it('stays in the calling thread for an in-memory database', () => {
    const db = track(prepareRecorderDb(openBetterSqlite(':memory:')));
    const id = newSession(db);
    const sink = new SqliteSink(db, id, 50, 32, { threadAfter: 0 });
    for (const e of oddEvents(120)) sink.emit(e);
    expect(sink.threaded).toBe(false);
    sink.flush();
    expect(db.prepare('SELECT count(*) AS n FROM events').get()?.n).toBe(120);
  });

  it('a process killed while the thread writes leaves a database that opens, passes integrity_check, keeps committed events and shows the session aborted', () => {
    const { db, path } = freshDb();
    db.close();
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'tests/fixtures/crash-thread-writer.ts'), path], { encoding: 'utf8', cwd: repoRoot });
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).toContain('threaded true committed 200');
    const again = track(prepareRecorderDb(openBetterSqlite(path)));
    expect(again.prepare('PRAGMA integrity_check').get()?.integrity_check).toBe('ok');
    const [s] = new SessionStore(again).list();
    expect(s).toMatchObject({ status: 'aborted', eventCount: 200, name: 'doomed' });
  });
});
