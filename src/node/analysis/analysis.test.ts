import { describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../db/sql-database';
import { iterateEvents } from '../recorder/event-rows';
import { recordRun } from '../recorder/record-run';
import { SessionStore } from '../recorder/session-store';
import { SqliteSink } from '../recorder/sqlite-sink';
import { freshDb, happySource, manyFaultsSource, useTempDatabases } from '../recorder/testing/fixtures';
import { ns } from '../../shared/time';
import { eventDetail } from './event-detail';
import { listFaults } from './faults';
import { faultLifecycle, LifecycleError } from './lifecycle';
import { initialPathState, reducePathState } from './path-state';
import { indexSession } from './session-index';
import { stateAtSeq } from './state-at';
import { latencyStats, sessionStats } from './stats';
import { timelineWindow, type TimelineWindow } from './timeline';

useTempDatabases();

function record(db: SqlDatabase, source = happySource, options: { seed?: number; kernelProfile?: 'v4' | 'upstream' } = {}): number {
  return recordRun(db, source, 'test.json', { appVersion: 't', ...options }).sessionId;
}

describe('faults (the derived faults table)', () => {
  it('assembles the happy path into one fault with every stage, its cookie and both latencies', () => {
    const { db } = freshDb();
    const id = record(db);
    const [f, ...rest] = listFaults(db, id);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      id: 1,
      dev: 2,
      pasid: 1,
      grpid: 0,
      addr: '0xdeadb000',
      perm: 3,
      requests: 2,
      prSeq: 2,
      queuedSeq: 9,
      readSeq: 11,
      cookie: 1,
      responseSeq: 15,
      responseCode: 0,
      responseKind: 'write',
      pageRespSeq: 16,
      prgRespSeq: 17,
      code: 0,
      outcome: 'completed',
      latencyNs: 9254 - 3700,
      deviceLatencyNs: 9454 - 1500,
    });
  });

  it('finds every page request group of a busy session, across devices and PASIDs, all completed', () => {
    const { db } = freshDb();
    const id = record(db, manyFaultsSource({ accesses: 30 }));
    const faults = listFaults(db, id);
    const prgs = new Set<string>();
    let groups = 0;
    for (const e of iterateEvents(db, id))
      if (e.kind === 'PR_SEND' && e.grpid !== null) {
        const key = `${e.dev}/${e.grpid}/${e.t}`;
        if (!prgs.has(key)) groups++;
        prgs.add(key);
      }
    expect(faults).toHaveLength(groups);
    expect(new Set(faults.map((f) => f.dev)).size).toBe(2);
    expect(new Set(faults.map((f) => f.pasid)).size).toBe(3);
    expect(faults.every((f) => f.outcome === 'completed' && f.code === 0 && f.latencyNs! > 0 && f.cookie !== null)).toBe(true);
  });
});

