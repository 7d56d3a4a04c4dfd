import { describe, expect, it } from 'vitest';
import { ns } from '../../../shared/time';
import {
  IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE,
  IOMMU_FAULT_PAGE_REQUEST_PASID_VALID,
  IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID,
  IOMMU_PAGE_RESP_FAILURE,
} from '../../kernel/iommu-core';
import { pciEnablePri } from '../../hw/pci-ats';
import { PciFunction } from '../../hw/pci-function';
import { DmaEngine } from '../../hw/dma-engine';
import { createKernelDevice, IommuGroupImpl } from '../topology';
import { QEMU_VTD_OVERRIDES } from '../vendor-profiles';
import { buildTopology, countKind, makeEnv, mapThenSucceed, ofKind, pcieFn, attach, makeDomain } from '../testing/harness';
import { pageGroupResponseQwords } from './descriptors';
import type { VtdHardware } from './vtd-hardware';
import { DMA_PRS_PRO } from './vtd-hardware';

const RID = 0x0300;

function vtd(profile = {}, fnExtra = {}, pasids = [5]) {
  const env = makeEnv(1);
  const topo = buildTopology(env, 'vtd', { profile, functions: [pcieFn(RID, fnExtra)], pasids });
  env.iopf.policy = mapThenSucceed(topo.domain);
  const hw = topo.iommu.hardware as VtdHardware;
  return { env, topo, hw, fn: topo.fns[0]!, dev: topo.devs[0]!, dma: topo.dmas[0]!, ev: env.sink.events };
}

