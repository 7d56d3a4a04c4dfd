/**
 * The timeline's counter series (PRQ occupancy per IOMMU unit, PRI credits in
 * use per device) stored in the LOD pyramid, checked against the path-state
 * reducer on a synthetic stream; the filtered raw window; the session's
 * current end in every answer; old indexes rebuilt on first read.
 */
import { describe, expect, it } from 'vitest';
import type { CounterWindow, TimelineWindow } from '../../shared/api/analysis';
import type { EventFilter } from '../../shared/api/workbench';
import type { EventKind, EventRow, Layer } from '../../shared/events';
import { ns } from '../../shared/time';
import type { SqlDatabase } from '../db/sql-database';
import { iterateEvents } from '../recorder/event-rows';
import { SessionStore } from '../recorder/session-store';
import { SqliteSink } from '../recorder/sqlite-sink';
import { freshDb, useTempDatabases } from '../recorder/testing/fixtures';
import { CHUNK_BUCKETS, coarsenCounters, counterOfTrack, counterTrackId, withChunkStarts } from './lod';
import { initialPathState, reducePathState, type PathState } from './path-state';
import { ensureIndexed, indexSession, INDEX_VERSION } from './session-index';
import { timelineWindow } from './timeline';

useTempDatabases();

interface Action {
  readonly t: number;
  readonly kind: EventKind;
  readonly layer: Layer;
  readonly dev: number;
  readonly grpid: number;
  readonly iommu: number | null;
}

const DEVS = [0x300, 0x308, 0x310];

/**
 * Faults on three devices behind two IOMMU units: 1–3 page requests per
 * group, each enqueued on its device's unit, consumed by io-pgfault (which
 * names no unit), answered later. Some groups stay open for a long while
 * and the stream has idle stretches, so counters hold non-zero values across
 * many LOD chunks. Deterministic.
 */
function syntheticStream(faults: number): Action[] {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  const out: (Action & { order: number })[] = [];
  let order = 0;
  const at = (t: number, kind: EventKind, layer: Layer, dev: number, grpid: number, iommu: number | null): void => {
    out.push({ t, kind, layer, dev, grpid, iommu, order: order++ });
  };
  let t = 1_000;
  for (let i = 0; i < faults; i++) {
    t += 200 + rand(600);
    if (i % 700 === 350) t += 3_000_000; // idle
    const dev = DEVS[i % DEVS.length]!;
    const unit = dev === 0x310 ? 1 : 0;
    const grpid = i % 500;
    const requests = 1 + rand(3);
    for (let r = 0; r < requests; r++) at(t + r * 10, 'PR_SEND', 'device', dev, grpid, null);
    for (let r = 0; r < requests; r++) at(t + 100 + r * 10, 'PRQ_ENQ', 'iommu', dev, grpid, unit);
    // Every 97th group waits in the queue for a long time.
    const consumeAt = t + (i % 97 === 5 ? 5_000_000 : 500 + rand(4_000));
    for (let r = 0; r < requests; r++) at(consumeAt + r * 5, r + 1 < requests ? 'IOPF_PARTIAL' : 'IOPF_GROUP', 'kernel', dev, grpid, null);
    at(consumeAt + 2_000 + rand(2_000), 'PRG_RESP_RECV', 'device', dev, grpid, null);
  }
  return out.sort((a, b) => a.t - b.t || a.order - b.order);
}

function record(db: SqlDatabase, actions: readonly Action[]): number {
  const store = new SessionStore(db);
  const id = store.create({ name: 'counters', scenarioName: 'counters', scenarioSource: '{}', scenarioHash: '0', seed: 1, kernelProfile: 'upstream', vendor: 'vtd', appVersion: 't' });
  const sink = new SqliteSink(db, id, 10_000, 32, { threadAfter: Infinity });
  actions.forEach((a, seq) =>
    sink.emit({ seq, t: ns(a.t), kind: a.kind, layer: a.layer, dev: a.dev, pasid: 1, grpid: a.grpid, cookie: null, addr: 0x1000n, perm: 1, code: null, errno: null, parent: null, raw: null, note: null, line: null, iommu: a.iommu }),
  );
  sink.flush();
  store.finish(id, 'complete', { eventCount: actions.length, endNs: BigInt(actions.at(-1)!.t), passed: 0, failed: 0, summary: 'ok' });
  return id;
}

