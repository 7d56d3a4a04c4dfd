import { describe, expect, it } from 'vitest';
import { FaultInjection } from '../base/fault-injection';
import { DmaEngine } from '../hw/dma-engine';
import { HwTrace } from '../hw/hw-trace';
import { PciFunction } from '../hw/pci-function';
import { DomainPageTable } from '../kernel/domain-page-table';
import { IoPageFaultCore } from '../kernel/io-pgfault';
import { IOMMU_NO_PASID, IOMMU_PAGE_RESP_SUCCESS, type IommuDomain, type VendorId } from '../kernel/iommu-core';
import type { IopfGroup } from '../kernel/iopf-types';
import { Rng } from '../sim/rng';
import { Scheduler } from '../sim/scheduler';
import { MemorySink } from '../trace/sink';
import { Tracer } from '../trace/tracer';
import { pcieFn } from './testing/harness';
import { IommuGroupImpl, createKernelDevice } from './topology';
import { createVendorIommu } from './vendor-iommu';

/** The vendor models against the kernel side's real io-pgfault core (same IopfCore contract as the fake). */
function run(vendor: VendorId, fnConfig: ReturnType<typeof pcieFn> | { rid: number; ats: false; pasid: null; pri: null }, pasid: number | null, canStall = false) {
  const sched = new Scheduler();
  const sink = new MemorySink();
  const tracer = new Tracer(sink, sched);
  const iopf = new IoPageFaultCore(tracer, new FaultInjection());
  const env = { sched, trace: new HwTrace(tracer), rng: new Rng(1), iopf };
  const iommu = createVendorIommu(env, vendor);
  const pageTable = new DomainPageTable();
  const domain: IommuDomain = {
    id: 1,
    type: 'paging',
    pageTable,
    iopfHandler: {
      // A handler that makes the pages present and answers SUCCESS 1 µs later.
      handleGroup(group: IopfGroup): number {
        for (const f of group.faults) pageTable.mapRange(f.prm.addr & ~0xfffn, 0x1000n, f.prm.perm & 3);
        sched.after(1_000n, () => iopf.groupResponse(group, IOMMU_PAGE_RESP_SUCCESS, group.seq));
        return 0;
      },
    },
  };
  const fn = new PciFunction(env, fnConfig);
  iommu.connect(fn, { canStall });
  const group = new IommuGroupImpl(1);
  group.handles.set(pasid ?? IOMMU_NO_PASID, { domain, idevId: 1 });
  const dev = createKernelDevice(fn, group, iommu.driver);
  expect(iommu.driver.probeDevice(dev)).toBe(0);
  expect(iommu.driver.enableIopf(dev, 0)).toBe(0);
  new DmaEngine(env, fn).issue({ pasid, addr: 0x4000_0010n, pages: 2, perm: 1 });
  sched.runUntilIdle();
  return sink.events;
}

describe('vendor models with the real io-pgfault core', () => {
  it.each([
    ['vtd', 5],
    ['amd', 5],
    ['vtd', null],
  ] as const)('%s, PASID %s: partial + last → one group → one response → DMA completes', (vendor, pasid) => {
    const ev = run(vendor, pcieFn(0x0300), pasid);
    const kinds = ev.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'IOPF_PARTIAL')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'IOPF_GROUP')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'PAGE_RESPONSE')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'CMD_RESP')).toHaveLength(1);
    const done = ev.filter((e) => e.kind === 'DMA_COMPLETE');
    expect(done).toHaveLength(1);
    expect(done[0]!.errno).toBeNull();
  });

  it('smmuv3 stall master: one stall → IOPF_GROUP → CMD_RESUME RETRY → completes', () => {
    const ev = run('smmuv3', { rid: 0x0100, ats: false, pasid: null, pri: null }, null, true);
    expect(ev.filter((e) => e.kind === 'IOPF_GROUP')).toHaveLength(2); // one stall per page
    expect(ev.filter((e) => e.kind === 'STALL_RETRY')).toHaveLength(2);
    expect(ev.filter((e) => e.kind === 'DMA_COMPLETE')[0]!.errno).toBeNull();
  });
});