describe('VT-d: PRQ, prq_event_thread and page group responses (intel/prq.c)', () => {
  it('enable_iopf (v6.12 flipPri): reset → iopf_queue_add_device → PRE=1 → pci_enable_pri(PRQ_DEPTH=2048 → min with capacity)', () => {
    const { env, hw, fn } = vtd();
    expect(env.iopf.calls).toEqual(['add:768']);
    expect(hw.context(RID)?.pre).toBe(true);
    expect(fn.pri!.enabled).toBe(true);
    expect(fn.pri!.readAllocation()).toBe(64); // min(capacity 64, 2048)
  });

  it('happy path: two requests, PASID_VALID|NEEDS_PASID, LAST_PAGE on the second, one QI response, DMA completes', () => {
    const { env, dma, ev } = vtd();
    dma.issue({ pasid: 5, addr: 0x7000_1234n, pages: 2, perm: 1 });
    env.sched.runUntilIdle();
    expect(env.iopf.reports).toHaveLength(2);
    const [r0, r1] = env.iopf.reports.map((r) => r.prm);
    const both = IOMMU_FAULT_PAGE_REQUEST_PASID_VALID | IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID;
    expect(r0!.flags).toBe(both);
    expect(r1!.flags).toBe(both | IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE);
    expect([r0!.addr, r1!.addr]).toEqual([0x7000_1000n, 0x7000_2000n]);
    expect(countKind(ev, 'PRQ_ENQ')).toBe(2);
    expect(countKind(ev, 'PR_EVENT_IRQ')).toBe(1); // second enqueue saw PPR already set
    const resp = ofKind(ev, 'CMD_RESP');
    expect(resp).toHaveLength(1);
    expect(resp[0]!.code).toBe(0);
    expect(resp[0]!.pasid).toBe(5);
    const done = ofKind(ev, 'DMA_COMPLETE');
    expect(done).toHaveLength(1);
    expect(done[0]!.errno).toBeNull();
    expect(env.sink.events.every((e) => e.kind !== 'DMA_COMPLETE' || e.note?.startsWith('rid=03:00.0'))).toBe(true);
  });

  it('page group response descriptor: type 0x9, PASID_P, LPIG from the stored request, and kernel FAILURE (2) written raw as 0010b', () => {
    const [qw0, qw1] = pageGroupResponseQwords({ rid: RID, pasidPresent: true, pasid: 5, code: 2, prgIndex: 0x1ab, lpig: true });
    expect(qw0 & 0xfn).toBe(0x9n);
    expect((qw0 >> 4n) & 1n).toBe(1n);
    expect((qw0 >> 12n) & 0xfn).toBe(0b0010n);
    expect((qw0 >> 16n) & 0xffffn).toBe(BigInt(RID));
    expect((qw0 >> 32n) & 0xfffffn).toBe(5n);
    expect(qw1).toBe((1n << 2n) | (0x1abn << 3n));

    const { env, dma, fn, ev } = vtd();
    env.iopf.policy = () => ({ code: IOMMU_PAGE_RESP_FAILURE, delayNs: 100n });
    dma.issue({ pasid: 5, addr: 0x1000n, pages: 1, perm: 1 });
    env.sched.runUntilIdle();
    expect(ofKind(ev, 'PRG_RESP_RECV')[0]!.code).toBe(0b0010);
    expect(fn.pri!.rf).toBe(true); // default reservedCodeHandling 'asFailure'
  });

  it("responseEncoding 'specMapped' sends FAILURE as 1111b", () => {
    const { env, dma, ev } = vtd({ responseEncoding: 'specMapped' }, { reservedCodeHandling: 'ignore' });
    env.iopf.policy = () => ({ code: IOMMU_PAGE_RESP_FAILURE, delayNs: 100n });
    dma.issue({ pasid: 5, addr: 0x1000n, pages: 1, perm: 1 });
    env.sched.runUntilIdle();
    expect(ofKind(ev, 'PRG_RESP_RECV')[0]!.code).toBe(0xf);
  });

  it.each([
    ['non-canonical address', { pasid: 5, addr: 0x0000_8000_0000_0000n, pages: 1, perm: 1 }, 'Address is not canonical'],
    ['PM request with read', { pasid: 5, addr: 0x1000n, pages: 1, perm: 1 | 8 }, 'Privilege Mode'],
    ['exec with read', { pasid: 5, addr: 0x1000n, pages: 1, perm: 1 | 4 }, 'Execution request not supported'],
  ])('validation: %s → bad_req INVALID (LPIG=1 answered)', (_name, access, text) => {
    const { env, dma, ev } = vtd();
    dma.issue(access);
    env.sched.runUntilIdle();
    expect(env.iopf.reports).toHaveLength(0);
    expect(ofKind(ev, 'DRV_REJECT')[0]!.note).toContain(text);
    expect(ofKind(ev, 'CMD_RESP').map((e) => e.code)).toEqual([1]);
    expect(ofKind(ev, 'WORK_ERROR')[0]!.note).toContain('Invalid Request');
  });

  it('validation: a rejected non-last request gets no response (only LPIG=1 requests are answered)', () => {
    const { env, dma, ev } = vtd();
    // 1st page non-canonical (L=0), 2nd page canonical (L=1).
    dma.issue({ pasid: 5, addr: 0xffff_7fff_ffff_f000n, pages: 2, perm: 1 });
    env.sched.runUntilIdle();
    const rejects = ofKind(ev, 'DRV_REJECT');
    expect(rejects[0]!.note).toContain('LPIG=0: no response');
    expect(ev.some((e) => e.kind === 'CMD_RESP' && e.parent === rejects[0]!.seq)).toBe(false);
    expect(env.iopf.reports[0]!.prm.addr).toBe(0xffff_8000_0000_0000n); // only the canonical last request was reported
  });

  it('unknown RID: context present but no device in the rbtree → INVALID', () => {
    const env = makeEnv(1);
    const topo = buildTopology(env, 'vtd', { functions: [pcieFn(RID)], pasids: [5] });
    const hw = topo.iommu.hardware as VtdHardware;
    const stranger = new PciFunction(env, pcieFn(0x0400));
    hw.connect(stranger);
    const group = new IommuGroupImpl(99);
    const domain = makeDomain();
    attach(group, domain, 5);
    const dev = createKernelDevice(stranger, group, topo.iommu.driver);
    hw.setContext(0x0400, { present: true, pre: true, dev }); // never probed: not in the rbtree
    stranger.kernel.atsEnabled = true;
    stranger.kernel.pasidEnabled = true;
    pciEnablePri(stranger, 8);
    new DmaEngine(env, stranger).issue({ pasid: 5, addr: 0x1000n, pages: 1, perm: 1 });
    env.sched.runUntilIdle();
    expect(ofKind(env.sink.events, 'DRV_REJECT')[0]!.note).toContain('no device for RID 04:00.0');
    expect(ofKind(env.sink.events, 'CMD_RESP')[0]!.code).toBe(1);
  });

  it('Stop Marker is dropped by the driver: no report, no response, no credit', () => {
    const { env, fn, ev } = vtd({}, { stopPasidMode: 'stopMarker' });
    fn.stopPasid(5, 0);
    env.sched.runUntilIdle();
    expect(countKind(ev, 'PRQ_ENQ')).toBe(1);
    expect(env.iopf.reports).toHaveLength(0);
    expect(countKind(ev, 'CMD_RESP')).toBe(0);
    expect(ofKind(ev, 'DRV_CONSUME')[0]!.note).toContain('Stop Marker dropped');
  });

  it('PRE=0 in the context entry: fault reason 0x47 recorded, the request never reaches the PRQ', () => {
    const { env, topo, fn, dma, ev } = vtd({}, {}, [5]);
    topo.iommu.driver.disableIopf(topo.devs[0]!, 0); // PRE off → remove → pci_disable_pri
    pciEnablePri(fn, 8); // something re-enables PRI behind the driver's back
    dma.issue({ pasid: 5, addr: 0x1000n, pages: 1, perm: 1 });
    env.sched.runUntilIdle();
    expect(countKind(ev, 'PRQ_ENQ')).toBe(0);
    expect(ofKind(ev, 'FRCD_RECORD')[0]!.code).toBe(0x47);
    expect(ofKind(ev, 'UNRECOV_FAULT')[0]!.note).toContain('PRE field in Context-Entry is clear');
    expect(fn.outstandingGroups).toBe(1); // nobody will ever answer
  });

  it('disable_iopf order: PRE=0 → iopf_queue_remove_device (pending answered INVALID) → pci_disable_pri', () => {
    const { env, topo, dma, fn, ev } = vtd();
    env.iopf.policy = () => 'hold';
    dma.issue({ pasid: 5, addr: 0x1000n, pages: 1, perm: 1 });
    env.sched.runUntilIdle();
    topo.iommu.driver.disableIopf(topo.devs[0]!, 0);
    const order = ev.filter((e) => ['IOPF_DISABLE', 'CMD_RESP', 'PRI_DISABLE'].includes(e.kind)).map((e) => e.kind);
    expect(order).toEqual(['IOPF_DISABLE', 'CMD_RESP', 'PRI_DISABLE']);
    expect(env.iopf.calls.at(-1)).toBe('remove:768');
    env.sched.runUntilIdle();
    expect(fn.pri!.stopped).toBe(true); // the INVALID answer drained the last outstanding request
  });
});