describe('path state (pure reducer over events)', () => {
  it('tracks PRQ occupancy, the deliver list, cookies and outstanding PRGs through the happy path', () => {
    const { db } = freshDb();
    const id = record(db);
    const events = [...iterateEvents(db, id)];
    const at = (seq: number) => reducePathState(initialPathState(), events.slice(0, seq + 1));
    expect(at(3).devices).toEqual([{ dev: 2, prgs: [{ grpid: 0, pasid: 1, requests: 2, seq: 2 }], requests: 2 }]);
    expect(at(5).prq[0]!.entries.map((e) => e.seq)).toEqual([4, 5]);
    expect(at(7).prq[0]!.entries.map((e) => e.seq)).toEqual([5]);
    expect(at(7).partial).toEqual([{ dev: 2, pasid: 1, grpid: 0, faults: 1, seq: 7 }]);
    expect(at(8).prq[0]).toMatchObject({ entries: [], highWater: 2 });
    expect(at(9).deliver).toEqual([{ dev: 2, pasid: 1, grpid: 0, addr: '0xdeadc000', seq: 9 }]);
    expect(at(11).deliver).toEqual([]);
    expect(at(12).cookies).toEqual([{ dev: 2, cookie: 1, pasid: 1, grpid: 0, seq: 11 }]);
    expect(at(15).cookies).toEqual([]);
    expect(at(17).devices).toEqual([{ dev: 2, prgs: [], requests: 0 }]);
    expect(at(22).totals).toMatchObject({ faultsQueued: 1, groupsRead: 1, responses: 1, pageResponses: 1, prgResponses: 1 });
  });

  it('is pure: the input state is not changed and equal inputs give equal outputs', () => {
    const { db } = freshDb();
    const id = record(db);
    const events = [...iterateEvents(db, id)];
    const mid = reducePathState(initialPathState(), events.slice(0, 10));
    const frozen = JSON.stringify(mid);
    const a = reducePathState(mid, events.slice(10));
    const b = reducePathState(mid, events.slice(10));
    expect(JSON.stringify(mid)).toBe(frozen);
    expect(a).toEqual(b);
    expect(a).toEqual(reducePathState(initialPathState(), events));
  });

  it('state at any seq: restoring the nearest checkpoint and re-applying equals reducing from the start', () => {
    const { db } = freshDb();
    const id = record(db, manyFaultsSource({ accesses: 40 }));
    indexSession(db, id, 64); // checkpoints every 64 events
    const events = [...iterateEvents(db, id)];
    for (const seq of [0, 63, 64, 100, 200, 333, events.length - 1]) {
      const s = stateAtSeq(db, id, seq);
      expect(s.state).toEqual(reducePathState(initialPathState(), events.slice(0, seq + 1)));
      expect(s.checkpointSeq).toBe(seq >= 63 ? Math.floor((seq + 1) / 64) * 64 - 1 : null);
      expect(s.replayed).toBeLessThanOrEqual(64);
      expect(s.t).toBe(events[seq]!.t);
    }
    expect(() => stateAtSeq(db, id, events.length)).toThrow(/has no event/);
  });

  it('returns the engine checkpoint nearest at or before the seq alongside', () => {
    const { db } = freshDb();
    const id = record(db);
    const store = new SessionStore(db);
    store.writeCheckpoint(id, 5, 1700, '{"engine":"state at 5"}');
    store.writeCheckpoint(id, 15, 9254n, '{"engine":"state at 15"}');
    expect(stateAtSeq(db, id, 4).engineCheckpoint).toBeNull();
    expect(stateAtSeq(db, id, 14).engineCheckpoint).toEqual({ seq: 5, t: 1700, state: '{"engine":"state at 5"}' });
    expect(stateAtSeq(db, id, 20).engineCheckpoint?.seq).toBe(15);
  });
});

