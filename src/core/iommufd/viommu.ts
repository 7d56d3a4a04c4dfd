/**
 * vIOMMU and vDEVICE objects (drivers/iommu/iommufd/viommu.c): a vIOMMU
 * stands for the guest's IOMMU instance on a NEST_PARENT paging HWPT; a
 * vDEVICE gives a device its virtual ID on that vIOMMU. A nested HWPT can be
 * allocated on a vIOMMU (with IOMMU_HWPT_FAULT_ID_VALID), and the mock driver
 * refuses to attach a device to it before the device has a vDEVICE there.
 */
import type { IommufdDevice } from './device';
import type { HwPagetable } from './hw-pagetable';
import { IommufdObjectType, type IommufdObject } from './object-table';

export class Viommu implements IommufdObject {
  readonly type = IommufdObjectType.VIOMMU;
  users = 1;
  /** Devices with a vDEVICE on this vIOMMU, by iommufd dev_id. */
  readonly vdevices = new Map<number, Vdevice>();

  constructor(
    public id: number,
    /** The NEST_PARENT paging HWPT (stage 2); one users reference held. */
    readonly parent: HwPagetable,
    readonly viommuType: number,
  ) {}

  destroy(): void {
    this.parent.users--;
  }
}

export class Vdevice implements IommufdObject {
  readonly type = IommufdObjectType.VDEVICE;
  users = 1;

  constructor(
    public id: number,
    readonly viommu: Viommu,
    readonly idev: IommufdDevice,
    /** The device's ID as the guest sees it (e.g. a vRID or vSID). */
    readonly virtId: bigint,
  ) {}

  destroy(): void {
    this.viommu.vdevices.delete(this.idev.id);
    this.viommu.users--;
  }
}
