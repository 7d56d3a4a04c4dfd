/**
 * The io-pgfault core (drivers/iommu/io-pgfault.c, current shape; see
 * ../shared/spec/hardware-model.md §3). Non-LAST faults are held per device
 * until the LAST_PAGE request of their PRG index arrives; the group is then
 * dispatched to the iopf handler of the domain attached to (device, PASID);
 * exactly one response per group goes back through the driver's
 * page_response, carrying the last fault's PASID and PRG index.
 */
import { ERRNO } from '../../shared/errno';
import type { FaultInjection } from '../base/fault-injection';
import type { Tracer } from '../trace/tracer';
import {
  IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE,
  IOMMU_FAULT_PAGE_REQUEST_PASID_VALID,
  IOMMU_NO_PASID,
  IOMMU_PAGE_RESP_FAILURE,
  IOMMU_PAGE_RESP_INVALID,
  type IommuAttachHandle,
  type IopfCore,
  type KernelDevice,
} from './iommu-core';
import type { IommuFaultPageRequest, IopfFault, IopfGroup } from './iopf-types';

/** `struct iommu_fault_param` */
interface FaultParam {
  /** Non-LAST faults waiting for their group's LAST (`partial`). */
  partial: IopfFault[];
  /** Groups awaiting a response (`faults`, linked by pending_node). */
  readonly pending: Set<IopfGroup>;
}

const NO_FAULTS: IopfFault[] = [];

export class IoPageFaultCore implements IopfCore {
  private readonly params = new Map<KernelDevice, FaultParam>();

  constructor(
    private readonly tracer: Tracer,
    private readonly inject: FaultInjection,
  ) {}

  /** Whether `iopf_queue_add_device` has run for the device. */
  hasDevice(dev: KernelDevice): boolean {
    return this.params.has(dev);
  }

  /** Groups of the device still awaiting a response. */
  pendingGroups(dev: KernelDevice): number {
    return this.params.get(dev)?.pending.size ?? 0;
  }

  /** Partial (non-LAST) faults held for the device. */
  partialFaults(dev: KernelDevice): number {
    return this.params.get(dev)?.partial.length ?? 0;
  }

  queueAddDevice(dev: KernelDevice): number {
    if (this.params.has(dev)) return -ERRNO.EBUSY;
    this.params.set(dev, { partial: [], pending: new Set() });
    return 0;
  }

  queueRemoveDevice(dev: KernelDevice, parent: number): void {
    const p = this.params.get(dev);
    if (!p) return;
    const seq = this.tracer.emit('kernel', 'QUEUE_REMOVE_DEVICE', {
      dev: dev.rid,
      parent,
      note: `${p.pending.size} pending group(s) answered INVALID, ${p.partial.length} partial fault(s) freed`,
    });
    for (const g of p.pending) {
      // ops->page_response directly, then list_del_init: later iopf_group_response() is a no-op.
      g.pending = false;
      this.sendResponse(g, IOMMU_PAGE_RESP_INVALID, seq);
    }
    p.pending.clear();
    p.partial = [];
    this.params.delete(dev);
  }

  discardPartial(parent: number): void {
    let n = 0;
    for (const p of this.params.values()) {
      n += p.partial.length;
      p.partial = [];
    }
    this.tracer.emit('kernel', 'DISCARD_PARTIAL', { parent, note: `${n} partial fault(s) dropped without response` });
  }