/** Series key → value, read from a path state (the reducer's view). */
function counterValues(s: PathState): Map<string, number> {
  const out = new Map<string, number>();
  for (const q of s.prq) out.set(`counter#prq/iommu#${q.iommu}`, q.entries.length);
  for (const d of s.devices) out.set(`counter#pri/dev#${d.dev}`, d.requests);
  return out;
}

/** The reducer's value of every series after each event. */
function reducerTimeline(events: readonly EventRow[]): { t: number; values: Map<string, number> }[] {
  let state = initialPathState();
  return events.map((e) => {
    state = reducePathState(state, [e]);
    return { t: e.t, values: counterValues(state) };
  });
}

/** Per series and bucket of [first, first + count): the largest value (entering value included) and the last, from the reducer. */
function expectedDense(steps: ReturnType<typeof reducerTimeline>, keys: readonly string[], bucketNs: number, first: number, count: number): Map<string, { max: number[]; last: number[] }> {
  const out = new Map<string, { max: number[]; last: number[] }>();
  for (const key of keys) {
    const max: number[] = [];
    const last: number[] = [];
    let i = 0;
    let value = 0;
    for (let b = first; b < first + count; b++) {
      const end = (b + 1) * bucketNs;
      let m = -Infinity;
      // Events before the bucket only move the entering value.
      while (i < steps.length && steps[i]!.t < b * bucketNs) value = steps[i++]!.values.get(key) ?? 0;
      m = value;
      while (i < steps.length && steps[i]!.t < end) {
        value = steps[i++]!.values.get(key) ?? 0;
        m = Math.max(m, value);
      }
      max.push(m);
      last.push(value);
    }
    out.set(key, { max, last });
  }
  return out;
}

/** The answer's counters expanded to every bucket of [first, first + count) (a missing bucket holds the value before it). */
function answerDense(c: CounterWindow, keys: readonly string[], first: number, count: number): Map<string, { max: number[]; last: number[] }> {
  const out = new Map<string, { max: number[]; last: number[] }>();
  for (const key of keys) {
    const s = c.series.find((x) => x.key === key);
    const max: number[] = [];
    const last: number[] = [];
    let value = s?.entry ?? 0;
    let j = 0;
    for (let b = first; b < first + count; b++) {
      const rel = b - c.firstBucket;
      if (s && j < s.bucket.length && s.bucket[j] === rel) {
        max.push(s.max[j]!);
        value = s.last[j]!;
        j++;
      } else max.push(value);
      last.push(value);
    }
    out.set(key, { max, last });
  }
  return out;
}

