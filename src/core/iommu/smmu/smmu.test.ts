import { describe, expect, it } from 'vitest';
import { ns } from '../../../shared/time';
import { ERRNO } from '../../hw/errno';
import { pciEnablePri } from '../../hw/pci-ats';
import {
  IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE,
  IOMMU_FAULT_PERM_READ,
  IOMMU_FAULT_PERM_WRITE,
  IOMMU_PAGE_RESP_INVALID,
} from '../../kernel/iommu-core';
import { buildTopology, countKind, makeEnv, mapThenSucceed, ofKind, pcieFn } from '../testing/harness';
import { CMDQ_RESUME_0_RESP_RETRY, EVT_ID } from './smmu-formats';
import type { SmmuHardware } from './smmu-hardware';

const SID = 0x0100;

/** A non-PCIe master (no ATS, no PRI) that can stall. */
const platformFn = (rid: number) => ({ rid, ats: false, pasid: null, pri: null });

function stallSetup(profile = {}) {
  const env = makeEnv(3);
  const topo = buildTopology(env, 'smmuv3', { profile, functions: [platformFn(SID), platformFn(SID + 1)], canStall: true });
  env.iopf.policy = mapThenSucceed(topo.domain);
  return { env, topo, hw: topo.iommu.hardware as SmmuHardware, ev: env.sink.events };
}

/** A PCIe function with PRI enabled behind the driver's back (mainline never enables PRI). */
function priSetup(profile = {}, fnExtra = {}) {
  const env = makeEnv(3);
  const topo = buildTopology(env, 'smmuv3', { profile, functions: [pcieFn(SID, fnExtra)], pasids: [5] });
  const fn = topo.fns[0]!;
  return { env, topo, fn, dma: topo.dmas[0]!, hw: topo.iommu.hardware as SmmuHardware, ev: env.sink.events };
}

describe('SMMUv3 PRI queue with the mainline driver', () => {
  it('IOPF cannot be enabled for a PCIe (non-stall) master', () => {
    const { topo } = priSetup();
    expect(topo.iommu.driver.enableIopf(topo.devs[0]!, 0)).toBe(-ERRNO.EINVAL);
  });

  it('every PRIQ entry is "unexpected": Last → CMD_PRI_RESP DENY (0b00 = ResponseFailure) → the device latches RF', () => {
    const { env, fn, dma, ev } = priSetup();
    pciEnablePri(fn, 16);
    dma.issue({ pasid: 5, addr: 0x1000n, pages: 2, perm: 1 });
    env.sched.runUntilIdle();
    const rejects = ofKind(ev, 'DRV_REJECT');
    expect(rejects).toHaveLength(2);
    expect(rejects[0]!.note).toContain('not Last: no response');
    expect(ofKind(ev, 'CMD_RESP').map((c) => c.code)).toEqual([0xf]);
    expect(fn.pri!.rf).toBe(true);
    expect(env.iopf.reports).toHaveLength(0);
  });

  it("smmuPriRespDenyMeans 'invalidRequest': the same DENY reaches the device as Invalid Request", () => {
    const { env, fn, dma } = priSetup({ smmuPriRespDenyMeans: 'invalidRequest' });
    pciEnablePri(fn, 16);
    dma.issue({ pasid: 5, addr: 0x1000n, pages: 1, perm: 1 });
    env.sched.runUntilIdle();
    expect(fn.pri!.rf).toBe(false);
    expect(ofKind(env.sink.events, 'WORK_ERROR')[0]!.note).toContain('Invalid Request');
  });

  it('a Stop Marker in the PRIQ is also "unexpected" and gets DENY (Last=1): a response no Stop Marker should get', () => {
    const { env, fn, ev } = priSetup({ smmuPriRespDenyMeans: 'invalidRequest' }); // keep RF out of the picture
    pciEnablePri(fn, 16);
    fn.sendStopMarker(5, null);
    env.sched.runUntilIdle();
    expect(countKind(ev, 'CMD_RESP')).toBe(1);
    expect(fn.pri!.uprgi).toBe(true); // PRG index 0 of the marker was never outstanding
  });
});

