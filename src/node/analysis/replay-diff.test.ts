import { describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../db/sql-database';
import { iterateEvents } from '../recorder/event-rows';
import { recordRun } from '../recorder/record-run';
import { freshDb, happySource, manyFaultsSource, useTempDatabases } from '../recorder/testing/fixtures';
import { diffSessions } from './diff';
import { listFaults } from './faults';
import { verifyReplay, ReplayError } from './replay';
import { indexSession } from './session-index';

useTempDatabases();

/** seq of the happy path's RESPONSE_WRITE: user space's answer, the first event its latency decides. */
function responseSeq(db: SqlDatabase, id: number): number {
  const [f, ...rest] = listFaults(db, id);
  expect(rest).toEqual([]);
  return f!.responseSeq!;
}

async function record(db: SqlDatabase, source: string, options: { seed?: number; kernelProfile?: 'v4' | 'upstream' } = {}): Promise<number> {
  return (await recordRun(db, source, 'test.json', { appVersion: 't', ...options })).sessionId;
}

describe('verified replay', () => {
  it('says identical for an untouched session, for every kernel profile and seed', async () => {
    const { db } = freshDb();
    for (const [source, opts] of [
      [happySource, {}],
      [happySource, { kernelProfile: 'v4' as const, seed: 9 }],
      [manyFaultsSource({ accesses: 40 }), { seed: 12 }],
    ] as const) {
      const id = await record(db, source, opts);
      const r = await verifyReplay(db, id);
      expect(r).toMatchObject({ identical: true, divergence: null, sourceHashMatches: true });
      expect(r.compared).toBe(r.recordedEvents);
    }
  });

  it('names the first diverging event when a recorded row was tampered with (response code)', async () => {
    const { db } = freshDb();
    const id = await record(db, happySource);
    const seq = responseSeq(db, id);
    db.prepare('UPDATE events SET code = 1 WHERE session_id = ? AND seq = ?').run(id, seq);
    expect(await verifyReplay(db, id)).toMatchObject({
      identical: false,
      compared: seq,
      divergence: { seq, kind: 'RESPONSE_WRITE', field: 'code', recorded: '1', replayed: '0' },
    });
  });

  it('compares raw uAPI bytes too', async () => {
    const { db } = freshDb();
    const id = await record(db, happySource);
    const seq = responseSeq(db, id);
    db.prepare(`UPDATE events SET raw = X'0100000001000000' WHERE session_id = ? AND seq = ?`).run(id, seq);
    expect((await verifyReplay(db, id)).divergence).toEqual({ seq, kind: 'RESPONSE_WRITE', field: 'raw', recorded: '0100000001000000', replayed: '0100000000000000' });
  });

  it('diverges when the stored scenario source was edited, and flags the hash mismatch', async () => {
    const { db } = freshDb();
    const id = await record(db, happySource);
    const edited = happySource.replace('"minLatencyNs": 2000', '"minLatencyNs": 2500');
    expect(edited).not.toBe(happySource);
    db.prepare('UPDATE sessions SET scenario_source = ? WHERE id = ?').run(edited, id);
    const r = await verifyReplay(db, id);
    expect(r.sourceHashMatches).toBe(false);
    expect(r.identical).toBe(false);
    // The policy's response is the first thing the latency changes: its virtual time.
    expect(r.divergence).toMatchObject({ seq: responseSeq(db, id), kind: 'RESPONSE_WRITE', field: 't' });
  });

  it('reports a recording that ends early (an aborted run) as a divergence at its end', async () => {
    const { db } = freshDb();
    const id = await record(db, happySource);
    // Cut just before the end-of-run checks.
    const cut = [...iterateEvents(db, id)].find((e) => e.kind === 'ASSERT_PASS')!.seq;
    db.prepare('DELETE FROM events WHERE session_id = ? AND seq >= ?').run(id, cut);
    db.prepare(`UPDATE sessions SET status = 'aborted' WHERE id = ?`).run(id);
    expect((await verifyReplay(db, id)).divergence).toMatchObject({ seq: cut, field: 'event', recorded: '(none: the recording ends here)', replayed: 'ASSERT_PASS' });
  });

  it('refuses sessions without a scenario source', async () => {
    const { db } = freshDb();
    const id = await record(db, happySource);
    db.prepare(`UPDATE sessions SET scenario_source = '' WHERE id = ?`).run(id);
    await expect(verifyReplay(db, id)).rejects.toThrow(ReplayError);
  });
});

describe('diff of two sessions', () => {
  it('different seeds: the same faults and codes, with latency deltas', async () => {
    const { db } = freshDb();
    const src = manyFaultsSource({ accesses: 30 });
    const a = await record(db, src, { seed: 1 });
    const b = await record(db, src, { seed: 2 });
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

  it('different kernel profiles: aligned by identity, not time', async () => {
    const { db } = freshDb();
    const a = await record(db, happySource, { kernelProfile: 'upstream' });
    const b = await record(db, happySource, { kernelProfile: 'v4', seed: 5 });
    const d = diffSessions(db, a, b);
    expect(d).toMatchObject({ matched: 1, sameFaults: true });
    expect(diffSessions(db, a, a).latencyDelta).toMatchObject({ max: 0, count: 1 });
  });

  it('reports added and missing faults and response-code flips', async () => {
    const { db } = freshDb();
    const a = await record(db, manyFaultsSource({ accesses: 20 }));
    const b = await record(db, manyFaultsSource({ accesses: 20, extra: [{ atNs: 200_000, device: 1, pasid: 7, addr: '0x7f0000000000' }] }));
    // Device 1 as the events name it: its first access (i = 1) is at 0x40003000.
    const dev1 = listFaults(db, a).find((f) => f.addr === '0x40003000')!.dev;
    // Flip the code of B's first fault as user space would have written INVALID.
    const target = listFaults(db, b)[0]!;
    db.prepare('UPDATE events SET code = 1 WHERE session_id = ? AND seq = ?').run(b, target.responseSeq!);
    indexSession(db, b);
    const d = diffSessions(db, a, b);
    expect(d.addedCount).toBe(1);
    expect(d.added[0]!.identity).toMatchObject({ dev: dev1, pasid: 7, addr: '0x7f0000000000', occurrence: 0 });
    expect(listFaults(db, a).filter((f) => f.dev === dev1)).toHaveLength(10); // the odd accesses of 20
    expect(d.missingCount).toBe(0);
    expect(d.flips).toEqual([expect.objectContaining({ codeA: 0, codeB: 1, seqB: target.firstSeq })]);
    expect(d.sameFaults).toBe(false);
    const back = diffSessions(db, b, a);
    expect([back.addedCount, back.missingCount, back.flipCount]).toEqual([0, 1, 1]);
  });
});