describe('LOD counter series', () => {
  it('track ids of counter series round-trip and never collide with event tracks', () => {
    expect(counterOfTrack(counterTrackId('prq', 3))).toEqual({ kind: 'prq', unit: 3 });
    expect(counterOfTrack(counterTrackId('pri', 0xffff))).toEqual({ kind: 'pri', unit: 0xffff });
    expect(counterOfTrack(12)).toBeNull();
    expect(() => counterTrackId('pri', -1)).toThrow(/out of range/);
  });

  it('coarsening keeps the larger max and the later value; chunk starts carry a non-zero value', () => {
    const s = counterTrackId('prq', 0);
    expect(coarsenCounters([{ bucket: 4, series: s, max: 3, last: 1 }, { bucket: 5, series: s, max: 2, last: 2 }, { bucket: 6, series: s, max: 4, last: 0 }])).toEqual([
      { bucket: 2, series: s, max: 3, last: 2 },
      { bucket: 3, series: s, max: 4, last: 0 },
    ]);
    const filled = withChunkStarts([{ bucket: 10, series: s, max: 2, last: 2 }, { bucket: 3 * CHUNK_BUCKETS + 7, series: s, max: 2, last: 0 }], 5 * CHUNK_BUCKETS);
    expect(filled.map((c) => c.bucket)).toEqual([10, CHUNK_BUCKETS, 2 * CHUNK_BUCKETS, 3 * CHUNK_BUCKETS, 3 * CHUNK_BUCKETS + 7]);
    expect(filled[1]).toMatchObject({ max: 2, last: 2 });
  });

  it('match the path-state reducer bucket by bucket, at every level, on both paths, for windows starting anywhere', () => {
    const { db } = freshDb();
    const actions = syntheticStream(2_500);
    const id = record(db, actions);
    const info = indexSession(db, id);
    const events = [...iterateEvents(db, id)];
    const steps = reducerTimeline(events);
    const keys = [...new Set(steps.flatMap((s) => [...s.values.keys()]))].sort();
    expect(keys).toEqual(['counter#pri/dev#768', 'counter#pri/dev#776', 'counter#pri/dev#784', 'counter#prq/iommu#0', 'counter#prq/iommu#1']);
    // The base level spans several chunks, so chunk starts are exercised.
    expect((info.lastT - info.firstT) / 2 ** info.lodBase).toBeGreaterThan(3 * CHUNK_BUCKETS);

    const check = (w: TimelineWindow, from: number, to: number): void => {
      const c = w.counters!;
      expect(c).toBeDefined();
      const first = Math.floor(from / c.bucketNs);
      const count = Math.floor((to - 1) / c.bucketNs) - first + 1;
      expect(c.firstBucket).toBe(first);
      const want = expectedDense(steps, keys, c.bucketNs, first, count);
      const got = answerDense(c, keys, first, count);
      for (const key of keys) expect({ key, ...got.get(key) }).toEqual({ key, ...want.get(key) });
    };

    const span = info.lastT - info.firstT;
    const windows: [number, number][] = [
      [0, info.lastT + 1],
      [info.firstT + span * 0.3, info.firstT + span * 0.55],
      [info.firstT + span * 0.71, info.lastT + 1000],
      [info.firstT + span * 0.5, info.firstT + span * 0.5 + 50_000],
    ];
    for (const [from, to] of windows)
      for (const buckets of [64, 700, 4000]) {
        check(timelineWindow(db, { sessionId: id, by: 't', from, to, buckets, path: 'lod' }), from, to);
        check(timelineWindow(db, { sessionId: id, by: 't', from, to, buckets, path: 'raw' }), from, to);
      }
    // Somewhere in the session the queue and the credits were really in use.
    const whole = timelineWindow(db, { sessionId: id, by: 't', from: 0, to: info.lastT + 1, buckets: 256 });
    expect(whole.path).toBe('lod');
    expect(Math.max(...whole.counters!.series.find((s) => s.key === 'counter#prq/iommu#0')!.max)).toBeGreaterThan(1);
    expect(Math.max(...whole.counters!.series.find((s) => s.key === 'counter#pri/dev#784')!.max)).toBeGreaterThan(1);
  });

  it('an index of an older version is rebuilt on first read, with its counters', () => {
    const { db } = freshDb();
    const id = record(db, syntheticStream(300));
    indexSession(db, id);
    // As an older version left it: no counter records, an older version number.
    db.prepare('DELETE FROM lod WHERE session_id = ?').run(id);
    db.prepare('UPDATE session_index SET version = ? WHERE session_id = ?').run(INDEX_VERSION - 1000, id);
    expect(ensureIndexed(db, id)!.version).toBe(INDEX_VERSION);
    const w = timelineWindow(db, { sessionId: id, by: 't', from: 0, to: 2 ** 40, buckets: 128, path: 'lod' });
    expect(w.counters!.series.map((s) => s.key)).toContain('counter#prq/iommu#1');
  });
});

