import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openBetterSqlite } from '../db/better-sqlite3-driver';
import type { SqlDatabase } from '../db/sql-database';
import { ns } from '../../shared/time';
import { ScenarioError } from '../../core/scenario/spec';
import { prepareRecorderDb } from './recorder-db';
import { recordRun } from './record-run';
import { ensureIndexed } from '../analysis/session-index';
import { migrate, SCHEMA_VERSION, SchemaError } from './schema';
import { SessionStore } from './session-store';
import { SqliteSink } from './sqlite-sink';

const root = join(__dirname, '..', '..', '..');
const happySource = readFileSync(join(root, 'resources/scenarios/declarative-happy-path.json'), 'utf8');
const dirs: string[] = [];
const opened: SqlDatabase[] = [];
function freshDb(): { db: SqlDatabase; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rec-'));
  dirs.push(dir);
  const path = join(dir, 'w.db');
  const db = prepareRecorderDb(openBetterSqlite(path));
  opened.push(db);
  return { db, path };
}
afterEach(() => {
  opened.splice(0).forEach((d) => {
    try {
      d.close();
    } catch {
      /* already closed */
    }
  });
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

describe('recorder schema', () => {
  it('creates the current schema version in WAL mode', () => {
    const { db } = freshDb();
    expect(db.prepare('PRAGMA user_version').get()?.user_version).toBe(SCHEMA_VERSION);
    expect(db.prepare('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all().map((r) => r.name);
    expect(tables).toEqual(['checkpoints', 'events', 'faults', 'lod', 'notes', 'objects', 'session_index', 'sessions', 'slices', 'tracks']);
    // Recording never maintains a secondary index: `events` has none.
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL`).all()).toEqual([]);
  });

  it('migrates a version 1 database to the current version, keeping its sessions and events readable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-v1-'));
    dirs.push(dir);
    const path = join(dir, 'old.db');
    const old = openBetterSqlite(path);
    old.exec('PRAGMA journal_mode = WAL');
    migrate(old, 1);
    expect(old.prepare('PRAGMA user_version').get()?.user_version).toBe(1);
    // A v1 session as the v1 recorder wrote it (no scenario_format / imported_from columns).
    old.prepare(
      `INSERT INTO sessions (name, status, scenario_name, scenario_source, scenario_hash, seed, kernel_profile, vendor, app_version, created_at, event_count, end_ns)
       VALUES ('v1', 'complete', 'happy-path', ?, 'h', 1, 'upstream', 'vtd', '0.0.1', '2026-01-01T00:00:00Z', 2, 300)`,
    ).run(happySource);
    const ins = old.prepare('INSERT INTO events (session_id, seq, t, kind, layer, dev, pasid, grpid, addr, perm) VALUES (1, ?, ?, 2, 0, 2, 1, 0, ?, 3)');
    ins.run(0, 100, 0xdeadb000);
    ins.run(1, 300, 0xdeadc000);
    old.close();

    const db = prepareRecorderDb(openBetterSqlite(path));
    opened.push(db);
    expect(db.prepare('PRAGMA user_version').get()?.user_version).toBe(SCHEMA_VERSION);
    const store = new SessionStore(db);
    expect(store.details(1)).toMatchObject({ name: 'v1', scenarioFormat: 'json', importedFrom: null, eventCount: 2 });
    expect(store.window({ sessionId: 1, fromSeq: 0, limit: 10 }).events.map((e) => [e.kind, e.addr])).toEqual([
      ['PR_SEND', '0xdeadb000'],
      ['PR_SEND', '0xdeadc000'],
    ]);
    // The derived tables are built on first use.
    expect(ensureIndexed(db, 1)).toMatchObject({ eventCount: 2, firstT: 100, lastT: 300 });
    expect(db.prepare('SELECT count(*) AS n FROM faults WHERE session_id = 1').get()?.n).toBe(1);
    // Migrating again is a no-op.
    migrate(db);
    expect(db.prepare('PRAGMA user_version').get()?.user_version).toBe(SCHEMA_VERSION);
  });

  it('migrates a version 2 database to version 3: events gain line and iommu, old rows read them as null', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-v2-'));
    dirs.push(dir);
    const path = join(dir, 'old.db');
    const old = openBetterSqlite(path);
    old.exec('PRAGMA journal_mode = WAL');
    migrate(old, 2);
    expect(old.prepare('PRAGMA table_info(events)').all().map((c) => c.name)).not.toContain('line');
    // A v2 session and its events as the v2 recorder wrote them (16 event columns).
    old.prepare(
      `INSERT INTO sessions (name, status, scenario_name, scenario_source, scenario_hash, seed, kernel_profile, vendor, app_version, created_at, event_count, end_ns, scenario_format)
       VALUES ('v2', 'complete', 'happy-path', ?, 'h', 1, 'upstream', 'vtd', '0.0.2', '2026-01-01T00:00:00Z', 2, 300, 'json')`,
    ).run(happySource);
    const ins = old.prepare(
      'INSERT INTO events (session_id, seq, t, kind, layer, dev, pasid, grpid, cookie, addr, perm, code, errno, parent, raw, note) VALUES (1, ?, ?, ?, ?, 2, 1, 0, NULL, ?, 3, NULL, NULL, ?, NULL, ?)',
    );
    ins.run(0, 100, 2, 0, 0xdeadb000, null, 'first');
    ins.run(1, 200, 5, 1, 0xdeadb000, 0, 'second');
    old.close();

    const db = prepareRecorderDb(openBetterSqlite(path));
    opened.push(db);
    expect(db.prepare('PRAGMA user_version').get()?.user_version).toBe(3);
    const columns = db.prepare('PRAGMA table_info(events)').all().map((c) => c.name);
    expect(columns.slice(-2)).toEqual(['line', 'iommu']);
    const store = new SessionStore(db);
    expect(store.window({ sessionId: 1, fromSeq: 0, limit: 10 }).events.map((e) => [e.kind, e.note, e.parent, e.line, e.iommu])).toEqual([
      ['PR_SEND', 'first', null, null, null],
      ['PRQ_ENQ', 'second', 0, null, null],
    ]);
    // The migrated file records new sessions with both columns filled.
    const { sessionId } = await recordRun(db, happySource, 'declarative-happy-path.json', { appVersion: 'test' });
    const enq = db.prepare(`SELECT iommu FROM events WHERE session_id = ? AND kind = 5`).all(sessionId);
    expect(enq.length).toBeGreaterThan(0);
    expect(enq.every((r) => r.iommu === 0)).toBe(true);
  });

  it('refuses a database written by a newer schema and leaves it untouched', () => {
    const { db } = freshDb();
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    expect(() => migrate(db)).toThrow(SchemaError);
    expect(() => migrate(db)).toThrow(/newer than this app understands/);
  });
});

describe('recordRun', () => {
  it('stores the fault, its cookie and the response as rows, and completes the session', async () => {
    const { db } = freshDb();
    const { sessionId, summary } = await recordRun(db, happySource, 'declarative-happy-path.json', { appVersion: 'test' });
    const store = new SessionStore(db);
    const s = store.get(sessionId)!;
    expect(s).toMatchObject({ status: 'complete', eventCount: summary.eventCount, seed: 1, kernelProfile: 'upstream', vendor: 'vtd' });
    const rows = store.window({ sessionId, fromSeq: 0, limit: 1000 }).events;
    expect(rows).toHaveLength(summary.eventCount);
    const reads = rows.filter((r) => r.kind === 'FAULT_READ');
    expect(reads.map((r) => [r.cookie, r.addr, r.raw?.length])).toEqual([
      [1, '0xdeadb000', 80],
      [1, '0xdeadc000', 80],
    ]);
    // The dev_id iommufd handed out when the device was bound (struct vfio_device_bind_iommufd.out_devid at offset 12).
    const bind = rows.find((r) => r.kind === 'IOCTL' && r.note?.includes('VFIO_DEVICE_BIND_IOMMUFD'))!;
    expect(bind.raw).toHaveLength(32);
    const devId = bind.raw!.slice(24, 32);
    expect(devId).not.toBe('00000000');
    // The 40-byte record as the kernel copied it: flags PASID_VALID|NEEDS_PASID, that dev_id, cookie 1 at offset 36.
    const fields = ['05000000', devId, '01000000', '00000000', '03000000', '00000000', '00b0adde00000000', '00000000', '01000000'];
    //               flags       dev_id      pasid       grpid       perm        __reserved  addr                length      cookie
    expect(reads[0]!.raw).toBe(fields.join(''));
    const write = rows.find((r) => r.kind === 'RESPONSE_WRITE')!;
    expect(write).toMatchObject({ cookie: 1, code: 0, raw: '0100000000000000' });
    expect(rows.find((r) => r.kind === 'PAGE_RESPONSE')).toMatchObject({ code: 0, grpid: 0, pasid: 1 });
  });

  it('pages through events with a window and a `more` flag', async () => {
    const { db } = freshDb();
    const { sessionId, summary } = await recordRun(db, happySource, 'declarative-happy-path.json', { appVersion: 'test' });
    const store = new SessionStore(db);
    const first = store.window({ sessionId, fromSeq: 0, limit: 5 });
    expect(first.events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(first.more).toBe(true);
    const last = store.window({ sessionId, fromSeq: summary.eventCount - 2, limit: 5 });
    expect(last.events).toHaveLength(2);
    expect(last.more).toBe(false);
  });

  it('keeps full 64-bit IOVAs through the signed INTEGER column', () => {
    const { db } = freshDb();
    const store = new SessionStore(db);
    const id = store.create({ name: 'a', scenarioName: 'a', scenarioSource: '{}', scenarioHash: '0', seed: 0, kernelProfile: 'v4', vendor: 'vtd', appVersion: 't' });
    const sink = new SqliteSink(db, id);
    sink.emit({ seq: 0, t: ns(1), kind: 'PR_SEND', layer: 'device', dev: 1, pasid: null, grpid: 0, cookie: null, addr: 0xffff_ffff_ffff_f000n, perm: 1, code: null, errno: null, parent: null, raw: null, note: null, line: null, iommu: null });
    sink.flush();
    expect(store.window({ sessionId: id, fromSeq: 0, limit: 1 }).events[0]!.addr).toBe('0xfffffffffffff000');
  });

  it('rejects a malformed scenario with a message naming the file and records nothing', async () => {
    const { db } = freshDb();
    await expect(recordRun(db, '{"name": "x",', 'bad.json', { appVersion: 't' })).rejects.toThrow(ScenarioError);
    await expect(recordRun(db, '{"name": "x",', 'bad.json', { appVersion: 't' })).rejects.toThrow(/bad.json: not valid JSON/);
    expect(new SessionStore(db).list()).toEqual([]);
  });
});

describe('crash safety', () => {
  it('a writer killed mid-session leaves a database that opens, passes integrity_check, keeps committed events and shows the session aborted', () => {
    const { db, path } = freshDb();
    db.close();
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tests/fixtures/crash-writer.ts'), path], { encoding: 'utf8', cwd: root });
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).toContain('committed 200');
    const again = prepareRecorderDb(openBetterSqlite(path));
    opened.push(again);
    expect(again.prepare('PRAGMA integrity_check').get()?.integrity_check).toBe('ok');
    const [s] = new SessionStore(again).list();
    expect(s).toMatchObject({ status: 'aborted', eventCount: 200, name: 'doomed' });
    expect(s!.summary).toMatch(/ended before the run finished/);
  });
});
