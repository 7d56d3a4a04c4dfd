/**
 * The iommufd object tables of the fault-path state: the pure reducer over
 * OBJ_ALLOC / OBJ_DESTROY, and a recorded run whose derived table matches,
 * at every event, what the emulator's object tables held when it was emitted.
 */
import { describe, expect, it } from 'vitest';
import type { EventRow, TraceEvent } from '../../shared/events';
import { ns } from '../../shared/time';
import { IOMMUFD_OBJECT_TYPE_NAMES, parseObjectNote } from '../../shared/uapi/iommufd-object-notes';
import * as api from '../../core/scenario/api/index';
import { currentRunOrNull } from '../../core/scenario/api/run-context';
import { createScriptHost } from '../../core/scenario/create-script-host';
import { IommufdDevice } from '../../core/iommufd/device';
import { OBJECT_TYPE_NAMES, type IommufdObject } from '../../core/iommufd/object-table';
import { Vdevice } from '../../core/iommufd/viommu';
import { iterateEvents } from '../recorder/event-rows';
import { SessionStore } from '../recorder/session-store';
import { SqliteSink } from '../recorder/sqlite-sink';
import { freshDb, useTempDatabases } from '../recorder/testing/fixtures';
import { initialPathState, PATH_STATE_VERSION, PathStateMachine, reducePathState } from './path-state';
import { indexSession, INDEX_VERSION, readIndexInfo, ensureIndexed } from './session-index';
import { stateAtSeq } from './state-at';

useTempDatabases();

let nextSeq = 0;
function ev(kind: EventRow['kind'], note: string | null, dev: number | null = null): EventRow {
  const seq = nextSeq++;
  return { seq, t: seq * 10, kind, layer: 'iommufd', dev, pasid: null, grpid: null, cookie: null, addr: null, perm: null, code: null, errno: null, parent: null, raw: null, note, line: null, iommu: null };
}

const table = (events: readonly EventRow[]) => reducePathState(initialPathState(), events).objects;

describe('object notes', () => {
  it('the engine and the analysis name the same object types', () => {
    expect(Object.values(OBJECT_TYPE_NAMES).filter((n) => n !== 'NONE')).toEqual([...IOMMUFD_OBJECT_TYPE_NAMES]);
  });

  it('parses the head and splits off the detail; anything else is not an object note', () => {
    expect(parseObjectNote('IOAS 2')).toEqual({ type: 'IOAS', id: 2, ctx: 1, detail: '' });
    expect(parseObjectNote('HWPT_NESTED 5 on HWPT_PAGING 3, fault 4')).toEqual({ type: 'HWPT_NESTED', id: 5, ctx: 1, detail: 'on HWPT_PAGING 3, fault 4' });
    expect(parseObjectNote('FAULT 4, fd 7 ([iommufd-pgfault])')).toMatchObject({ id: 4, detail: 'fd 7 ([iommufd-pgfault])' });
    expect(parseObjectNote('VDEVICE 6: dev_id 3 as virt_id 0x10 on VIOMMU 5')).toMatchObject({ type: 'VDEVICE', id: 6, detail: 'dev_id 3 as virt_id 0x10 on VIOMMU 5' });
    expect(parseObjectNote('DEVICE 12 ctx 2 bound: 0000:04:00.0')).toEqual({ type: 'DEVICE', id: 12, ctx: 2, detail: 'bound: 0000:04:00.0' });
    for (const bad of [null, '', 'IOAS', 'IOAS x', 'IOAS 0', 'IOAS 2x', 'NONE 1', 'ioas 2', 'context released: destroyed 1, 2', 'HWPT 3'])
      expect(parseObjectNote(bad), String(bad)).toBeNull();
  });
});

