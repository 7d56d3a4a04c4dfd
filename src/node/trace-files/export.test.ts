import { formatRid } from '../../shared/pci';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventRow } from '../../shared/events';
import type { SqlDatabase } from '../db/sql-database';
import { listFaults } from '../analysis/faults';
import { PathStateMachine } from '../analysis/path-state';
import { iterateEvents } from '../recorder/event-rows';
import { recordRun } from '../recorder/record-run';
import { freshDb, happySource, manyFaultsSource, useTempDatabases } from '../recorder/testing/fixtures';
import { runScenarioScript } from '../scenario-runtime/run-scenario-script';
import { MemoryByteSink } from './byte-sink';
import { PF, SEQ_INCREMENTAL_STATE_CLEARED, SEQUENCE_ID, TYPE_COUNTER, TYPE_INSTANT, TYPE_SLICE_BEGIN, TYPE_SLICE_END } from './pftrace-export';
import { decodeMessage, num, nums, str, strs, sub, subs, type ProtoMessage } from './testing/proto-decode';
import { exportSessionToFile, writeSession } from './trace-files';

useTempDatabases();

async function record(db: SqlDatabase, source = happySource): Promise<number> {
  return (await recordRun(db, source, 'test.json', { appVersion: 't' })).sessionId;
}

/**
 * What a counter track must show: the value after the last event of each
 * timestamp, from the timestamp of the first event that samples it, written
 * only when it changes (the rule in trace-model.ts), computed here from the
 * path state machine over the recorded events.
 */
function expectedCounter(events: readonly EventRow[], samples: (e: EventRow) => boolean, value: (m: PathStateMachine) => number): number[] {
  const m = new PathStateMachine();
  const out: number[] = [];
  let started = false;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    m.apply(e);
    started ||= samples(e);
    const lastAtT = i + 1 === events.length || events[i + 1]!.t !== e.t;
    if (started && lastAtT && out.at(-1) !== value(m)) out.push(value(m));
  }
  return out;
}

interface DecodedEvent {
  readonly t: number;
  readonly type: number;
  readonly track: number;
  readonly name?: string;
  readonly categories: string[];
  readonly flows: number[];
  readonly terminating: number[];
  readonly correlation?: number;
  readonly counter?: number;
  readonly args: Map<string, ProtoMessage>;
}

function decodePftrace(bytes: Uint8Array) {
  const trace = decodeMessage(bytes);
  expect([...trace.keys()]).toEqual([PF.Trace.packet]);
  const packets = subs(trace, PF.Trace.packet);
  const tracks = new Map<number, { name: string; parent?: number; counter: boolean }>();
  const events: DecodedEvent[] = [];
  for (const p of packets) {
    expect(num(p, PF.TracePacket.trustedPacketSequenceId)).toBe(SEQUENCE_ID);
    const td = sub(p, PF.TracePacket.trackDescriptor);
    if (td) {
      const uuid = num(td, PF.TrackDescriptor.uuid)!;
      expect(tracks.has(uuid)).toBe(false);
      const parent = num(td, PF.TrackDescriptor.parentUuid);
      if (parent !== undefined) expect(tracks.has(parent)).toBe(true);
      tracks.set(uuid, { name: str(td, PF.TrackDescriptor.name)!, ...(parent !== undefined ? { parent } : {}), counter: td.has(PF.TrackDescriptor.counter) });
      continue;
    }
    const te = sub(p, PF.TracePacket.trackEvent)!;
    expect(te).toBeDefined();
    const track = num(te, PF.TrackEvent.trackUuid)!;
    expect(tracks.has(track)).toBe(true); // described before first use
    const args = new Map<string, ProtoMessage>();
    for (const a of subs(te, PF.TrackEvent.debugAnnotations)) args.set(str(a, PF.DebugAnnotation.name)!, a);
    events.push({
      t: num(p, PF.TracePacket.timestamp)!,
      type: num(te, PF.TrackEvent.type)!,
      track,
      ...(te.has(PF.TrackEvent.name) ? { name: str(te, PF.TrackEvent.name)! } : {}),
      categories: strs(te, PF.TrackEvent.categories),
      flows: nums(te, PF.TrackEvent.flowIds),
      terminating: nums(te, PF.TrackEvent.terminatingFlowIds),
      ...(te.has(PF.TrackEvent.correlationId) ? { correlation: num(te, PF.TrackEvent.correlationId)! } : {}),
      ...(te.has(PF.TrackEvent.counterValue) ? { counter: num(te, PF.TrackEvent.counterValue)! } : {}),
      args,
    });
  }
  return { packets, tracks, events };
}