describe('timeline windows', () => {
  const total = (w: TimelineWindow): number => w.tracks.reduce((a, t) => a + t.count.reduce((x, y) => x + y, 0), 0);

  it('buckets a window per track at a power-of-two resolution, with the longest slice per bucket', () => {
    const { db } = freshDb();
    const id = record(db);
    const w = timelineWindow(db, { sessionId: id, by: 't', from: 0, to: 16_384, buckets: 16 });
    expect(w).toMatchObject({ bucketNs: 1024, firstBucket: 0, bucketCount: 16, path: 'raw', slices: true, fromSeq: 0, toSeq: 22 });
    expect(total(w)).toBe(23);
    const device = w.tracks.find((t) => t.uri === 'device#2/pasid#1')!;
    // PRG slice: first PR_SEND (1500 ns, bucket 1) to PRG_RESP_RECV (9454 ns).
    expect(device.bucket).toEqual([0, 1, 9]);
    expect(device.count).toEqual([1, 3, 3]);
    expect(device.maxSliceNs[1]).toBe(9454 - 1500);
    expect(device.maxSliceSeq[1]).toBe(2);
    const fq = w.tracks.find((t) => t.uri === 'iommufd#2/pasid#1')!;
    expect(fq.maxSliceNs[fq.bucket.indexOf(3)]).toBe(9254 - 3700); // FAULT_QUEUED → RESPONSE_WRITE
    expect(w.tracks.map((t) => t.uri)).toContain('iommu');
  });

  it('by seq and by time select the same events; maxEvents returns them', () => {
    const { db } = freshDb();
    const id = record(db);
    const bySeq = timelineWindow(db, { sessionId: id, by: 'seq', from: 4, to: 10, buckets: 8, maxEvents: 100 });
    expect(bySeq.events!.map((e) => e.seq)).toEqual([4, 5, 6, 7, 8, 9]);
    const byT = timelineWindow(db, { sessionId: id, by: 't', from: 1700, to: 3701, buckets: 8 });
    expect([byT.fromSeq, byT.toSeq]).toEqual([4, 9]);
  });

  it('the LOD pyramid gives the same cells as grouping the events, at every stored level', () => {
    const { db } = freshDb();
    const id = record(db, manyFaultsSource({ accesses: 60 }));
    const info = indexSession(db, id);
    const end = 2 ** Math.ceil(Math.log2(info.lastT + 1));
    for (let k = info.lodBase; k <= Math.min(info.lodTop, info.lodBase + 4); k++) {
      const buckets = Math.max(1, end / 2 ** k);
      if (buckets > 16_384) continue;
      const req = { sessionId: id, by: 't' as const, from: 0, to: end, buckets };
      const raw = timelineWindow(db, { ...req, path: 'raw' });
      const lod = timelineWindow(db, { ...req, path: 'lod' });
      expect(lod.path).toBe('lod');
      expect(lod.bucketNs).toBe(raw.bucketNs);
      expect(lod.tracks).toEqual(raw.tracks);
      expect(total(lod)).toBe(info.eventCount);
    }
  });

  it('reads a session that is still recording (no derived tables yet): raw path, no slices', () => {
    const { db } = freshDb();
    const store = new SessionStore(db);
    const id = store.create({ name: 'live', scenarioName: 'live', scenarioSource: '{}', scenarioHash: '0', seed: 1, kernelProfile: 'upstream', vendor: 'vtd', appVersion: 't' });
    const sink = new SqliteSink(db, id, 10);
    for (let seq = 0; seq < 30; seq++)
      sink.emit({ seq, t: ns(seq * 100), kind: 'PR_SEND', layer: 'device', dev: 2, pasid: 1, grpid: seq, cookie: null, addr: 0x1000n, perm: 1, code: null, errno: null, parent: null, raw: null, note: null });
    const w = timelineWindow(db, { sessionId: id, by: 'seq', from: 0, to: 100, buckets: 4 });
    expect(w).toMatchObject({ path: 'raw', slices: false, toSeq: 29 });
    expect(w.tracks).toHaveLength(1);
    expect(w.tracks[0]).toMatchObject({ trackId: null, uri: 'device#2/pasid#1' });
    expect(total(w)).toBe(30);
  });
});

describe('lifecycle of a cookie or PRG', () => {
  it('collects members, causes and effects of the fault, found by cookie, PRG, event or id', () => {
    const { db } = freshDb();
    const id = record(db);
    const life = faultLifecycle(db, id, { cookie: 1 });
    expect(life.events.map((e) => [e.seq, e.role])).toEqual([
      [0, 'cause'],
      [1, 'cause'],
      [2, 'member'],
      [3, 'member'],
      [4, 'member'],
      [5, 'member'],
      [6, 'cause'],
      [7, 'member'],
      [8, 'member'],
      [9, 'member'],
      [10, 'cause'],
      [11, 'member'],
      [12, 'member'],
      [13, 'member'],
      [14, 'member'],
      [15, 'member'],
      [16, 'member'],
      [17, 'member'],
      [18, 'effect'],
      [19, 'effect'],
    ]);
    for (const q of [{ dev: 2, grpid: 0 }, { seq: 13 }, { seq: 19 }, { seq: 0 }, { faultId: 1 }]) expect(faultLifecycle(db, id, q).fault.id).toBe(1);
    expect(() => faultLifecycle(db, id, { cookie: 99 })).toThrow(LifecycleError);
  });

  it('tells reused cookies apart by the seq they were used at', () => {
    const { db } = freshDb();
    const id = record(db, manyFaultsSource({ accesses: 30 }));
    const uses = listFaults(db, id).filter((f) => f.cookie === 1);
    expect(uses.length).toBeGreaterThan(1);
    for (const f of uses) {
      const life = faultLifecycle(db, id, { cookie: 1, atSeq: f.readSeq! });
      expect(life.fault.id).toBe(f.id);
      expect(life.events.filter((e) => e.role === 'member' && e.cookie !== null).every((e) => e.cookie === 1)).toBe(true);
    }
  });
});

