import { describe, expect, it } from 'vitest';
import { ns } from '../../../shared/time';
import {
  IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE,
  IOMMU_FAULT_PAGE_REQUEST_PASID_VALID,
  IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID,
} from '../../kernel/iommu-core';
import { buildTopology, countKind, makeEnv, mapThenSucceed, ofKind, pcieFn } from '../testing/harness';
import { PPR_FLAG_GN, PPR_FLAG_READ, PPR_FLAG_RVSD, PPR_FLAG_US, PPR_TAG_LAST, type AmdHardware } from './amd-hardware';

const RID = 0x0500;

function amd(profile = {}, fnExtra = {}) {
  const env = makeEnv(5);
  const topo = buildTopology(env, 'amd', { profile, functions: [pcieFn(RID, fnExtra)], pasids: [5, 0, 300] });
  env.iopf.policy = mapThenSucceed(topo.domain);
  return { env, topo, hw: topo.iommu.hardware as AmdHardware, fn: topo.fns[0]!, dev: topo.devs[0]!, dma: topo.dmas[0]!, ev: env.sink.events };
}

describe('AMD-Vi PPR log and ppr.c', () => {
  it('PRI is enabled at attach with 32 requests; enable_iopf adds the device and sets DTE.PPR', () => {
    const { env, hw, fn } = amd();
    expect(fn.pri!.readAllocation()).toBe(32);
    expect(env.iopf.calls).toEqual([`add:${RID}`]);
    expect(hw.dte(RID)!.ppr).toBe(true);
  });

  it('happy path: PASID_VALID|NEEDS_PASID always, LAST_PAGE from tag bit 9, head written BEFORE the entry is handled', () => {
    const { env, hw, dma, ev } = amd();
    const countsAtReport: number[] = [];
    const original = env.iopf.reportDeviceFault.bind(env.iopf);
    env.iopf.reportDeviceFault = (d, prm, p) => {
      countsAtReport.push(hw.pprLog.count);
      return original(d, prm, p);
    };
    dma.issue({ pasid: 5, addr: 0x3000n, pages: 2, perm: 1 });
    env.sched.runUntilIdle();
    const [a, b] = env.iopf.reports.map((r) => r.prm);
    const both = IOMMU_FAULT_PAGE_REQUEST_PASID_VALID | IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID;
    expect([a!.flags, b!.flags]).toEqual([both, both | IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE]);
    expect(a!.grpid).toBe(b!.grpid); // tag & 0x1ff: the last-page bit is not part of the group id
    expect(countsAtReport).toEqual([1, 0]); // the 2-entry log already shrank when each entry was handled
    expect(ofKind(ev, 'CMD_RESP').map((c) => [c.code, c.pasid])).toEqual([[0, 5]]);
    expect(ofKind(ev, 'DMA_COMPLETE')[0]!.errno).toBeNull();
  });

  it.each([
    ['no PASID (GN=0)', { pasid: null, addr: 0x1000n, pages: 2, perm: 1 }, 'GN=0'],
    ['PASID 0', { pasid: 0, addr: 0x1000n, pages: 2, perm: 1 }, 'Invalid PASID : 0x0'],
    ['PASID ≥ max_pasids (256)', { pasid: 300, addr: 0x1000n, pages: 2, perm: 1 }, 'Invalid PASID : 0x12c'],
  ])('validation: %s → COMPLETE_PPR FAILURE (0010b), also for the non-last request', (_n, access, text) => {
    const { env, dma, fn, ev } = amd({}, { reservedCodeHandling: 'ignore' });
    dma.issue(access);
    env.sched.runUntilIdle();
    const rejects = ofKind(ev, 'DRV_REJECT');
    expect(rejects).toHaveLength(2);
    expect(rejects[0]!.note).toContain(text);
    expect(rejects[0]!.note).toContain('even though not last');
    expect(ofKind(ev, 'CMD_RESP').map((c) => c.code)).toEqual([0b0010, 0b0010]);
    expect(env.iopf.reports).toHaveLength(0);
    expect(fn.outstandingGroups).toBe(1); // 0010b ignored by this device: it waits forever
  });

  it('the first FAILURE answers the group before its last request: the second response latches UPRGI', () => {
    const { env, dma, fn } = amd({ responseEncoding: 'specMapped' }, { reservedCodeHandling: 'ignore' });
    dma.issue({ pasid: 0, addr: 0x1000n, pages: 2, perm: 1 });
    env.sched.runUntilIdle();
    expect(fn.pri!.rf).toBe(true);
    expect(fn.pri!.uprgi).toBe(true);
  });

  it('RVSD set → FAILURE; REQ_TYPE ≠ fault → ignored with NO response', () => {
    const { env, hw, ev } = amd();
    const base = { devid: RID, pasid: 5, addr: 0x1000n };
    hw.injectEntry({ ...base, tag: 3 | PPR_TAG_LAST, flags: PPR_FLAG_GN | PPR_FLAG_READ | PPR_FLAG_US | PPR_FLAG_RVSD, reqType: 1 });
    hw.injectEntry({ ...base, tag: 4 | PPR_TAG_LAST, flags: PPR_FLAG_GN | PPR_FLAG_READ | PPR_FLAG_US, reqType: 2 });
    env.sched.runUntilIdle();
    const rejects = ofKind(ev, 'DRV_REJECT').map((r) => r.note ?? '');
    expect(rejects[0]).toContain('RVSD');
    expect(rejects[1]).toContain('Unknown PPR request');
    expect(ofKind(ev, 'CMD_RESP').map((c) => c.grpid)).toEqual([3]);
  });

  it('a Stop Marker is not filtered by ppr.c: it is reported as a permission-less last request', () => {
    const { env, fn, ev } = amd({}, { stopPasidMode: 'stopMarker' });
    fn.stopPasid(5, 0);
    env.sched.runUntilIdle();
    expect(env.iopf.reports).toHaveLength(1);
    expect(env.iopf.reports[0]!.prm.perm & 3).toBe(0);
    expect(ofKind(ev, 'DRV_CONSUME')[0]!.note).toContain('Stop Marker, not filtered');
  });

  it('enable_iopf on a device whose PRI is not enabled returns 0 and adds nothing', () => {
    const env = makeEnv(5);
    const topo = buildTopology(env, 'amd', { functions: [pcieFn(RID, { ats: false })], pasids: [5], enableIopf: false });
    expect(topo.iommu.driver.enableIopf(topo.devs[0]!, 0)).toBe(0);
    expect(env.iopf.added.size).toBe(0);
    expect(ofKind(env.sink.events, 'IOPF_ENABLE')[0]!.note).toContain('nothing added');
  });
});