describe('Perfetto .pftrace export', () => {
  it('is a stream of TracePackets on one sequence whose first packet clears incremental state', async () => {
    const { db } = freshDb();
    const id = await record(db);
    const out = new MemoryByteSink();
    writeSession(db, id, 'pftrace', out);
    const { packets } = decodePftrace(out.bytes());
    expect(num(packets[0]!, PF.TracePacket.sequenceFlags)).toBe(SEQ_INCREMENTAL_STATE_CLEARED);
    expect(num(packets[0]!, PF.TracePacket.firstPacketOnSequence)).toBe(1);
    expect(packets.slice(1).every((p) => !p.has(PF.TracePacket.sequenceFlags))).toBe(true);
  });

  it('has device/PASID, fault-queue and policy tracks, PRG/queued/cookie slices, a flow and correlation id per fault, and counters', async () => {
    const { db } = freshDb();
    const id = await record(db);
    const [f, ...others] = listFaults(db, id);
    expect(others).toEqual([]);
    const recorded = [...iterateEvents(db, id)];
    const device = `device ${formatRid(f!.dev)}`;
    const out = new MemoryByteSink();
    const r = writeSession(db, id, 'pftrace', out);
    const { tracks, events } = decodePftrace(out.bytes());
    const names = [...tracks.values()].map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining([device, 'PASID 1', 'iommufd fault queue', 'queued groups', 'policy (user space)', 'cookies held', 'IOMMU 0 (PRQ, page responses)', 'io-pgfault (kernel)', 'checks']));
    const byName = (n: string) => [...tracks.entries()].find(([, t]) => t.name === n)![0];
    expect(tracks.get(byName('PASID 1'))!.parent).toBe(byName(device));
    // Every recorded event appears once, as an instant or as the begin of its slice, carrying its seq.
    const carriers = events.filter((e) => e.type === TYPE_INSTANT || e.type === TYPE_SLICE_BEGIN);
    expect(carriers.map((e) => num(e.args.get('seq')!, PF.DebugAnnotation.uintValue))).toEqual(Array.from({ length: r.events }, (_, i) => i));
    // Timestamps never go back.
    const ts = events.map((e) => e.t);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);

    // Slices: begin/end pairs per lane, never overlapping on one track.
    const open = new Map<number, DecodedEvent>();
    const slices: { name: string; track: string; begin: number; end: number }[] = [];
    for (const e of events) {
      if (e.type === TYPE_SLICE_BEGIN) {
        expect(open.has(e.track)).toBe(false);
        open.set(e.track, e);
      } else if (e.type === TYPE_SLICE_END) {
        const b = open.get(e.track)!;
        expect(b).toBeDefined();
        open.delete(e.track);
        slices.push({ name: b.name!, track: tracks.get(e.track)!.name, begin: b.t, end: e.t });
      }
    }
    expect(open.size).toBe(0);
    // PRG: first PR_SEND → PRG_RESP_RECV; queued: FAULT_QUEUED → first FAULT_READ; cookie: that read → the response.
    const queuedName = `queued ${formatRid(f!.dev)} PASID 1 PRG 0`;
    expect(slices).toEqual(
      [
        { name: 'PRG 0', track: 'PASID 1', begin: f!.prT, end: f!.prgRespT },
        { name: queuedName, track: 'queued groups', begin: f!.queuedT, end: f!.readT },
        { name: 'cookie 1', track: 'cookies held', begin: f!.readT, end: f!.responseT },
      ].sort((a, b) => a.end! - b.end!),
    );

    // One flow (id = fault 1): page request → queued → cookie → page response → PRG response, where it ends.
    const flowSteps = events.filter((e) => e.flows.includes(1) || e.terminating.includes(1));
    expect(flowSteps.map((e) => [e.name, e.t, e.terminating.length > 0])).toEqual([
      ['PRG 0', f!.prT, false],
      [queuedName, f!.queuedT, false],
      ['cookie 1', f!.readT, false],
      ['PAGE_RESPONSE', f!.pageRespT, false],
      ['PRG_RESP_RECV', f!.prgRespT, true],
    ]);
    // Correlation id = the fault on all its events; none on events outside it.
    const correlated = events.filter((e) => e.correlation === 1);
    expect(correlated.map((e) => e.name)).toEqual(
      expect.arrayContaining(['PRG 0', 'PR_SEND', 'PRQ_ENQ', 'IOPF_GROUP', queuedName, 'cookie 1', 'FAULT_READ', 'RESPONSE_WRITE', 'PAGE_RESPONSE', 'PRG_RESP_RECV']),
    );
    // …and only on events of its PRG or its cookie.
    const seqOf = (e: DecodedEvent) => num(e.args.get('seq')!, PF.DebugAnnotation.uintValue)!;
    for (const e of correlated) {
      const row = recorded[seqOf(e)]!;
      expect(row.seq >= f!.firstSeq && row.seq <= f!.lastSeq).toBe(true);
      expect((row.dev === f!.dev && row.grpid === f!.grpid) || row.cookie === f!.cookie).toBe(true);
    }
    expect(events.find((e) => e.name === 'DMA_ISSUE')!.correlation).toBeUndefined();
    expect(events.filter((e) => e.name === 'ASSERT_PASS').every((e) => e.correlation === undefined)).toBe(true);
    // The 40-byte record rides along as a debug annotation; the IOVA as a pointer.
    const read = events.find((e) => e.name === 'FAULT_READ')!;
    expect(str(read.args.get('raw')!, PF.DebugAnnotation.stringValue)).toHaveLength(80);
    const begin = events.find((e) => e.name === 'PRG 0')!;
    expect(num(begin.args.get('addr')!, PF.DebugAnnotation.pointerValue)).toBe(0xdeadb000);
    expect(begin.categories).toEqual(['iopf', 'device']);

    // Counters, one sample per timestamp (the value after its last event), as the path state says.
    const counter = (n: string) => events.filter((e) => e.type === TYPE_COUNTER && e.track === byName(n)).map((e) => e.counter);
    const prgs = `${device} outstanding PRGs`;
    for (const n of ['groups on the deliver list', 'outstanding groups (cookies held)', 'PRQ occupancy', prgs]) expect(tracks.get(byName(n))!.counter).toBe(true);
    const deliver = expectedCounter(recorded, () => true, (m) => m.queuedGroups);
    const cookies = expectedCounter(recorded, () => true, (m) => m.outstandingCookies);
    const prq = expectedCounter(recorded, (e) => e.layer === 'iommu' || e.layer === 'kernel', (m) => m.prqOccupancy(0));
    const devicePrgs = expectedCounter(recorded, (e) => e.dev === f!.dev && (e.kind === 'PR_SEND' || e.kind === 'PRG_RESP_RECV'), (m) => m.outstandingPrgs(f!.dev));
    expect(counter('groups on the deliver list')).toEqual(deliver);
    expect(counter('outstanding groups (cookies held)')).toEqual(cookies);
    expect(counter('PRQ occupancy')).toEqual(prq);
    expect(counter(prgs)).toEqual(devicePrgs);
    // The happy path's shape: one group queued then read, one cookie held then answered,
    // both pages in the PRQ at once then drained, one PRG outstanding then answered.
    expect(deliver).toEqual(f!.queuedT! < f!.readT! ? [0, 1, 0] : [0]);
    expect(cookies).toEqual([0, 1, 0]);
    expect(Math.max(...prq)).toBe(2);
    expect(prq.at(-1)).toBe(0);
    expect(devicePrgs).toEqual([1, 0]);
  });

  it('gives concurrent faults their own lanes and a flow each', async () => {
    const { db } = freshDb();
    const id = await record(db, manyFaultsSource({ accesses: 30 }));
    const out = new MemoryByteSink();
    writeSession(db, id, 'pftrace', out);
    const { tracks, events } = decodePftrace(out.bytes());
    const lanes = [...tracks.values()].filter((t) => t.name === 'cookies held');
    expect(lanes.length).toBeGreaterThan(1);
    const faults = listFaults(db, id);
    const terminated = new Set(events.flatMap((e) => e.terminating));
    expect(terminated).toEqual(new Set(faults.map((f) => f.id)));
    expect(events.filter((e) => e.type === TYPE_SLICE_BEGIN && e.name!.startsWith('PRG ')).length).toBe(faults.length);
  });
});