describe('event detail', () => {
  it('decodes the 40-byte fault record and the response with the session profile, and spells codes', () => {
    const { db } = freshDb();
    const up = record(db);
    const read = eventDetail(db, up, 11)!;
    expect(read.decoded).toMatchObject({ struct: 'iommu_hwpt_pgfault', profile: 'upstream', size: 40 });
    const field = (n: string) => read.decoded!.fields.find((f) => f.name === n);
    expect(field('addr')).toEqual({ name: 'addr', offset: 24, size: 8, value: '0xdeadb000' });
    expect(field('flags')?.meaning).toBe('PASID_VALID|NEEDS_PASID(kernel bit 2)');
    expect(field('cookie')?.value).toBe('1');
    expect(read.parent?.kind).toBe('IOPF_PARTIAL');
    expect(read.fault?.id).toBe(1);
    const write = eventDetail(db, up, 15)!;
    expect(write.decoded).toMatchObject({ struct: 'iommu_hwpt_page_response', size: 8 });
    expect(write.meanings.code).toBe('SUCCESS');
    const v4 = record(db, happySource, { kernelProfile: 'v4' });
    const w4 = eventDetail(db, v4, 15)!;
    expect(w4.event.kind).toBe('RESPONSE_WRITE');
    expect(w4.decoded).toMatchObject({ profile: 'v4', size: 32 });
    expect(w4.decoded!.fields.map((f) => f.name)).toEqual(['size', 'flags', 'dev_id', 'pasid', 'grpid', 'code', 'cookie', 'reserved']);
    expect(eventDetail(db, up, 0)!.decoded).toBeNull();
    expect(eventDetail(db, up, 999)).toBeUndefined();
  });
});

describe('statistics', () => {
  it('nearest-rank percentiles', () => {
    expect(latencyStats([])).toBeNull();
    const s = latencyStats(Array.from({ length: 100 }, (_, i) => 100 - i))!;
    expect(s).toMatchObject({ count: 100, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
    expect(latencyStats([7])).toMatchObject({ p50: 7, p99: 7, max: 7 });
  });

  it('groups latencies per device, PASID and response code, and the groups add up', () => {
    const { db } = freshDb();
    const id = record(db, manyFaultsSource({ accesses: 30 }));
    const s = sessionStats(db, id);
    expect(s.faults).toBe(listFaults(db, id).length);
    expect(s.outcomes).toEqual({ completed: s.faults });
    expect(s.byDevice.map((g) => g.dev)).toEqual([2, 3]);
    expect(s.byDevice.reduce((a, g) => a + g.faults, 0)).toBe(s.faults);
    expect(s.byPasid).toHaveLength(6);
    expect(s.byCode).toEqual([expect.objectContaining({ code: 0, codeName: 'SUCCESS', faults: s.faults })]);
    expect(s.overall.latency!.count).toBe(s.faults);
    expect(s.overall.latency!.max).toBe(Math.max(...listFaults(db, id).map((f) => f.latencyNs!)));
    expect(s.kindCounts.PR_SEND).toBeGreaterThan(0);
  });
});