describe('timeline windows: filter and the session end', () => {
  const matching = (events: readonly EventRow[], f: (e: EventRow) => boolean, bucketNs: number): Map<string, Map<number, number>> => {
    const out = new Map<string, Map<number, number>>();
    for (const e of events) {
      if (!f(e)) continue;
      const uri = `${e.layer}${e.dev === null ? '' : `#${e.dev}`}${e.pasid === null ? '' : `/pasid#${e.pasid}`}`;
      const m = out.get(uri) ?? new Map<number, number>();
      out.set(uri, m);
      m.set(Math.floor(e.t / bucketNs), (m.get(Math.floor(e.t / bucketNs)) ?? 0) + 1);
    }
    return out;
  };

  it('a raw window counts the events matching a filter per cell; a LOD window says it could not', () => {
    const { db } = freshDb();
    const id = record(db, syntheticStream(400));
    indexSession(db, id);
    const events = [...iterateEvents(db, id)];
    const cases: [EventFilter, (e: EventRow) => boolean][] = [
      [{ kinds: ['PRQ_ENQ'] }, (e) => e.kind === 'PRQ_ENQ'],
      [{ dev: 0x308, layer: 'device' }, (e) => e.dev === 0x308 && e.layer === 'device'],
      [{ text: 'iopf_par' }, (e) => e.kind === 'IOPF_PARTIAL'],
      [{ grpid: 7, kinds: ['PR_SEND', 'PRG_RESP_RECV'] }, (e) => e.grpid === 7 && (e.kind === 'PR_SEND' || e.kind === 'PRG_RESP_RECV')],
    ];
    const to = events.at(-1)!.t + 1;
    for (const [filter, oracle] of cases) {
      const w = timelineWindow(db, { sessionId: id, by: 't', from: 0, to, buckets: 512, path: 'raw', filter });
      expect(w.filtered).toBe(true);
      const want = matching(events, oracle, w.bucketNs);
      for (const track of w.tracks) {
        const got = new Map<number, number>();
        track.bucket.forEach((b, i) => {
          expect(track.matched![i]).toBeLessThanOrEqual(track.count[i]!);
          if (track.matched![i]! > 0) got.set(w.firstBucket + b, track.matched![i]!);
        });
        expect([track.uri, got]).toEqual([track.uri, want.get(track.uri) ?? new Map()]);
      }
      const total = w.tracks.reduce((n, t) => n + t.matched!.reduce((a, b) => a + b, 0), 0);
      expect(total).toBe(events.filter(oracle).length);
      expect(total).toBeGreaterThan(0);
    }
    const lod = timelineWindow(db, { sessionId: id, by: 't', from: 0, to, buckets: 512, path: 'lod', filter: { kinds: ['PRQ_ENQ'] } });
    expect(lod.filtered).toBe(false);
    expect(lod.tracks.every((t) => t.matched === undefined)).toBe(true);
    expect(timelineWindow(db, { sessionId: id, by: 't', from: 0, to, buckets: 8 }).filtered).toBeUndefined();
  });

  it('every answer carries the session’s current last seq and time, which grow while it records', () => {
    const { db } = freshDb();
    const store = new SessionStore(db);
    const id = store.create({ name: 'live', scenarioName: 'live', scenarioSource: '{}', scenarioHash: '0', seed: 1, kernelProfile: 'upstream', vendor: 'vtd', appVersion: 't' });
    const empty = timelineWindow(db, { sessionId: id, by: 'seq', from: 0, to: 1, buckets: 1 });
    expect([empty.lastSeq, empty.lastT]).toEqual([-1, 0]);
    const sink = new SqliteSink(db, id, 5, 32, { threadAfter: Infinity });
    const emit = (seq: number): void =>
      sink.emit({ seq, t: ns(1000 + seq * 250), kind: 'PR_SEND', layer: 'device', dev: 2, pasid: 1, grpid: seq, cookie: null, addr: 0x1000n, perm: 1, code: null, errno: null, parent: null, raw: null, note: null, line: null, iommu: null });
    for (let seq = 0; seq < 10; seq++) emit(seq);
    sink.flush();
    const w1 = timelineWindow(db, { sessionId: id, by: 'seq', from: 0, to: 1, buckets: 1 });
    expect([w1.lastSeq, w1.lastT, w1.counters]).toEqual([9, 1000 + 9 * 250, undefined]);
    for (let seq = 10; seq < 25; seq++) emit(seq);
    sink.flush();
    const w2 = timelineWindow(db, { sessionId: id, by: 'seq', from: 0, to: 1, buckets: 1 });
    expect([w2.lastSeq, w2.lastT]).toEqual([24, 1000 + 24 * 250]);
  });
});