  reportDeviceFault(dev: KernelDevice, prm: IommuFaultPageRequest, parent: number): number {
    const handle = this.findFaultHandler(dev, prm);
    const p = this.params.get(dev);
    if (!handle || !p) {
      // err_bad_iopf: answered INVALID at once, even a non-LAST request; nothing reaches user space.
      const seq = this.tracer.emit('kernel', 'IOPF_NO_HANDLER', {
        dev: dev.rid,
        pasid: prm.pasid,
        grpid: prm.grpid,
        addr: prm.addr,
        perm: prm.perm,
        parent,
        code: IOMMU_PAGE_RESP_INVALID,
        errno: ERRNO.EINVAL,
        note: !handle ? 'no iopf-capable domain attached for this PASID' : 'device not on an iopf queue',
      });
      dev.driver.pageResponse(dev, { prm, seq }, { pasid: prm.pasid, grpid: prm.grpid, code: IOMMU_PAGE_RESP_INVALID }, seq);
      return -ERRNO.EINVAL;
    }
    if (!(prm.flags & IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE)) {
      if (this.inject.shouldFail('iopf.partial_alloc')) {
        // ENOMEM for a partial: the request is lost, no response ("does not need to be ack'd").
        this.tracer.emit('kernel', 'IOPF_ABORT', { dev: dev.rid, pasid: prm.pasid, grpid: prm.grpid, addr: prm.addr, perm: prm.perm, parent, errno: ERRNO.ENOMEM, note: 'partial fault lost (ENOMEM)' });
        return 0;
      }
      const seq = this.tracer.emit('kernel', 'IOPF_PARTIAL', { dev: dev.rid, pasid: prm.pasid, grpid: prm.grpid, addr: prm.addr, perm: prm.perm, parent });
      p.partial.push({ prm, seq });
      return 0;
    }
    // iopf_group_alloc(): partials with the same grpid (no PASID compare) join, oldest first.
    let members: IopfFault[] = NO_FAULTS;
    if (p.partial.length) {
      members = p.partial.filter((f) => f.prm.grpid === prm.grpid);
      if (members.length) p.partial = p.partial.filter((f) => f.prm.grpid !== prm.grpid);
    }
    const allocFailed = this.inject.shouldFail('iopf.group_alloc');
    const seq = this.tracer.emit('kernel', 'IOPF_GROUP', {
      dev: dev.rid,
      pasid: prm.pasid,
      grpid: prm.grpid,
      addr: prm.addr,
      perm: prm.perm,
      parent,
      note: members.length ? `${members.length + 1} faults` : '1 fault',
    });
    const last: IopfFault = { prm, seq };
    const group: IopfGroup = { dev, handle, faults: members.length ? [...members, last] : [last], lastFault: last, seq, pending: true, cookie: 0 };
    p.pending.add(group);
    if (allocFailed) return this.abort(group, ERRNO.ENOMEM, 'group allocation failed (ENOMEM): on-stack abort group');
    const rc = handle.domain.iopfHandler!.handleGroup(group);
    if (rc !== 0) return this.abort(group, -rc, 'the domain iopf handler refused the group');
    return 0;
  }

  groupResponse(group: IopfGroup, code: number, parent: number): void {
    if (!group.pending) {
      // pending_node already empty (removed device or answered): the kernel sends nothing.
      this.tracer.emit('kernel', 'RESPONSE_DROPPED', {
        dev: group.dev.rid,
        pasid: group.lastFault.prm.pasid,
        grpid: group.lastFault.prm.grpid,
        cookie: group.cookie || null,
        code,
        parent,
        note: 'group no longer pending: no page response sent',
      });
      return;
    }
    group.pending = false;
    this.params.get(group.dev)?.pending.delete(group);
    this.sendResponse(group, code, parent);
  }

  /** `find_fault_handler()`: the PASID's handle, the RID's nested handle with user_pasid_table, or the RID's. */
  private findFaultHandler(dev: KernelDevice, prm: IommuFaultPageRequest): IommuAttachHandle | null {
    const handles = dev.group.handles;
    let h: IommuAttachHandle | undefined;
    if (prm.flags & IOMMU_FAULT_PAGE_REQUEST_PASID_VALID) {
      h = handles.get(prm.pasid);
      if (!h && dev.driver.userPasidTable) {
        const rid = handles.get(IOMMU_NO_PASID);
        if (rid?.domain.type === 'nested') h = rid;
      }
    } else {
      h = handles.get(IOMMU_NO_PASID);
    }
    return h && h.domain.iopfHandler ? h : null;
  }

  private abort(group: IopfGroup, errno: number, note: string): number {
    const seq = this.tracer.emit('kernel', 'IOPF_ABORT', {
      dev: group.dev.rid,
      pasid: group.lastFault.prm.pasid,
      grpid: group.lastFault.prm.grpid,
      code: IOMMU_PAGE_RESP_FAILURE,
      errno,
      parent: group.seq,
      note,
    });
    this.groupResponse(group, IOMMU_PAGE_RESP_FAILURE, seq);
    return 0;
  }

  private sendResponse(group: IopfGroup, code: number, parent: number): void {
    const { pasid, grpid } = group.lastFault.prm;
    const seq = this.tracer.emit('kernel', 'PAGE_RESPONSE', {
      dev: group.dev.rid,
      pasid,
      grpid,
      cookie: group.cookie || null,
      code,
      parent,
      iommu: group.dev.driver.unit ?? null,
    });
    group.dev.driver.pageResponse(group.dev, group.lastFault, { pasid, grpid, code }, seq);
  }
}