/** Two VT-d units, a device behind each, one fault each (topology.iommu.units). */
const TWO_UNITS = [
  "import { scenario, vmmSetup, mapThenSuccess, dma } from 'iopf';",
  'export default scenario({',
  "  name: 'two-units',",
  "  topology: { iommu: { vendor: 'vtd', units: 2 }, devices: [{ name: '0000:03:00.0' }, { name: '0000:04:00.0', iommu: 1 }] },",
  '  setup: () => vmmSetup({ pasids: [1] }),',
  '  policy: mapThenSuccess({ latencyNs: 2_000 }),',
  '  async workload() {',
  "    await Promise.all([dma('0000:03:00.0', { pasid: 1, addr: 0x1000n, pages: 2 }), dma('0000:04:00.0', { pasid: 1, addr: 0x2000n })]);",
  '  },',
  '});',
].join('\n');

describe('Perfetto .pftrace export of several IOMMU units', () => {
  it('puts each unit’s hardware events on its own track, with a PRQ occupancy counter per unit', async () => {
    const { db, path } = freshDb();
    const run = await runScenarioScript({ source: TWO_UNITS, filename: 'two-units.ts', record: { databasePath: path } });
    expect(run.error).toBeUndefined();
    const id = run.sessionId!;
    const recorded = [...iterateEvents(db, id)];
    const out = new MemoryByteSink();
    writeSession(db, id, 'pftrace', out);
    const { tracks, events } = decodePftrace(out.bytes());

    const iommuTracks = [...tracks.entries()].filter(([, t]) => /^IOMMU \d+ /.test(t.name));
    expect(iommuTracks.map(([, t]) => t.name).sort()).toEqual(['IOMMU 0 (PRQ, page responses)', 'IOMMU 1 (PRQ, page responses)']);
    const unitTrack = (unit: number) => iommuTracks.find(([, t]) => t.name.startsWith(`IOMMU ${unit} `))![0];

    // Every hardware event sits on the track of the unit it names (both units have some).
    const seqOf = (e: DecodedEvent) => num(e.args.get('seq')!, PF.DebugAnnotation.uintValue)!;
    const hardware = events.filter((e) => e.categories.includes('iommu') && e.args.has('seq'));
    expect(hardware.length).toBe(recorded.filter((e) => e.layer === 'iommu').length);
    for (const e of hardware) {
      const row = recorded[seqOf(e)]!;
      expect(row.iommu, `${row.kind} #${row.seq}`).not.toBeNull();
      expect(e.track, `${row.kind} #${row.seq}`).toBe(unitTrack(row.iommu!));
    }
    expect(new Set(hardware.map((e) => recorded[seqOf(e)]!.iommu))).toEqual(new Set([0, 1]));
    expect(recorded.filter((e) => e.kind === 'PRQ_ENQ').map((e) => e.iommu).sort()).toEqual([0, 0, 1]);

    // One PRQ occupancy counter under each unit, as the path state counts that unit's queue.
    for (const unit of [0, 1]) {
      const counters = [...tracks.entries()].filter(([, t]) => t.counter && t.name === 'PRQ occupancy' && t.parent === unitTrack(unit));
      expect(counters).toHaveLength(1);
      const shown = events.filter((e) => e.type === TYPE_COUNTER && e.track === counters[0]![0]).map((e) => e.counter);
      const expected = expectedCounter(recorded, (e) => (e.layer === 'iommu' || e.layer === 'kernel') && (e.iommu ?? 0) === unit, (m) => m.prqOccupancy(unit));
      expect(shown).toEqual(expected);
      expect(Math.max(...expected)).toBe(unit === 0 ? 2 : 1);
    }
  });
});