describe('iommufd object table (pure reducer)', () => {
  it('adds objects at OBJ_ALLOC and removes them at OBJ_DESTROY, sorted by id, with device and detail', () => {
    nextSeq = 0;
    const events = [
      ev('OBJ_ALLOC', 'IOAS 1'),
      ev('OBJ_ALLOC', 'FAULT 2, fd 4 ([iommufd-pgfault])'),
      ev('OBJ_ALLOC', 'DEVICE 3 bound: 0000:03:00.0', 0x300),
      ev('OBJ_ALLOC', 'HWPT_PAGING 4 on IOAS 1'),
      ev('OBJ_DESTROY', 'IOAS 1'),
      ev('OBJ_ALLOC', 'IOAS 1'),
    ];
    expect(table(events.slice(0, 4))).toEqual([
      { id: 1, type: 'IOAS', ctx: 1, dev: null, detail: '', seq: 0 },
      { id: 2, type: 'FAULT', ctx: 1, dev: null, detail: 'fd 4 ([iommufd-pgfault])', seq: 1 },
      { id: 3, type: 'DEVICE', ctx: 1, dev: 0x300, detail: 'bound: 0000:03:00.0', seq: 2 },
      { id: 4, type: 'HWPT_PAGING', ctx: 1, dev: null, detail: 'on IOAS 1', seq: 3 },
    ]);
    expect(table(events.slice(0, 5)).map((o) => o.id)).toEqual([2, 3, 4]);
    // The id comes back: a new object, allocated at its own seq, listed first again.
    expect(table(events)[0]).toEqual({ id: 1, type: 'IOAS', ctx: 1, dev: null, detail: '', seq: 5 });
  });

  it('keeps contexts apart, ignores notes without a head, and reads the legacy release note', () => {
    nextSeq = 0;
    const events = [
      ev('OBJ_ALLOC', 'IOAS 1'),
      ev('OBJ_ALLOC', 'IOAS 1 ctx 2'),
      ev('OBJ_ALLOC', 'FAULT 2'),
      ev('OBJ_ALLOC', 'something else'),
      ev('OBJ_DESTROY', 'IOAS 1 ctx 2'),
      ev('OBJ_DESTROY', 'not an object'),
    ];
    expect(table(events).map((o) => [o.ctx, o.id, o.type])).toEqual([
      [1, 1, 'IOAS'],
      [1, 2, 'FAULT'],
    ]);
    expect(table([...events, ev('OBJ_DESTROY', 'context released: destroyed 2, 1')])).toEqual([]);
  });

  it('restores from a snapshot (a derived checkpoint) to the same table as reducing from the start', () => {
    nextSeq = 0;
    const events = [ev('OBJ_ALLOC', 'IOAS 1'), ev('OBJ_ALLOC', 'IOAS 3 ctx 2'), ev('OBJ_ALLOC', 'FAULT 2'), ev('OBJ_DESTROY', 'IOAS 1'), ev('OBJ_ALLOC', 'VIOMMU 4 on HWPT_PAGING 2')];
    const mid = JSON.parse(JSON.stringify(reducePathState(initialPathState(), events.slice(0, 2))));
    expect(mid.version).toBe(PATH_STATE_VERSION);
    expect(reducePathState(mid, events.slice(2))).toEqual(reducePathState(initialPathState(), events));
    expect(() => new PathStateMachine({ ...mid, version: PATH_STATE_VERSION - 1 })).toThrow(/version/);
  });
});

const A = '0000:03:00.0';
const B = '0000:04:00.0';

