import { describe, expect, it } from 'vitest';
import { ERRNO } from '../../shared/errno';
import { buildTopology, makeEnv, ofKind, pcieFn } from './testing/harness';
import type { FaultEvent, FaultReportingMode } from './fault-reporting';

/** Three functions behind one non-ACS port (one iommu_group), no ATS: DMA faults are unrecoverable. */
function threeInOneGroup(mode: FaultReportingMode) {
  const env = makeEnv(11, { faultMode: mode });
  const topo = buildTopology(env, 'vtd', {
    functions: [0x0600, 0x0608, 0x0610].map((rid) => pcieFn(rid, { ats: false, pri: null })),
    sameGroup: true,
    enableIopf: false,
  });
  return { env, topo, ev: env.sink.events };
}

describe('seed 003: unrecoverable fault reporting, per device vs the 2017 group notifier chain', () => {
  it('2017 RFC: registration per device lands on the GROUP chain → N notifications per fault for N devices', () => {
    const { env, topo, ev } = threeInOneGroup('groupNotifier');
    const seen: { registeredFor: number; faulting: number }[] = [];
    for (const dev of topo.devs) {
      // The owner (e.g. VFIO) registers one notifier block per device it uses.
      const rc = env.faults.registerFaultNotifier(dev, (e: FaultEvent) => seen.push({ registeredFor: dev.rid, faulting: e.dev.rid }));
      expect(rc).toBe(0);
    }
    expect(env.faults.chainLength(topo.groups[0]!)).toBe(3);
    topo.dmas[1]!.issue({ pasid: null, addr: 0x9000n, pages: 1, perm: 1 });
    env.sched.runUntilIdle();
    expect(ofKind(ev, 'UNRECOV_FAULT')).toHaveLength(1);
    const notes = ofKind(ev, 'GROUP_NOTIFY');
    expect(notes).toHaveLength(3);
    expect(notes.map((n) => n.dev)).toEqual([0x0600, 0x0608, 0x0610]); // each names the notified device...
    expect(notes.every((n) => n.note?.includes('faulting rid=06:01.0'))).toBe(true); // ...and the faulting one
    expect(notes.filter((n) => n.note?.includes('caller must filter'))).toHaveLength(2);
    expect(seen).toEqual([
      { registeredFor: 0x0600, faulting: 0x0608 },
      { registeredFor: 0x0608, faulting: 0x0608 },
      { registeredFor: 0x0610, faulting: 0x0608 },
    ]);
    expect(ofKind(ev, 'UNRECOV_FAULT')[0]!.code).toBe(0x06); // PTE Read access is not set
  });

  it('per-device consumers (the 2019 shape): the same registrations give exactly one report, for the faulting device', () => {
    const { env, topo, ev } = threeInOneGroup('perDevice');
    const seen: number[] = [];
    for (const dev of topo.devs) env.faults.registerFaultConsumer(dev, (e) => seen.push(e.dev.rid));
    topo.dmas[1]!.issue({ pasid: null, addr: 0x9000n, pages: 1, perm: 2 });
    env.sched.runUntilIdle();
    const reports = ofKind(ev, 'UNRECOV_REPORT');
    expect(reports).toHaveLength(1);
    expect(reports[0]!.dev).toBe(0x0608);
    expect(reports[0]!.code).toBe(0x05); // PTE Write access is not set
    expect(seen).toEqual([0x0608]);
    expect(ofKind(ev, 'GROUP_NOTIFY')).toHaveLength(0);
  });

  it('two consumers of one device → two reports; the other API is refused in each mode', () => {
    const { env, topo, ev } = threeInOneGroup('perDevice');
    env.faults.registerFaultConsumer(topo.devs[0]!, () => {});
    env.faults.registerFaultConsumer(topo.devs[0]!, () => {});
    expect(env.faults.registerFaultNotifier(topo.devs[0]!, () => {})).toBe(-ERRNO.EOPNOTSUPP);
    topo.dmas[0]!.issue({ pasid: null, addr: 0x9000n, pages: 1, perm: 1 });
    env.sched.runUntilIdle();
    expect(ofKind(ev, 'UNRECOV_REPORT')).toHaveLength(2);
    const g = threeInOneGroup('groupNotifier');
    expect(g.env.faults.registerFaultConsumer(g.topo.devs[0]!, () => {})).toBe(-ERRNO.EOPNOTSUPP);
  });
});

describe('VT-d fault recording registers', () => {
  it('a second fault from the same source-id while the first is unread is collapsed; a full FRCD ring sets PFO', () => {
    const env = makeEnv(12);
    const topo = buildTopology(env, 'vtd', {
      profile: { eventQueueDepth: 2, irqThreadNs: 100_000n },
      functions: [0x0700, 0x0708, 0x0710].map((rid) => pcieFn(rid, { ats: false, pri: null })),
      enableIopf: false,
    });
    topo.dmas[0]!.issue({ pasid: null, addr: 0x1000n, pages: 1, perm: 1 });
    topo.dmas[0]!.issue({ pasid: null, addr: 0x2000n, pages: 1, perm: 1 }); // same source-id: collapsed
    topo.dmas[1]!.issue({ pasid: null, addr: 0x3000n, pages: 1, perm: 1 });
    topo.dmas[2]!.issue({ pasid: null, addr: 0x4000n, pages: 1, perm: 1 }); // ring of 2 full: PFO
    env.sched.runUntilIdle();
    const ev = env.sink.events;
    const recs = ofKind(ev, 'FRCD_RECORD');
    expect(recs.map((r) => r.note?.startsWith('rid=07:00.0 NOT RECORDED') ?? false)).toEqual([false, true, false]);
    expect(ofKind(ev, 'PFO_SET')).toHaveLength(1);
    expect(ofKind(ev, 'UNRECOV_FAULT').map((u) => u.dev)).toEqual([0x0700, 0x0708]);
    expect(ofKind(ev, 'DMA_COMPLETE').every((d) => d.errno === ERRNO.EIO)).toBe(true);
  });
});