describe('VT-d: the core answers a handler-less group per request (err_bad_iopf), LPIG copied from each', () => {
  it.each([
    ['forward', { uprgi: true, responses: 2 }],
    ['drop', { uprgi: false, responses: 1 }],
  ] as const)('lpig0Response=%s', (mode, want) => {
    const env = makeEnv(1);
    const topo = buildTopology(env, 'vtd', { profile: { lpig0Response: mode }, functions: [pcieFn(RID)], pasids: [5] });
    env.iopf.added.clear(); // the core has no fault_param for the device: INVALID for every request
    topo.dmas[0]!.issue({ pasid: 5, addr: 0x1000n, pages: 2, perm: 1 });
    env.sched.runUntilIdle();
    const fn = topo.fns[0]!;
    expect(ofKind(env.sink.events, 'CMD_RESP').map((c) => c.note?.includes('LPIG=0'))).toEqual([true, false]);
    expect(countKind(env.sink.events, 'PRG_RESP_RECV')).toBe(want.responses);
    // 'forward': the LPIG=0 answer completes the group early; the LPIG=1 answer then names no group.
    expect(fn.pri!.uprgi).toBe(want.uprgi);
    expect(ofKind(env.sink.events, 'WORK_ERROR')[0]!.note).toContain('Invalid Request');
  });
});

describe('VT-d v6.15 probePri model', () => {
  it('PRI and PRE are set at probe; enable_iopf only adds the device (refcounted); disable removes it, PRI stays on', () => {
    const env = makeEnv(1);
    const topo = buildTopology(env, 'vtd', { profile: { iopfEnableModel: 'probePri' }, functions: [pcieFn(RID)], pasids: [5], enableIopf: false });
    const hw = topo.iommu.hardware as VtdHardware;
    const fn = topo.fns[0]!;
    const dev = topo.devs[0]!;
    expect([fn.pri!.enabled, hw.context(RID)?.pre]).toEqual([true, true]);
    expect(topo.iommu.driver.enableIopf(dev, 0)).toBe(0);
    expect(topo.iommu.driver.enableIopf(dev, 0)).toBe(0);
    expect(env.iopf.calls).toEqual([`add:${RID}`]);
    topo.iommu.driver.disableIopf(dev, 0);
    expect(env.iopf.calls).toEqual([`add:${RID}`]);
    topo.iommu.driver.disableIopf(dev, 0);
    expect(env.iopf.calls).toEqual([`add:${RID}`, `remove:${RID}`]);
    expect(fn.pri!.enabled).toBe(true);
  });
});

