/**
 * The io-pgfault core (drivers/iommu/io-pgfault.c, current shape): partial
 * faults are held per device until the LAST_PAGE request of their group
 * arrives, the group is dispatched to the handler attached for (device, PASID),
 * and exactly one response per group goes back through the driver with the
 * last fault's PASID and PRG index.
 */
import {
  IOMMU_PGFAULT_FLAGS_LAST_PAGE,
  IOMMU_PGFAULT_FLAGS_PASID_VALID,
  IOMMUFD_PAGE_RESP_INVALID,
} from '../../shared/uapi/iommufd';
import type { Tracer } from '../trace/tracer';
import type { IommuFaultPageRequest, IopfFault, IopfGroup, IopfHandler, PageResponder } from './legacy-iopf-types';

/** Kernel `IOMMU_PAGE_RESP_FAILURE`: sent when a handler refuses a group. */
const IOMMU_PAGE_RESP_FAILURE = 2;

interface DeviceFaultParam {
  /** `iopf_param->partial`: non-LAST faults waiting for their group's LAST. */
  partial: IopfFault[];
  /** RID handler (no PASID) and per-PASID handlers. */
  ridHandler: IopfHandler | null;
  readonly pasidHandlers: Map<number, IopfHandler>;
}

export class IoPageFaultCore {
  private readonly devices = new Map<number, DeviceFaultParam>();

  constructor(
    private readonly tracer: Tracer,
    private readonly responder: PageResponder,
  ) {}

  /** `iopf_queue_add_device`: the device can now report faults. */
  addDevice(devId: number): void {
    if (!this.devices.has(devId))
      this.devices.set(devId, { partial: [], ridHandler: null, pasidHandlers: new Map() });
  }

  /** Installs the iopf handler of the domain attached to (device, PASID or RID). */
  setHandler(devId: number, pasid: number | null, handler: IopfHandler | null): void {
    const p = this.param(devId);
    if (pasid === null) p.ridHandler = handler;
    else if (handler) p.pasidHandlers.set(pasid, handler);
    else p.pasidHandlers.delete(pasid);
  }

  /** `iommu_report_device_fault()`; `parent` is the driver event that consumed the request. */
  reportFault(devId: number, prm: IommuFaultPageRequest, parent: number): void {
    const p = this.devices.get(devId);
    const handler = p ? this.findHandler(p, prm) : null;
    const common = { dev: devId, pasid: prm.pasid, grpid: prm.grpid, addr: prm.addr, perm: prm.perm, parent };
    if (!p || !handler) {
      // err_bad_iopf: answered INVALID at once, even a non-LAST request; nothing reaches user space.
      const seq = this.tracer.emit('kernel', 'IOPF_NO_HANDLER', { ...common, code: IOMMUFD_PAGE_RESP_INVALID });
      this.responder.pageResponse(devId, { prm, seq }, IOMMUFD_PAGE_RESP_INVALID, seq);
      return;
    }
    if (!(prm.flags & IOMMU_PGFAULT_FLAGS_LAST_PAGE)) {
      const seq = this.tracer.emit('kernel', 'IOPF_PARTIAL', common);
      p.partial.push({ prm, seq });
      return;
    }
    // iopf_group_alloc(): partials of the same grpid join, oldest first, LAST at the end.
    const members = p.partial.filter((f) => f.prm.grpid === prm.grpid);
    p.partial = p.partial.filter((f) => f.prm.grpid !== prm.grpid);
    const seq = this.tracer.emit('kernel', 'IOPF_GROUP', {
      ...common,
      note: `${members.length + 1} fault(s)`,
    });
    const last: IopfFault = { prm, seq };
    const group: IopfGroup = { faults: [...members, last], lastFault: last, devId, seq, answered: false };
    const rc = handler.handleGroup(group);
    if (rc !== 0) this.groupResponse(group, IOMMU_PAGE_RESP_FAILURE, seq);
  }

  /** `iopf_group_response()`: one response per group, with the last fault's pasid/grpid. */
  groupResponse(group: IopfGroup, code: number, parent: number): void {
    if (group.answered) return;
    group.answered = true;
    this.responder.pageResponse(group.devId, group.lastFault, code, parent);
  }

  /** `find_fault_handler()`: PASID handle first when PASID_VALID, else the RID handle. */
  private findHandler(p: DeviceFaultParam, prm: IommuFaultPageRequest): IopfHandler | null {
    if (prm.flags & IOMMU_PGFAULT_FLAGS_PASID_VALID) return p.pasidHandlers.get(prm.pasid) ?? null;
    return p.ridHandler;
  }

  private param(devId: number): DeviceFaultParam {
    this.addDevice(devId);
    return this.devices.get(devId)!;
  }
}
