/**
 * The session store's counts: a running session's event_count and end_ns are
 * written when it finishes, so until then the store reports its events so far.
 */
import { describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../db/sql-database';
import { SessionStore, type NewSession } from './session-store';
import { freshDb, useTempDatabases } from './testing/fixtures';

useTempDatabases();

const NEW: NewSession = {
  name: 'live',
  scenarioName: 'live',
  scenarioSource: '{}',
  scenarioHash: 'h',
  seed: 1,
  kernelProfile: 'upstream',
  vendor: 'vtd',
  appVersion: 'test',
};

/** Appends events seq [from, to) at t = 100 × seq, as a run's writer commits them. */
function commitEvents(db: SqlDatabase, sessionId: number, from: number, to: number): void {
  const ins = db.prepare('INSERT INTO events (session_id, seq, t, kind, layer) VALUES (?, ?, ?, 1, 0)');
  db.transaction(() => {
    for (let seq = from; seq < to; seq++) ins.run(sessionId, seq, seq * 100);
  });
}

describe('SessionStore counts', () => {
  it('reports a running session’s events so far in list, get and details, and the recorded count once it finished', () => {
    const { db } = freshDb();
    const store = new SessionStore(db);
    const id = store.create(NEW);
    const other = store.create({ ...NEW, name: 'other' });
    commitEvents(db, other, 0, 3);

    expect(store.get(id)).toMatchObject({ status: 'running', eventCount: 0, endNs: 0 });
    commitEvents(db, id, 0, 40);
    expect(store.get(id)).toMatchObject({ eventCount: 40, endNs: 3900 });
    commitEvents(db, id, 40, 75);
    expect(store.list().find((s) => s.id === id)).toMatchObject({ eventCount: 75, endNs: 7400 });
    expect(store.details(id)).toMatchObject({ status: 'running', eventCount: 75, endNs: 7400, name: 'live', writerPid: process.pid });
    // Each session counts its own events.
    expect(store.get(other)).toMatchObject({ eventCount: 3, endNs: 200 });

    // Finished: what the run recorded is what it says (an end past the last event included).
    store.finish(id, 'complete', { eventCount: 75, endNs: 9000n, passed: 1, failed: 0, summary: 'ok' });
    expect(store.get(id)).toMatchObject({ status: 'complete', eventCount: 75, endNs: 9000 });
    expect(store.details(id)).toMatchObject({ eventCount: 75, endNs: 9000 });
  });

});
