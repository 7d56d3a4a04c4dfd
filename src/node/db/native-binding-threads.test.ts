/**
 * The better_sqlite3.node a connection loaded (in Electron, the Electron-ABI
 * binary open-database chose) is what the recorder's writer thread and the
 * exports' reader thread load for their own connections. Under plain Node a
 * copy of the Node-ABI build stands in for the Electron one: while the copy
 * exists the threads start; once it is gone (the first connection has it
 * loaded already) their open fails and the work stays in the calling thread,
 * which shows the threads open with exactly that file.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../shared/events';
import { ns } from '../../shared/time';
import { iterateEvents } from '../recorder/event-rows';
import { prepareRecorderDb } from '../recorder/recorder-db';
import { SessionStore } from '../recorder/session-store';
import { EVENT_COLUMNS, SqliteSink } from '../recorder/sqlite-sink';
import { tempDir, track, useTempDatabases } from '../recorder/testing/fixtures';
import { WriterThread } from '../recorder/writer-thread';
import { streamEvents, workerEligible } from '../trace-files/event-stream';
import { openBetterSqlite } from './better-sqlite3-driver';
import { openDatabaseWith, type DatabaseRuntime } from './open-database';
import type { SqlDatabase } from './sql-database';

useTempDatabases();

const nodeRequire = createRequire(import.meta.url);
const nodeAbiBinding = join(dirname(nodeRequire.resolve('better-sqlite3/package.json')), 'build/Release/better_sqlite3.node');

/** A recorder database opened with a private copy of the addon as its nativeBinding. */
function openWithCopiedBinding(): { db: SqlDatabase; binding: string; dir: string } {
  const dir = tempDir();
  mkdirSync(join(dir, 'native'));
  const binding = join(dir, 'native', 'better_sqlite3.node');
  copyFileSync(nodeAbiBinding, binding);
  const db = track(prepareRecorderDb(openBetterSqlite(join(dir, 'w.db'), { nativeBinding: binding })));
  return { db, binding, dir };
}

const newSession = (db: SqlDatabase): number =>
  new SessionStore(db).create({ name: 's', scenarioName: 's', scenarioSource: '{}', scenarioHash: '0', seed: 1, kernelProfile: 'upstream', vendor: 'vtd', appVersion: 't' });

const event = (seq: number): TraceEvent => ({
  seq, t: ns(seq * 10), kind: 'PR_SEND', layer: 'device', dev: 0x300, pasid: 1, grpid: seq & 0x1ff, cookie: null, addr: BigInt(seq) << 12n,
  perm: 3, code: null, errno: null, parent: null, raw: null, note: `n${seq}`, line: null, iommu: null,
});

/** Records `count` events with the writer thread asked for from the first batch; whether it took over. */
function record(db: SqlDatabase, count: number): { sessionId: number; threaded: boolean } {
  const sessionId = newSession(db);
  const sink = new SqliteSink(db, sessionId, 64, 32, { threadAfter: 0 });
  let threaded = false;
  for (let seq = 0; seq < count; seq++) {
    sink.emit(event(seq));
    threaded ||= sink.threaded;
  }
  sink.flush();
  return { sessionId, threaded };
}

const fakeElectron = (binding: string): DatabaseRuntime => ({
  electronVersion: '31.0.0',
  bindingCandidates: [binding],
  fileExists: () => true,
  loadBinding: () => undefined,
  loadNodeSqlite: () => undefined,
  warn: () => undefined,
});

describe('the connection’s native binding reaches the worker threads', () => {
  it('is exposed by the driver: the Electron-ABI path open-database chose, none for the module’s own build', () => {
    const { binding, dir } = openWithCopiedBinding();
    const electron = track(openDatabaseWith(fakeElectron(binding), join(dir, 'e.db')));
    expect(electron.nativeBinding).toBe(binding);
    const plain = track(openBetterSqlite(join(dir, 'p.db')));
    expect(plain.nativeBinding).toBeUndefined();
  });

  it('makes the threads eligible in Electron only when the binary is known', () => {
    const { db, dir } = openWithCopiedBinding();
    const id = record(db, 10).sessionId;
    const plain = track(prepareRecorderDb(openBetterSqlite(join(dir, 'plain.db'))));
    expect(WriterThread.eligible(db, '31.0.0')).toBe(true);
    expect(WriterThread.eligible(plain, '31.0.0')).toBe(false);
    expect(WriterThread.eligible(plain, undefined)).toBe(true);
    expect(workerEligible(db, id, 0, '31.0.0')).toBe(true);
    expect(workerEligible(plain, id, 0, '31.0.0')).toBe(false);
  });

  it('the writer thread opens its connection with that binary', () => {
    const { db, binding, dir } = openWithCopiedBinding();
    const config = { path: db.path, sessionId: newSession(db), columns: EVENT_COLUMNS, rowsPerStatement: 32, busyTimeoutMs: 1000 };
    const started = WriterThread.start({ ...config, nativeBinding: binding })!;
    expect(started.ready()).toBe(true);
    started.stop();
    const missing = WriterThread.start({ ...config, nativeBinding: join(dir, 'native', 'missing.node') })!;
    expect(missing.ready()).toBe(false);

    // Through the sink: with the file there the thread records; without it the sink writes inline, losing nothing.
    const withBinary = record(db, 500);
    expect(withBinary.threaded).toBe(true);
    rmSync(binding);
    const without = record(db, 500);
    expect(without.threaded).toBe(false);
    for (const r of [withBinary, without]) expect([...iterateEvents(db, r.sessionId)].map((e) => e.note)).toEqual(Array.from({ length: 500 }, (_, i) => `n${i}`));
  });

  it('the export reader thread opens its connection with that binary', () => {
    const { db, binding } = openWithCopiedBinding();
    const { sessionId } = record(db, 300);
    const read = (): { where: string[]; notes: (string | null)[] } => {
      const where: string[] = [];
      const notes = [...streamEvents(db, sessionId, { minEventsForWorker: 0, onReader: (w) => where.push(w) })].map((e) => e.note);
      return { where, notes };
    };
    const withBinary = read();
    expect(withBinary.where).toEqual(['worker']);
    rmSync(binding);
    const without = read();
    expect(without.where).toEqual(['calling thread']);
    expect(without.notes).toEqual(withBinary.notes);
    expect(withBinary.notes).toHaveLength(300);
  });
});