describe('SMMUv3 PRIQ overflow (§8.1)', () => {
  function overflow(profile = {}, fnExtra = {}) {
    // maxRetries 0: an auto-Success that maps nothing ends the work item instead of re-faulting.
    const s = priSetup({ queueDepth: 2, irqThreadNs: 1_000n, perEntryNs: 2_000n, smmuPriRespDenyMeans: 'invalidRequest', ...profile }, { maxRetries: 0, ...fnExtra });
    pciEnablePri(s.fn, 64);
    return s;
  }

  it('overflow toggles OVFLG and inhibits ALL new writes until OVACKFLG, even after space frees', () => {
    const s = overflow();
    const { env, dma, hw } = s;
    for (let i = 0; i < 3; i++) dma.issue({ pasid: 5, addr: BigInt(i) * 0x1000n, pages: 1, perm: 1 });
    // At 2000 the thread has popped one entry (space), but the overflow is not acked yet.
    let freeSlots = -1;
    env.sched.at(ns(2_100n), () => {
      freeSlots = hw.priq.capacity - hw.priq.count;
      dma.issue({ pasid: 5, addr: 0x9000n, pages: 1, perm: 1 });
    });
    env.sched.runUntilIdle();
    expect(freeSlots).toBeGreaterThan(0);
    const drops = ofKind(s.ev, 'PRQ_DROP');
    expect(drops.map((d) => d.addr)).toEqual([0x2000n, 0x9000n]); // the late one was dropped though space existed
    expect(countKind(s.ev, 'PRQ_OVF_SET')).toBe(1);
    expect(countKind(s.ev, 'PRQ_OVF_CLEAR')).toBe(1);
    expect(hw.priqOvf.active).toBe(false);
    expect(env.iopf.discards).toBe(0); // SMMU drivers do not discard partials
  });

  it('automatic responses: Last=1 → Success (PASID echoed iff PPAR), Last=0 ignored, Stop Marker discarded', () => {
    const s = overflow();
    const { env, dma, fn, ev } = s;
    for (let i = 0; i < 2; i++) dma.issue({ pasid: 5, addr: BigInt(i) * 0x1000n, pages: 1, perm: 1 });
    env.sched.at(ns(600n), () => {
      dma.issue({ pasid: 5, addr: 0x8000n, pages: 2, perm: 1 }); // L=0 ignored, L=1 auto Success
      fn.sendStopMarker(5, null); // discarded during overflow
    });
    env.sched.runUntilIdle();
    const autos = ofKind(ev, 'AUTO_RESP');
    expect(autos).toHaveLength(1);
    expect(autos[0]!.code).toBe(0);
    expect(autos[0]!.pasid).toBe(5); // STE.PPAR from STATUS.PASID (PRG Response PASID Required)
    const notes = ofKind(ev, 'PRQ_DROP').map((d) => d.note ?? '');
    expect(notes.some((n) => n.includes('Last=0 PPR silently ignored'))).toBe(true);
    expect(notes.some((n) => n.includes('Stop Marker discarded'))).toBe(true);
  });

  it('automatic Response Failure without PASID when the STE cannot be read', () => {
    const s = overflow();
    const { env, dma, hw, fn, ev } = s;
    for (let i = 0; i < 2; i++) dma.issue({ pasid: 5, addr: BigInt(i) * 0x1000n, pages: 1, perm: 1 });
    env.sched.at(ns(600n), () => {
      hw.ste(SID)!.valid = false;
      dma.issue({ pasid: 5, addr: 0x8000n, pages: 1, perm: 1 });
    });
    env.sched.runUntilIdle();
    const auto = ofKind(ev, 'AUTO_RESP')[0]!;
    expect([auto.code, auto.pasid]).toEqual([0xf, null]);
    expect(fn.pri!.rf).toBe(true);
  });

  it('PRIQEN=0 (§8.2): Last=1 PPRs get Response Failure', () => {
    const s = overflow();
    s.hw.priqEnabled = false;
    s.dma.issue({ pasid: 5, addr: 0x1000n, pages: 1, perm: 1 });
    s.env.sched.runUntilIdle();
    expect(ofKind(s.ev, 'AUTO_RESP')[0]!.code).toBe(0xf);
    expect(countKind(s.ev, 'PRQ_ENQ')).toBe(0);
  });
});