describe('Chrome JSON export', () => {
  it('loads as a JSON array with every event, µs timestamps exact to the ns, slices, flows and counters', async () => {
    const { db, dir } = freshDb();
    const id = await record(db, manyFaultsSource({ accesses: 12 }));
    const file = join(dir, 'out.json');
    const r = exportSessionToFile(db, id, 'chrome', file);
    expect(existsSync(`${file}.partial`)).toBe(false);
    const all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
    expect(Array.isArray(all)).toBe(true);
    expect(all.length).toBe(r.records);
    expect(all[0]).toMatchObject({ ph: 'M', name: 'iopf_session', args: { format: 'iopf-chrome', version: 1, session: { eventCount: r.events } } });
    type Ev = { ph: string; pid: number; tid: number; ts: number; dur?: number; id?: number; bp?: string; name: string; cat?: string; args: Record<string, unknown> };
    const evs = all as unknown as Ev[];
    const rowsOut = evs.filter((e) => e.ph === 'i');
    expect(rowsOut.map((e) => e.args.seq)).toEqual(Array.from({ length: r.events }, (_, i) => i));
    for (const e of rowsOut) {
      expect(Math.round(e.ts * 1000)).toBe(e.args.t);
      expect(e.name).toBe(e.args.kind);
    }
    // Threads are named; every (pid, tid) used has a thread_name.
    const named = new Set(evs.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => `${e.pid}/${e.tid}`));
    for (const e of evs.filter((x) => x.ph === 'i' || x.ph === 'X')) expect(named.has(`${e.pid}/${e.tid}`)).toBe(true);
    // Flows: s, t…, f (bp "e") per fault, each inside an X slice on its thread.
    const slices = evs.filter((e) => e.ph === 'X');
    const faults = listFaults(db, id);
    expect(slices.filter((s) => s.name.startsWith('PRG ')).length).toBe(faults.length);
    for (const f of faults) {
      const steps = evs.filter((e) => (e.ph === 's' || e.ph === 't' || e.ph === 'f') && e.id === f.id);
      expect(steps.map((s) => s.ph)).toEqual(['s', 't', 't', 'f']);
      expect(steps.at(-1)!.bp).toBe('e');
      expect(steps.at(-1)!.ts * 1000).toBeCloseTo(f.prgRespT!, 6);
      for (const s of steps) {
        const ns = (us: number): number => Math.round(us * 1000);
        const enclosing = slices.filter((x) => x.pid === s.pid && x.tid === s.tid && ns(x.ts) <= ns(s.ts) && ns(s.ts) <= ns(x.ts) + ns(x.dur!));
        expect(enclosing.length).toBeGreaterThan(0);
      }
    }
    expect(evs.filter((e) => e.ph === 'C' && e.name === 'groups on the deliver list').length).toBeGreaterThan(2);
  });
});

describe('exporting', () => {
  it('refuses a session that is still recording and leaves no file behind', async () => {
    const { db, dir } = freshDb();
    const id = await record(db);
    db.prepare(`UPDATE sessions SET status = 'running' WHERE id = ?`).run(id);
    const file = join(dir, 'x.pftrace');
    expect(() => exportSessionToFile(db, id, 'pftrace', file)).toThrow(/still recording/);
    expect(existsSync(file) || existsSync(`${file}.partial`)).toBe(false);
    expect(() => exportSessionToFile(db, 99, 'chrome', file)).toThrow(/no session 99/);
  });
});
