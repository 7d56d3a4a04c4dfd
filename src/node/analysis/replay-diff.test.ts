import { describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../db/sql-database';
import { recordRun } from '../recorder/record-run';
import { freshDb, happySource, manyFaultsSource, useTempDatabases } from '../recorder/testing/fixtures';
import { diffSessions } from './diff';
import { listFaults } from './faults';
import { verifyReplay, ReplayError } from './replay';
import { indexSession } from './session-index';

useTempDatabases();

function record(db: SqlDatabase, source: string, options: { seed?: number; kernelProfile?: 'v4' | 'upstream' } = {}): number {
  return recordRun(db, source, 'test.json', { appVersion: 't', ...options }).sessionId;
}

describe('verified replay', () => {
  it('says identical for an untouched session, for every kernel profile and seed', () => {
    const { db } = freshDb();
    for (const [source, opts] of [
      [happySource, {}],
      [happySource, { kernelProfile: 'v4' as const, seed: 9 }],
      [manyFaultsSource({ accesses: 40 }), { seed: 12 }],
    ] as const) {
      const id = record(db, source, opts);
      const r = verifyReplay(db, id);
      expect(r).toMatchObject({ identical: true, divergence: null, sourceHashMatches: true });
      expect(r.compared).toBe(r.recordedEvents);
    }
  });

  it('names the first diverging event when a recorded row was tampered with (response code)', () => {
    const { db } = freshDb();
    const id = record(db, happySource);
    db.prepare('UPDATE events SET code = 1 WHERE session_id = ? AND seq = 15').run(id);
    expect(verifyReplay(db, id)).toMatchObject({
      identical: false,
      compared: 15,
      divergence: { seq: 15, kind: 'RESPONSE_WRITE', field: 'code', recorded: '1', replayed: '0' },
    });
  });

  it('compares raw uAPI bytes too', () => {
    const { db } = freshDb();
    const id = record(db, happySource);
    db.prepare(`UPDATE events SET raw = X'0100000001000000' WHERE session_id = ? AND seq = 15`).run(id);
    expect(verifyReplay(db, id).divergence).toEqual({ seq: 15, kind: 'RESPONSE_WRITE', field: 'raw', recorded: '0100000001000000', replayed: '0100000000000000' });
  });

  it('diverges when the stored scenario source was edited, and flags the hash mismatch', () => {
    const { db } = freshDb();
    const id = record(db, happySource);
    const edited = happySource.replace('"minLatencyNs": 2000', '"minLatencyNs": 2500');
    expect(edited).not.toBe(happySource);
    db.prepare('UPDATE sessions SET scenario_source = ? WHERE id = ?').run(edited, id);
    const r = verifyReplay(db, id);
    expect(r.sourceHashMatches).toBe(false);
    expect(r.identical).toBe(false);
    // The policy's response is the first thing the latency changes: its virtual time.
    expect(r.divergence).toMatchObject({ seq: 15, kind: 'RESPONSE_WRITE', field: 't' });
  });

  it('reports a recording that ends early (an aborted run) as a divergence at its end', () => {
    const { db } = freshDb();
    const id = record(db, happySource);
    db.prepare('DELETE FROM events WHERE session_id = ? AND seq >= 20').run(id);
    db.prepare(`UPDATE sessions SET status = 'aborted' WHERE id = ?`).run(id);
    expect(verifyReplay(db, id).divergence).toMatchObject({ seq: 20, field: 'event', recorded: '(none: the recording ends here)', replayed: 'ASSERT_PASS' });
  });

  it('refuses sessions without a scenario source', () => {
    const { db } = freshDb();
    const id = record(db, happySource);
    db.prepare(`UPDATE sessions SET scenario_source = '' WHERE id = ?`).run(id);
    expect(() => verifyReplay(db, id)).toThrow(ReplayError);
  });
});

describe('diff of two sessions', () => {
  it('different seeds: the same faults and codes, with latency deltas', () => {
    const { db } = freshDb();
    const src = manyFaultsSource({ accesses: 30 });
    const a = record(db, src, { seed: 1 });
    const b = record(db, src, { seed: 2 });
    const d = diffSessions(db, a, b);
    expect(d).toMatchObject({ faultsA: listFaults(db, a).length, flipCount: 0, addedCount: 0, missingCount: 0, sameFaults: true });
    expect(d.matched).toBe(d.faultsA);
    expect(d.latencyDelta!.count).toBe(d.matched);
    expect(d.largestDeltas.length).toBeGreaterThan(0);
    expect(d.largestDeltas.some((x) => x.deltaNs !== 0)).toBe(true);
    // Sorted by size of the delta.
    const sizes = d.largestDeltas.map((x) => Math.abs(x.deltaNs));
    expect([...sizes].sort((x, y) => y - x)).toEqual(sizes);
  });

  it('different kernel profiles: aligned by identity, not time', () => {
    const { db } = freshDb();
    const a = record(db, happySource, { kernelProfile: 'upstream' });
    const b = record(db, happySource, { kernelProfile: 'v4', seed: 5 });
    const d = diffSessions(db, a, b);
    expect(d).toMatchObject({ matched: 1, sameFaults: true });
    expect(diffSessions(db, a, a).latencyDelta).toMatchObject({ max: 0, count: 1 });
  });

  it('reports added and missing faults and response-code flips', () => {
    const { db } = freshDb();
    const a = record(db, manyFaultsSource({ accesses: 20 }));
    const b = record(db, manyFaultsSource({ accesses: 20, extra: [{ atNs: 200_000, device: 1, pasid: 7, addr: '0x7f0000000000' }] }));
    // Flip the code of B's first fault as user space would have written INVALID.
    const target = listFaults(db, b)[0]!;
    db.prepare('UPDATE events SET code = 1 WHERE session_id = ? AND seq = ?').run(b, target.responseSeq!);
    indexSession(db, b);
    const d = diffSessions(db, a, b);
    expect(d.addedCount).toBe(1);
    expect(d.added[0]!.identity).toMatchObject({ dev: 3, pasid: 7, addr: '0x7f0000000000', occurrence: 0 });
    expect(d.missingCount).toBe(0);
    expect(d.flips).toEqual([expect.objectContaining({ codeA: 0, codeB: 1, seqB: target.firstSeq })]);
    expect(d.sameFaults).toBe(false);
    const back = diffSessions(db, b, a);
    expect([back.addedCount, back.missingCount, back.flipCount]).toEqual([0, 1, 1]);
  });
});