describe('SMMUv3 stall model and the Linux stall → IOPF conversion', () => {
  it('a stalled read becomes an IOPF: LAST_PAGE, grpid = STAG, full IOVA, perm READ; SUCCESS → CMD_RESUME RETRY → completes', () => {
    const { env, topo, ev, hw } = stallSetup();
    topo.dmas[0]!.issue({ pasid: null, addr: 0x5000_1234n, pages: 1, perm: 1 });
    env.sched.runUntilIdle();
    const enq = ofKind(ev, 'EVTQ_ENQ')[0]!;
    expect(enq.code).toBe(EVT_ID.F_TRANSLATION);
    const prm = env.iopf.reports[0]!.prm;
    expect(prm.flags).toBe(IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE);
    expect(prm.grpid).toBe(enq.grpid);
    expect(prm.addr).toBe(0x5000_1234n); // not page aligned
    expect(prm.perm).toBe(IOMMU_FAULT_PERM_READ);
    const resume = ofKind(ev, 'CMD_RESP')[0]!;
    expect(resume.code).toBe(CMDQ_RESUME_0_RESP_RETRY);
    expect(countKind(ev, 'STALL_RETRY')).toBe(1);
    expect(ofKind(ev, 'DMA_COMPLETE')[0]!.errno).toBeNull();
    expect(hw.stalledTransactions).toBe(0);
  });

  it('INVALID → CMD_RESUME ABORT → the transaction is aborted; a write maps to perm WRITE', () => {
    const { env, topo, ev } = stallSetup();
    env.iopf.policy = () => ({ code: IOMMU_PAGE_RESP_INVALID, delayNs: 500n });
    topo.dmas[0]!.issue({ pasid: null, addr: 0x6000n, pages: 1, perm: 2 });
    env.sched.runUntilIdle();
    expect(env.iopf.reports[0]!.prm.perm).toBe(IOMMU_FAULT_PERM_WRITE);
    expect(countKind(ev, 'STALL_TERM')).toBe(1);
    expect(ofKind(ev, 'DMA_COMPLETE')[0]!.errno).toBe(ERRNO.EIO);
  });

  it('CMD_RESUME with a stale STAG is a no-op', () => {
    const { env, topo, hw, ev } = stallSetup();
    env.iopf.policy = () => 'hold';
    topo.dmas[0]!.issue({ pasid: null, addr: 0x6000n, pages: 1, perm: 1 });
    env.sched.runUntilIdle();
    const stag = env.iopf.reports[0]!.prm.grpid;
    hw.cmdResume(SID, (stag + 7) & 0xffff, CMDQ_RESUME_0_RESP_RETRY, 0);
    hw.cmdResume(SID + 1, stag, CMDQ_RESUME_0_RESP_RETRY, 0); // right STAG, wrong stream
    env.sched.runUntilIdle();
    expect(ofKind(ev, 'CMD_RESP').every((c) => c.note?.includes('no-op'))).toBe(true);
    expect(hw.stalledTransactions).toBe(1);
    expect(countKind(ev, 'DMA_COMPLETE')).toBe(0);
    env.iopf.answer(env.iopf.groups[0]!, 1); // the real answer still works
    env.sched.runUntilIdle();
    expect(countKind(ev, 'DMA_COMPLETE')).toBe(1);
  });

  it('EVTQ full: the stall is not recorded but the transaction is retried later — never lost', () => {
    const { env, topo, hw, ev } = stallSetup({ eventQueueDepth: 2, irqThreadNs: 50_000n });
    // Fill the event queue with terminate records (SID+1 has no stall, its STE stall=false).
    hw.ste(SID + 1)!.stall = false;
    topo.dmas[1]!.issue({ pasid: null, addr: 0x1000n, pages: 1, perm: 1 });
    topo.dmas[1]!.issue({ pasid: null, addr: 0x2000n, pages: 1, perm: 1 });
    env.sched.at(ns(1_000n), () => topo.dmas[0]!.issue({ pasid: null, addr: 0x3000n, pages: 1, perm: 1 }));
    env.sched.runUntilIdle();
    expect(countKind(ev, 'EVTQ_OVF')).toBe(0); // stall records never overflow
    expect(ofKind(ev, 'STALL_RETRY').filter((r) => r.note?.includes('EVTQ full')).length).toBeGreaterThan(0);
    expect(ofKind(ev, 'EVTQ_ENQ').filter((e) => e.grpid !== null)).toHaveLength(1); // recorded once space freed
    const done = ofKind(ev, 'DMA_COMPLETE');
    expect(done.filter((d) => d.errno === null)).toHaveLength(1); // the stalled master completed
  });

  it('EVTQ overflow for terminate records: OVFLG, the record is lost, later events are still written', () => {
    const { env, topo, hw, ev } = stallSetup({ eventQueueDepth: 2, irqThreadNs: 10_000n });
    hw.ste(SID + 1)!.stall = false;
    for (let i = 0; i < 3; i++) topo.dmas[1]!.issue({ pasid: null, addr: BigInt(i + 1) * 0x1000n, pages: 1, perm: 1 });
    env.sched.at(ns(30_000n), () => topo.dmas[1]!.issue({ pasid: null, addr: 0x9000n, pages: 1, perm: 1 }));
    env.sched.runUntilIdle();
    expect(countKind(ev, 'EVTQ_OVF')).toBe(1);
    expect(ofKind(ev, 'EVTQ_ENQ').map((e) => e.addr)).toEqual([0x1000n, 0x2000n, 0x9000n]);
    expect(ofKind(ev, 'PRQ_OVF_CLEAR')[0]!.note).toContain('EVTQ overflow detected -- events lost');
    expect(ofKind(ev, 'UNRECOV_FAULT')).toHaveLength(3);
  });

  it('duplicate stalls of one page are suppressed and resumed together; without suppression each gets a record', () => {
    for (const [suppress, records] of [
      [true, 1],
      [false, 2],
    ] as const) {
      const { env, topo, ev } = stallSetup({ stall: { stagBits: 16, suppressDuplicates: suppress, slots: 8, retryNs: 1_000n } });
      topo.dmas[0]!.issue({ pasid: null, addr: 0x7000n, pages: 1, perm: 1 });
      topo.dmas[0]!.issue({ pasid: null, addr: 0x7010n, pages: 1, perm: 1 });
      env.sched.runUntilIdle();
      expect(ofKind(ev, 'EVTQ_ENQ')).toHaveLength(records);
      expect(env.iopf.reports).toHaveLength(records);
      expect(ofKind(ev, 'DMA_COMPLETE').filter((d) => d.errno === null)).toHaveLength(2);
    }
  });

  it('CMD_STALL_TERM aborts every stall of the stream; stall slots back-pressure other streams', () => {
    const { env, topo, hw, ev } = stallSetup({ stall: { stagBits: 16, suppressDuplicates: false, slots: 1, retryNs: 1_000n } });
    env.iopf.policy = () => 'hold';
    topo.dmas[0]!.issue({ pasid: null, addr: 0x1000n, pages: 1, perm: 1 });
    topo.dmas[1]!.issue({ pasid: null, addr: 0x2000n, pages: 1, perm: 1 });
    env.sched.runUntilIdle();
    expect(hw.stalledTransactions).toBe(1);
    expect(hw.backPressured).toBe(1);
    hw.cmdStallTerm(SID, 0);
    env.sched.runUntilIdle();
    expect(ofKind(ev, 'DMA_COMPLETE').find((d) => d.dev === SID)!.errno).toBe(ERRNO.EIO);
    expect(hw.backPressured).toBe(0); // the freed slot let SID+1's transaction in: it stalls now
    expect(hw.stalledTransactions).toBe(1);
  });
});
