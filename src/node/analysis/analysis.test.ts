import { describe, expect, it } from 'vitest';
import type { EventKind, EventRow } from '../../shared/events';
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

/** The `n`th event of `kind` in a recording (engine-independent positions for the assertions). */
function nth(events: readonly EventRow[], kind: EventKind, n = 0): EventRow {
  const e = events.filter((x) => x.kind === kind)[n];
  if (!e) throw new Error(`the recording has no ${kind} #${n}`);
  return e;
}

/** seqs of an event's causal ancestors, nearest first. */
function ancestors(events: readonly EventRow[], seq: number): number[] {
  const out: number[] = [];
  for (let p = events[seq]!.parent; p !== null; p = events[p]!.parent) out.push(p);
  return out;
}

async function record(db: SqlDatabase, source = happySource, options: { seed?: number; kernelProfile?: 'v4' | 'upstream' } = {}): Promise<number> {
  return (await recordRun(db, source, 'test.json', { appVersion: 't', ...options })).sessionId;
}

describe('faults (the derived faults table)', () => {
  it('assembles the happy path into one fault with every stage, its cookie and both latencies', async () => {
    const { db } = freshDb();
    const id = await record(db);
    const events = [...iterateEvents(db, id)];
    const [f, ...rest] = listFaults(db, id);
    expect(rest).toEqual([]);
    const pr = nth(events, 'PR_SEND');
    const queued = nth(events, 'FAULT_QUEUED');
    const read = nth(events, 'FAULT_READ');
    const write = nth(events, 'RESPONSE_WRITE');
    const page = nth(events, 'PAGE_RESPONSE');
    const prg = nth(events, 'PRG_RESP_RECV');
    expect(pr.dev).not.toBeNull();
    expect(f).toMatchObject({
      id: 1,
      dev: pr.dev,
      pasid: 1,
      grpid: 0,
      addr: '0xdeadb000',
      perm: 3,
      requests: 2,
      firstSeq: pr.seq,
      lastSeq: prg.seq,
      prSeq: pr.seq,
      queuedSeq: queued.seq,
      readSeq: read.seq,
      cookie: 1,
      responseSeq: write.seq,
      responseCode: 0,
      responseKind: 'write',
      pageRespSeq: page.seq,
      prgRespSeq: prg.seq,
      code: 0,
      outcome: 'completed',
      latencyNs: write.t - queued.t,
      deviceLatencyNs: prg.t - pr.t,
    });
    // Every stage, in causal order; the device waits longer than user space takes to answer.
    const stages = [f!.prSeq!, f!.queuedSeq!, f!.readSeq!, f!.responseSeq!, f!.pageRespSeq!, f!.prgRespSeq!];
    expect([...stages].sort((a, b) => a - b)).toEqual(stages);
    expect(new Set(stages).size).toBe(stages.length);
    expect(f!.latencyNs).toBeGreaterThan(0);
    expect(f!.deviceLatencyNs).toBeGreaterThan(f!.latencyNs!);
  });

  it('finds every page request group of a busy session, across devices and PASIDs, all completed', async () => {
    const { db } = freshDb();
    const id = await record(db, manyFaultsSource({ accesses: 30 }));
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
  it('tracks PRQ occupancy, the deliver list, cookies and outstanding PRGs through the happy path', async () => {
    const { db } = freshDb();
    const id = await record(db);
    const events = [...iterateEvents(db, id)];
    const at = (e: EventRow) => reducePathState(initialPathState(), events.slice(0, e.seq + 1));
    const pr = [nth(events, 'PR_SEND', 0), nth(events, 'PR_SEND', 1)];
    const enq = [nth(events, 'PRQ_ENQ', 0), nth(events, 'PRQ_ENQ', 1)];
    const partial = nth(events, 'IOPF_PARTIAL');
    const group = nth(events, 'IOPF_GROUP');
    const queued = nth(events, 'FAULT_QUEUED');
    const reads = [nth(events, 'FAULT_READ', 0), nth(events, 'FAULT_READ', 1)];
    const dev = pr[0]!.dev!;
    expect(at(pr[1]!).devices).toEqual([{ dev, prgs: [{ grpid: 0, pasid: 1, requests: 2, seq: pr[0]!.seq }], requests: 2 }]);
    expect(at(enq[1]!).prq[0]!.entries.map((e) => e.seq)).toEqual([enq[0]!.seq, enq[1]!.seq]);
    expect(at(partial).prq[0]!.entries.map((e) => e.seq)).toEqual([enq[1]!.seq]);
    expect(at(partial).partial).toEqual([{ dev, pasid: 1, grpid: 0, faults: 1, seq: partial.seq }]);
    expect(at(group).prq[0]).toMatchObject({ entries: [], highWater: 2 });
    expect(at(group).partial).toEqual([]);
    expect(at(queued).deliver).toEqual([{ dev, pasid: 1, grpid: 0, addr: '0xdeadc000', seq: queued.seq }]);
    expect(at(reads[0]!).deliver).toEqual([]);
    expect(at(reads[1]!).cookies).toEqual([{ dev, cookie: 1, pasid: 1, grpid: 0, seq: reads[0]!.seq }]);
    expect(at(nth(events, 'RESPONSE_WRITE')).cookies).toEqual([]);
    // The device holds its request credits until the PRG response arrives.
    expect(at(nth(events, 'PAGE_RESPONSE')).devices).toEqual([{ dev, prgs: [{ grpid: 0, pasid: 1, requests: 2, seq: pr[0]!.seq }], requests: 2 }]);
    expect(at(nth(events, 'PRG_RESP_RECV')).devices).toEqual([{ dev, prgs: [], requests: 0 }]);
    expect(at(events.at(-1)!).totals).toMatchObject({ faultsQueued: 1, groupsRead: 1, responses: 1, pageResponses: 1, prgResponses: 1 });
  });

  it('is pure: the input state is not changed and equal inputs give equal outputs', async () => {
    const { db } = freshDb();
    const id = await record(db);
    const events = [...iterateEvents(db, id)];
    // Split just after the group is queued: a state with a PRG outstanding and a group on the deliver list.
    const split = nth(events, 'FAULT_QUEUED').seq + 1;
    const mid = reducePathState(initialPathState(), events.slice(0, split));
    expect(mid.deliver).toHaveLength(1);
    expect(mid.devices[0]!.prgs).toHaveLength(1);
    const frozen = JSON.stringify(mid);
    const a = reducePathState(mid, events.slice(split));
    const b = reducePathState(mid, events.slice(split));
    expect(JSON.stringify(mid)).toBe(frozen);
    expect(a).toEqual(b);
    expect(a).toEqual(reducePathState(initialPathState(), events));
  });

  it('state at any seq: restoring the nearest checkpoint and re-applying equals reducing from the start', async () => {
    const { db } = freshDb();
    const id = await record(db, manyFaultsSource({ accesses: 40 }));
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

  it('returns the engine checkpoint nearest at or before the seq alongside', async () => {
    const { db } = freshDb();
    const id = await record(db);
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

  it('buckets a window per track at a power-of-two resolution, with the longest slice per bucket', async () => {
    const { db } = freshDb();
    const id = await record(db);
    const events = [...iterateEvents(db, id)];
    const [f] = listFaults(db, id);
    // The whole session in 16 buckets of a power-of-two width.
    const to = 2 ** Math.ceil(Math.log2(events.at(-1)!.t + 1));
    const bucketNs = to / 16;
    const w = timelineWindow(db, { sessionId: id, by: 't', from: 0, to, buckets: 16 });
    expect(w).toMatchObject({ bucketNs, firstBucket: 0, bucketCount: 16, path: 'raw', slices: true, fromSeq: 0, toSeq: events.length - 1 });
    expect(total(w)).toBe(events.length);
    const device = w.tracks.find((t) => t.uri === `device#${f!.dev}/pasid#1`)!;
    // The device lane's events, bucket by bucket.
    const perBucket = new Map<number, number>();
    for (const e of events) if (e.layer === 'device' && e.dev === f!.dev && e.pasid === 1) perBucket.set(Math.floor(e.t / bucketNs), (perBucket.get(Math.floor(e.t / bucketNs)) ?? 0) + 1);
    expect(device.bucket).toEqual([...perBucket.keys()]);
    expect(device.count).toEqual([...perBucket.values()]);
    // PRG slice: first PR_SEND to PRG_RESP_RECV, in the bucket of its start.
    const prBucket = device.bucket.indexOf(Math.floor(f!.prT! / bucketNs));
    expect(device.maxSliceNs[prBucket]).toBe(f!.prgRespT! - f!.prT!);
    expect(device.maxSliceSeq[prBucket]).toBe(f!.prSeq);
    const fq = w.tracks.find((t) => t.uri === `iommufd#${f!.dev}/pasid#1`)!;
    expect(fq.maxSliceNs[fq.bucket.indexOf(Math.floor(f!.queuedT! / bucketNs))]).toBe(f!.responseT! - f!.queuedT!); // FAULT_QUEUED → RESPONSE_WRITE
    expect(w.tracks.map((t) => t.uri)).toContain('iommu');
  });

  it('by seq and by time select the same events; maxEvents returns them', async () => {
    const { db } = freshDb();
    const id = await record(db);
    const bySeq = timelineWindow(db, { sessionId: id, by: 'seq', from: 4, to: 10, buckets: 8, maxEvents: 100 });
    expect(bySeq.events!.map((e) => e.seq)).toEqual([4, 5, 6, 7, 8, 9]);
    // From the first PRQ entry to the group queued on the fault object, both included.
    const events = [...iterateEvents(db, id)];
    const from = nth(events, 'PRQ_ENQ').t;
    const to = nth(events, 'FAULT_QUEUED').t + 1;
    const inRange = events.filter((e) => e.t >= from && e.t < to).map((e) => e.seq);
    expect(inRange.length).toBeGreaterThan(2);
    const byT = timelineWindow(db, { sessionId: id, by: 't', from, to, buckets: 8 });
    expect([byT.fromSeq, byT.toSeq]).toEqual([inRange[0], inRange.at(-1)]);
    const same = timelineWindow(db, { sessionId: id, by: 'seq', from: byT.fromSeq, to: byT.toSeq + 1, buckets: 8, maxEvents: 100 });
    expect(same.events!.map((e) => e.seq)).toEqual(inRange);
  });

  it('the LOD pyramid gives the same cells as grouping the events, at every stored level', async () => {
    const { db } = freshDb();
    const id = await record(db, manyFaultsSource({ accesses: 60 }));
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
      sink.emit({ seq, t: ns(seq * 100), kind: 'PR_SEND', layer: 'device', dev: 2, pasid: 1, grpid: seq, cookie: null, addr: 0x1000n, perm: 1, code: null, errno: null, parent: null, raw: null, note: null, line: null, iommu: null });
    const w = timelineWindow(db, { sessionId: id, by: 'seq', from: 0, to: 100, buckets: 4 });
    expect(w).toMatchObject({ path: 'raw', slices: false, toSeq: 29 });
    expect(w.tracks).toHaveLength(1);
    expect(w.tracks[0]).toMatchObject({ trackId: null, uri: 'device#2/pasid#1' });
    expect(total(w)).toBe(30);
  });
});

describe('lifecycle of a cookie or PRG', () => {
  it('collects members, causes and effects of the fault, found by cookie, PRG, event or id', async () => {
    const { db } = freshDb();
    const id = await record(db);
    const events = [...iterateEvents(db, id)];
    const [f] = listFaults(db, id);
    const life = faultLifecycle(db, id, { cookie: 1 });
    expect(life.fault.id).toBe(f!.id);
    const seqs = life.events.map((e) => e.seq);
    expect([...new Set(seqs)].sort((a, b) => a - b)).toEqual(seqs);
    const role = new Map(life.events.map((e) => [e.seq, e.role]));
    const withRole = (r: string) => life.events.filter((e) => e.role === r);
    // Members: the events naming the fault's (dev, PRG), and its cookie while user space held it.
    const members = events
      .filter((e) => (e.dev === f!.dev && e.grpid === f!.grpid) || (e.cookie === 1 && e.seq >= f!.readSeq! && e.seq <= f!.responseSeq!))
      .map((e) => e.seq);
    expect(withRole('member').map((e) => e.seq)).toEqual(members);
    for (const s of [f!.prSeq, f!.queuedSeq, f!.readSeq, f!.responseSeq, f!.pageRespSeq, f!.prgRespSeq]) expect(role.get(s!)).toBe('member');
    // Causes: the DMA access and the failed translation that led to the page requests, ancestors of a member.
    const issue = nth(events, 'DMA_ISSUE');
    expect(withRole('cause').map((e) => e.kind)).toEqual(expect.arrayContaining(['DMA_ISSUE', 'ATS_CPL']));
    expect(role.get(issue.seq)).toBe('cause');
    for (const c of withRole('cause')) {
      expect(c.seq).toBeLessThan(f!.prSeq!);
      expect(members.some((m) => ancestors(events, m).includes(c.seq))).toBe(true);
    }
    // Effects: the retried translation and the DMA completion, descendants of a member naming no PRG or cookie.
    const done = nth(events, 'DMA_COMPLETE');
    expect(withRole('effect').map((e) => e.kind)).toEqual(expect.arrayContaining(['RETRY', 'ATS_CPL', 'DMA_COMPLETE']));
    expect(role.get(done.seq)).toBe('effect');
    for (const x of withRole('effect')) {
      expect([x.grpid, x.cookie]).toEqual([null, null]);
      expect(ancestors(events, x.seq).some((p) => role.get(p) === 'member')).toBe(true);
    }
    // Nothing else: no set-up and no checks.
    expect(life.events.filter((e) => e.layer === 'check' || e.kind === 'OBJ_ALLOC' || e.kind === 'IOCTL')).toEqual([]);
    for (const q of [{ dev: f!.dev, grpid: f!.grpid }, { seq: f!.responseSeq! }, { seq: done.seq }, { seq: issue.seq }, { faultId: 1 }]) expect(faultLifecycle(db, id, q).fault.id).toBe(1);
    expect(() => faultLifecycle(db, id, { cookie: 99 })).toThrow(LifecycleError);
  });

  it('tells reused cookies apart by the seq they were used at', async () => {
    const { db } = freshDb();
    const id = await record(db, manyFaultsSource({ accesses: 30 }));
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
  it('decodes the 40-byte fault record and the response with the session profile, and spells codes', async () => {
    const { db } = freshDb();
    const up = await record(db);
    const upEvents = [...iterateEvents(db, up)];
    const read = eventDetail(db, up, nth(upEvents, 'FAULT_READ').seq)!;
    expect(read.decoded).toMatchObject({ struct: 'iommu_hwpt_pgfault', profile: 'upstream', size: 40 });
    const field = (n: string) => read.decoded!.fields.find((f) => f.name === n);
    expect(field('addr')).toEqual({ name: 'addr', offset: 24, size: 8, value: '0xdeadb000' });
    expect(field('flags')?.meaning).toBe('PASID_VALID|NEEDS_PASID(kernel bit 2)');
    expect(field('cookie')?.value).toBe('1');
    expect(read.parent?.kind).toBe('IOPF_PARTIAL');
    expect(read.fault?.id).toBe(1);
    const write = eventDetail(db, up, nth(upEvents, 'RESPONSE_WRITE').seq)!;
    expect(write.decoded).toMatchObject({ struct: 'iommu_hwpt_page_response', size: 8 });
    expect(write.meanings.code).toBe('SUCCESS');
    const v4 = await record(db, happySource, { kernelProfile: 'v4' });
    const w4 = eventDetail(db, v4, nth([...iterateEvents(db, v4)], 'RESPONSE_WRITE').seq)!;
    expect(w4.event.kind).toBe('RESPONSE_WRITE');
    expect(w4.decoded).toMatchObject({ profile: 'v4', size: 32 });
    expect(w4.decoded!.fields.map((f) => f.name)).toEqual(['size', 'flags', 'dev_id', 'pasid', 'grpid', 'code', 'cookie', 'reserved']);
    expect(eventDetail(db, up, nth(upEvents, 'DMA_ISSUE').seq)!.decoded).toBeNull();
    expect(eventDetail(db, up, upEvents.length)).toBeUndefined();
  });
});

describe('statistics', () => {
  it('nearest-rank percentiles', () => {
    expect(latencyStats([])).toBeNull();
    const s = latencyStats(Array.from({ length: 100 }, (_, i) => 100 - i))!;
    expect(s).toMatchObject({ count: 100, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
    expect(latencyStats([7])).toMatchObject({ p50: 7, p99: 7, max: 7 });
  });

  it('groups latencies per device, PASID and response code, and the groups add up', async () => {
    const { db } = freshDb();
    const id = await record(db, manyFaultsSource({ accesses: 30 }));
    const s = sessionStats(db, id);
    expect(s.faults).toBe(listFaults(db, id).length);
    expect(s.outcomes).toEqual({ completed: s.faults });
    // Both devices, as the events name them.
    const devs = [...new Set([...iterateEvents(db, id)].filter((e) => e.kind === 'PR_SEND').map((e) => e.dev!))].sort((a, b) => a - b);
    expect(devs).toHaveLength(2);
    expect(s.byDevice.map((g) => g.dev)).toEqual(devs);
    expect(s.byDevice.reduce((a, g) => a + g.faults, 0)).toBe(s.faults);
    expect(s.byPasid).toHaveLength(6);
    expect(s.byCode).toEqual([expect.objectContaining({ code: 0, codeName: 'SUCCESS', faults: s.faults })]);
    expect(s.overall.latency!.count).toBe(s.faults);
    expect(s.overall.latency!.max).toBe(Math.max(...listFaults(db, id).map((f) => f.latencyNs!)));
    expect(s.kindCounts.PR_SEND).toBeGreaterThan(0);
  });
});