/** Every object type the emulator makes, over two contexts, destroyed by IOMMU_DESTROY, detach, unbind and release. */
const churn = api.scenario({
  name: 'object-churn',
  topology: { devices: [{ name: A }, { name: B }] },
  setup: () => api.vmmSetup({ devices: [A], pasids: [1] }),
  policy: api.mapThenSuccess({ latencyNs: 1_000 }),
  async workload(h) {
    await api.dma(A, { pasid: 1, addr: 0x1000n });
    const dev = h.devices[0]!;
    const viommu = api.must(api.IOMMU_VIOMMU_ALLOC(h.iommufd, { type: api.IOMMU_VIOMMU_TYPE_SELFTEST, dev_id: dev.devId, hwpt_id: dev.parentHwptId }), 'VIOMMU').out_viommu_id;
    const vdev = api.must(api.IOMMU_VDEVICE_ALLOC(h.iommufd, { viommu_id: viommu, dev_id: dev.devId, virt_id: 0x10n }), 'VDEVICE').out_vdevice_id;
    const nested = api.must(api.IOMMU_HWPT_ALLOC(h.iommufd, { dev_id: dev.devId, pt_id: viommu, data_type: api.IOMMU_HWPT_DATA_SELFTEST, data_len: 4 }), 'nested on vIOMMU').out_hwpt_id;
    api.expect(api.IOMMU_DESTROY(h.iommufd, { id: h.ioasId })).toFailWith('EBUSY', 'the IOAS is in use');
    for (const id of [nested, vdev, viommu]) api.must(api.IOMMU_DESTROY(h.iommufd, { id }), `IOMMU_DESTROY ${id}`);
    await api.sleep(1_000);

    // A second context: ids start again at 1.
    const fd2 = api.openIommufd();
    const ioas2 = api.must(api.IOMMU_IOAS_ALLOC(fd2), 'IOAS 2').out_ioas_id;
    const fault2 = api.must(api.IOMMU_FAULT_QUEUE_ALLOC(fd2), 'FAULT 2');
    const vfioB = api.openDevice(B);
    api.must(api.VFIO_DEVICE_BIND_IOMMUFD(vfioB, { iommufd: fd2 }), 'bind B');
    api.must(api.VFIO_DEVICE_ATTACH_IOMMUFD_PT(vfioB, { pt_id: ioas2 }), 'attach B (automatic domain)');
    api.must(api.VFIO_DEVICE_DETACH_IOMMUFD_PT(vfioB), 'detach B');
    api.must(api.VFIO_DEVICE_ATTACH_IOMMUFD_PT(vfioB, { pt_id: ioas2 }), 'attach B again');
    api.close(fault2.out_fault_fd);
    api.close(vfioB); // unbind: detach, the automatic domain, then the device
    api.close(fd2); // release: the IOAS and the fault object
    // The first context: its device leaves; the HWPTs, IOAS and fault object stay (the fault fd holds the context).
    api.close(dev.vfio);
    api.close(h.iommufd);
  },
});

interface ShownObject {
  ctx: number;
  id: number;
  type: string;
  dev: number | null;
}

const engineObject = (ctx: number, o: IommufdObject): ShownObject => ({
  ctx,
  id: o.id,
  type: OBJECT_TYPE_NAMES[o.type],
  dev: o instanceof IommufdDevice ? o.dev.rid : o instanceof Vdevice ? o.idev.dev.rid : null,
});