describe('VT-d PRQ overflow', () => {
  /** PRQ of 4 slots (3 usable) and a slow IRQ thread. */
  function overflowSetup(profile = {}, fnExtra = {}) {
    return vtd({ queueDepth: 4, irqThreadNs: 1_000n, perEntryNs: 1_000n, ...profile }, fnExtra);
  }

  it('full → PRO set and the request dropped; while PRO is set every request drops; dropped LPIG=1 get hardware Success', () => {
    const s = overflowSetup();
    for (let i = 0; i < 5; i++) s.dma.issue({ pasid: 5, addr: BigInt(i) * 0x1000n, pages: 1, perm: 1 });
    s.env.sched.runUntilIdle();
    const e = s.ev;
    expect(countKind(e, 'PRQ_ENQ')).toBe(3); // 4 slots, one always empty
    expect(countKind(e, 'PRQ_OVF_SET')).toBe(1);
    expect(countKind(e, 'PR_EVENT_IRQ')).toBe(1); // PPR was already set when PRO was raised
    const autos = ofKind(e, 'AUTO_RESP');
    expect(autos.length).toBe(countKind(e, 'PRQ_DROP'));
    expect(autos.every((a) => a.code === 0)).toBe(true);
    expect(countKind(e, 'PRQ_OVF_CLEAR')).toBe(1);
    expect(s.env.iopf.discards).toBe(1);
    expect(s.hw.readPrs() & DMA_PRS_PRO).toBe(0);
    // A hardware Success maps nothing: the two dropped work items fault again while PRO is still set,
    // are dropped and auto-answered again, and hit the device's retry cap (3) — a livelock the
    // auto-response cannot break.
    expect(autos).toHaveLength(8);
    expect(ofKind(e, 'DMA_COMPLETE').filter((d) => d.errno === null)).toHaveLength(3);
    expect(ofKind(e, 'WORK_ERROR').map((w) => w.note?.includes('retry cap'))).toEqual([true, true]);
  });

  it("QEMU model ('none'): no automatic response — the dropped groups stay outstanding at the device forever", () => {
    const s = overflowSetup(QEMU_VTD_OVERRIDES);
    for (let i = 0; i < 5; i++) s.dma.issue({ pasid: 5, addr: BigInt(i) * 0x1000n, pages: 1, perm: 1 });
    s.env.sched.runUntilIdle();
    expect(countKind(s.ev, 'AUTO_RESP')).toBe(0);
    expect(s.fn.outstandingGroups).toBe(2);
    expect(countKind(s.ev, 'DMA_COMPLETE')).toBe(3);
  });

  it('PRO is cleared only when head == tail after PQH = tail, and partial faults are discarded first', () => {
    const s = overflowSetup({}, { maxRetries: 10 });
    const { env, dma, hw, dev } = s;
    // A (2 pages) is enqueued at 700; the first batch snapshots head 0 / tail 2 and runs 1700..3700.
    dma.issue({ pasid: 5, addr: 0x10000n, pages: 2, perm: 1 });
    // E (2 pages) arrives at 2200, during that batch: E0 takes the last free slot, E1 overflows.
    env.sched.at(ns(1_500n), () => dma.issue({ pasid: 5, addr: 0x40000n, pages: 2, perm: 1 }));
    const pro: Record<string, boolean> = {};
    for (const t of [2_300n, 3_750n, 5_750n]) env.sched.at(ns(t), () => (pro[String(t)] = (hw.readPrs() & DMA_PRS_PRO) !== 0));
    let partialBeforeClear = -1;
    env.sched.at(ns(5_650n), () => (partialBeforeClear = env.iopf.partialCount(dev)));
    env.sched.runUntilIdle();
    const ev = s.ev;
    expect(pro).toEqual({ '2300': true, '3750': true, '5750': false }); // batch 1 ended with E0 behind it
    const clear = ofKind(ev, 'PRQ_OVF_CLEAR');
    expect(clear).toHaveLength(1);
    expect(clear[0]!.t).toBe(5_700n); // end of the second batch
    expect(partialBeforeClear).toBe(1); // E0 reported as a partial...
    expect(env.iopf.discards).toBe(1); // ...and discarded, never answered by software
    expect(env.iopf.partialCount(dev)).toBe(0);
    expect(ofKind(ev, 'AUTO_RESP')[0]!.grpid).toBe(ofKind(ev, 'PRQ_OVF_SET')[0]!.grpid); // E1 answered by hardware
    expect(ofKind(ev, 'DMA_COMPLETE').every((d) => d.errno === null)).toBe(true);
  });
});
