/**
 * Building blocks the engine uses to describe the kernel's view of a topology
 * (include/linux/iommu.h `struct iommu_group`, `struct device`): groups of
 * devices that share every attachment (no ACS between them, the seed-003
 * topology) and the kernel device of each PCI function.
 */
import type { IommuAttachHandle, IommuDriver, IommuGroup, KernelDevice } from '../kernel/iommu-core';
import type { PciFunction } from '../hw/pci-function';

export class IommuGroupImpl implements IommuGroup {
  readonly devices: KernelDevice[] = [];
  /** Attach handles keyed by PASID (IOMMU_NO_PASID for the RID). */
  readonly handles = new Map<number, IommuAttachHandle>();

  constructor(readonly id: number) {}
}

/** The kernel device of `fn`, added to `group`, served by `driver`. */
export function createKernelDevice(fn: PciFunction, group: IommuGroup, driver: IommuDriver): KernelDevice {
  const dev: KernelDevice = { name: fn.name, rid: fn.rid, group, driver, isVf: fn.isVf };
  group.devices.push(dev);
  return dev;
}
