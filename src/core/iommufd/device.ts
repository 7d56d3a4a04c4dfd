/**
 * `struct iommufd_device` (drivers/iommu/iommufd/device.c): a kernel device
 * bound to the context, attached per PASID (or RID) to HWPTs. Attach, detach
 * and replace follow the fault-capable paths of ../shared/spec/
 * iommufd-abi-and-behaviour.md §2.8: IOPF is enabled when the first
 * fault-capable HWPT is attached and disabled after the last; leaving a
 * fault-capable HWPT answers that attachment's groups INVALID (v5+).
 */
import type { KernelDevice } from '../kernel/iommu-core';
import type { HwPagetable } from './hw-pagetable';
import { IommufdObjectType, type IommufdObject } from './object-table';

export class IommufdDevice implements IommufdObject {
  readonly type = IommufdObjectType.DEVICE;
  users = 1;
  /** PASID (IOMMU_NO_PASID for the RID) → attached HWPT. */
  readonly attached = new Map<number, HwPagetable>();
  /** `idev->iopf_enabled`: a count upstream, a boolean in v4. */
  iopfEnabled = 0;

  constructor(
    public id: number,
    readonly dev: KernelDevice,
    private readonly onDestroy: (idev: IommufdDevice) => void,
  ) {}

  destroy(): void {
    this.onDestroy(this);
  }
}