describe('iommufd object table of a recorded run', () => {
  it('equals the emulator’s object tables after every event, read back through derived checkpoints', async () => {
    const { db } = freshDb();
    const store = new SessionStore(db);
    const sessionId = store.create({ name: 'churn', scenarioName: 'churn', scenarioSource: '{}', scenarioHash: '0', seed: 1, kernelProfile: 'upstream', vendor: 'vtd', appVersion: 't' });
    const sqlite = new SqliteSink(db, sessionId, 64);
    /** What the emulator's tables held when each event was emitted, by seq. */
    const held: ShownObject[][] = [];
    const sink = {
      emit(e: TraceEvent): void {
        sqlite.emit(e);
        const contexts = currentRunOrNull()?.system.proc.contexts ?? [];
        held[e.seq] = contexts.flatMap((c) => c.objects.list().map((o) => engineObject(c.ordinal, o)));
      },
    };
    const outcome = await createScriptHost({ sink }).run(churn, () => new Promise<void>((r) => setTimeout(r, 0)));
    sqlite.flush();
    store.finish(sessionId, 'complete', { eventCount: outcome.eventCount, endNs: outcome.endNs, passed: outcome.passed, failed: outcome.failed, summary: '' });
    expect(outcome.failed).toBe(0);
    indexSession(db, sessionId, 16);

    const events = [...iterateEvents(db, sessionId)];
    const kinds = (k: string) => events.filter((e) => e.kind === k).map((e) => parseObjectNote(e.note)?.type);
    // Every type made, and every object made is destroyed or still held at the end.
    expect(new Set(kinds('OBJ_ALLOC'))).toEqual(new Set(['IOAS', 'FAULT', 'DEVICE', 'HWPT_PAGING', 'HWPT_NESTED', 'VIOMMU', 'VDEVICE']));
    expect(kinds('OBJ_ALLOC').every((t) => t !== undefined) && kinds('OBJ_DESTROY').every((t) => t !== undefined)).toBe(true);
    expect(events.some((e) => e.kind === 'FD_CLOSED' && /^iommufd context 2 released: destroyed/.test(e.note ?? ''))).toBe(true);

    let checkpointed = 0;
    for (const e of events) {
      const answer = stateAtSeq(db, sessionId, e.seq);
      if (answer.checkpointSeq !== null) checkpointed++;
      const shown = answer.state.objects.map(({ ctx, id, type, dev }) => ({ ctx, id, type, dev }));
      expect(shown, `objects after #${e.seq} ${e.kind} ${e.note ?? ''}`).toEqual(held[e.seq]);
    }
    expect(checkpointed).toBeGreaterThan(events.length / 2);
    // At the end the first context still holds what the fault fd keeps alive; the second is gone.
    const end = stateAtSeq(db, sessionId, events.length - 1).state.objects;
    expect(end.length).toBeGreaterThan(0);
    expect(end.every((o) => o.ctx === 1 && o.type !== 'DEVICE')).toBe(true);
    // The allocating event of each object is the OBJ_ALLOC its seq names.
    for (const o of end) expect(parseObjectNote(events[o.seq]!.note)).toMatchObject({ type: o.type, id: o.id, ctx: o.ctx });
  });

  it('rebuilds derived checkpoints written with another path-state version', async () => {
    const { db } = freshDb();
    const store = new SessionStore(db);
    const sessionId = store.create({ name: 'old', scenarioName: 'old', scenarioSource: '{}', scenarioHash: '0', seed: 1, kernelProfile: 'upstream', vendor: 'vtd', appVersion: 't' });
    const sqlite = new SqliteSink(db, sessionId, 64);
    for (let seq = 0; seq < 40; seq++)
      sqlite.emit({ seq, t: ns(seq * 10), kind: 'OBJ_ALLOC', layer: 'iommufd', dev: null, pasid: null, grpid: null, cookie: null, addr: null, perm: null, code: null, errno: null, parent: null, raw: null, note: `IOAS ${seq + 1}`, line: null, iommu: null });
    sqlite.flush();
    store.finish(sessionId, 'complete', { eventCount: 40, endNs: 390n, passed: 0, failed: 0, summary: '' });
    indexSession(db, sessionId, 16);
    // As the release before `objects` left it: index version 1, checkpoints of path-state version 1.
    db.prepare('UPDATE session_index SET version = 1 WHERE session_id = ?').run(sessionId);
    db.prepare(`UPDATE checkpoints SET state = json_remove(json_set(state, '$.version', ?), '$.objects') WHERE session_id = ? AND kind = 'derived'`).run(PATH_STATE_VERSION - 1, sessionId);
    const stale = () => db.prepare(`SELECT count(*) AS n FROM checkpoints WHERE session_id = ? AND kind = 'derived' AND json_extract(state, '$.version') != ?`).get(sessionId, PATH_STATE_VERSION)!.n;
    expect(stale()).toBe(2);
    // The first read rebuilds the index and with it the checkpoints.
    const at = stateAtSeq(db, sessionId, 35);
    expect(readIndexInfo(db, sessionId)?.version).toBe(INDEX_VERSION);
    expect(stale()).toBe(0);
    expect(at.state.objects.map((o) => o.id)).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
    expect(ensureIndexed(db, sessionId)?.version).toBe(INDEX_VERSION);
  });
});
