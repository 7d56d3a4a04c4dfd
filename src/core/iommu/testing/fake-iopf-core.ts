/**
 * A small stand-in for the io-pgfault core (src/core/kernel/io-pgfault.ts
 * implements the same IopfCore interface) for the hardware/driver tests: it
 * records every call, assembles groups by PRG index like iommu_report_device_fault()
 * (partials per device, matched by grpid only), and answers each group through
 * the device's driver `page_response` after a delay chosen by a policy.
 * Devices never added answer INVALID at once (err_bad_iopf), even non-last.
 */
import {
  IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE,
  IOMMU_PAGE_RESP_INVALID,
  IOMMU_PAGE_RESP_SUCCESS,
  type IopfCore,
  type KernelDevice,
} from '../../kernel/iommu-core';
import type { IommuFaultPageRequest, IopfFault } from '../../kernel/iopf-types';
import type { Scheduler } from '../../sim/scheduler';

export interface FakeGroup {
  readonly dev: KernelDevice;
  readonly faults: readonly IopfFault[];
  readonly last: IopfFault;
  answered: boolean;
}

/** What to do with an assembled group: answer `code` after `delayNs`, or hold it. */
export type FakePolicy = (group: FakeGroup) => { readonly code: number; readonly delayNs: bigint } | 'hold';

export interface ReportCall {
  readonly dev: KernelDevice;
  readonly prm: IommuFaultPageRequest;
  readonly parent: number;
}

export class FakeIopfCore implements IopfCore {
  readonly reports: ReportCall[] = [];
  readonly groups: FakeGroup[] = [];
  readonly added = new Set<KernelDevice>();
  readonly calls: string[] = [];
  discards = 0;
  private readonly partial = new Map<KernelDevice, IopfFault[]>();
  private nextSeq = 1_000_000;

  constructor(
    private readonly sched: Scheduler,
    public policy: FakePolicy = () => ({ code: IOMMU_PAGE_RESP_SUCCESS, delayNs: 1_000n }),
  ) {}

  reportDeviceFault(dev: KernelDevice, prm: IommuFaultPageRequest, parent: number): number {
    this.reports.push({ dev, prm, parent });
    this.calls.push(`report:${dev.rid}:${prm.grpid}`);
    const fault: IopfFault = { prm, seq: parent };
    if (!this.added.has(dev)) {
      dev.driver.pageResponse(dev, fault, { pasid: prm.pasid, grpid: prm.grpid, code: IOMMU_PAGE_RESP_INVALID }, parent);
      return -22;
    }
    if (!(prm.flags & IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE)) {
      const list = this.partial.get(dev) ?? [];
      list.push(fault);
      this.partial.set(dev, list);
      return 0;
    }
    const list = this.partial.get(dev) ?? [];
    const members = list.filter((f) => f.prm.grpid === prm.grpid);
    this.partial.set(dev, list.filter((f) => f.prm.grpid !== prm.grpid));
    const group: FakeGroup = { dev, faults: [...members, fault], last: fault, answered: false };
    this.groups.push(group);
    const decision = this.policy(group);
    if (decision !== 'hold') this.sched.after(decision.delayNs, () => this.answer(group, decision.code, parent));
    return 0;
  }

  /** Answers a held group now (iopf_group_response). */
  answer(group: FakeGroup, code: number, parent: number = this.nextSeq++): void {
    if (group.answered) return;
    group.answered = true;
    const p = group.last.prm;
    group.dev.driver.pageResponse(group.dev, group.last, { pasid: p.pasid, grpid: p.grpid, code }, parent);
  }

  queueAddDevice(dev: KernelDevice): number {
    this.calls.push(`add:${dev.rid}`);
    if (this.added.has(dev)) return -16;
    this.added.add(dev);
    return 0;
  }

  queueRemoveDevice(dev: KernelDevice, parent: number): void {
    this.calls.push(`remove:${dev.rid}`);
    for (const g of this.groups) if (g.dev === dev && !g.answered) this.answer(g, IOMMU_PAGE_RESP_INVALID, parent);
    this.partial.delete(dev);
    this.added.delete(dev);
  }

  discardPartial(_parent: number): void {
    this.calls.push('discardPartial');
    this.discards++;
    this.partial.clear();
  }

  groupResponse(): void {
    // groups are answered through answer(); the real core keys by IopfGroup
  }

  partialCount(dev: KernelDevice): number {
    return this.partial.get(dev)?.length ?? 0;
  }
}