describe('AMD PPR log overflow', () => {
  it('overflow stops the log; requests are lost until the driver restarts it; lost entries never come back; no partial discard', () => {
    const { env, dma, hw, fn, ev } = amd({ queueDepth: 4, irqThreadNs: 1_000n, perEntryNs: 1_000n });
    for (let i = 0; i < 5; i++) dma.issue({ pasid: 5, addr: BigInt(i) * 0x1000n, pages: 1, perm: 1 });
    let runningMidway = true;
    env.sched.at(ns(2_000n), () => {
      runningMidway = hw.pprLogEnabled && (hw.readStatus() & (1 << 7)) !== 0;
      dma.issue({ pasid: 5, addr: 0x20000n, pages: 1, perm: 1 }); // arrives while stopped: lost
    });
    env.sched.runUntilIdle();
    expect(runningMidway).toBe(false);
    expect(countKind(ev, 'PRQ_ENQ')).toBe(3);
    expect(countKind(ev, 'PRQ_OVF_SET')).toBe(1);
    expect(ofKind(ev, 'PRQ_DROP').map((d) => d.addr)).toEqual([0x3000n, 0x4000n, 0x20000n]);
    expect(countKind(ev, 'PRQ_OVF_CLEAR')).toBe(1);
    expect(countKind(ev, 'AUTO_RESP')).toBe(0);
    expect(fn.outstandingGroups).toBe(3); // the three lost groups wait forever
    expect(ofKind(ev, 'DMA_COMPLETE')).toHaveLength(3);
    expect(env.iopf.discards).toBe(0);
    // After the restart the log works again.
    dma.issue({ pasid: 5, addr: 0x30000n, pages: 1, perm: 1 });
    env.sched.runUntilIdle();
    expect(countKind(ev, 'PRQ_ENQ')).toBe(4);
  });
});
