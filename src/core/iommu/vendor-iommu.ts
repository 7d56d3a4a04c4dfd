/**
 * One call to get a vendor IOMMU: its hardware model (the UpstreamPort PCI
 * functions connect to) and its Linux driver model (the IommuDriver the kernel
 * side calls), built from the vendor profile (./vendor-profiles.ts) with any
 * knob overridden.
 */
import type { PciFunction } from '../hw/pci-function';
import type { IommuDriver, KernelDevice, VendorId } from '../kernel/iommu-core';
import { AmdDriver } from './amd/amd-driver';
import { AmdHardware } from './amd/amd-hardware';
import type { IommuEnv } from './iommu-env';
import { SmmuDriver } from './smmu/smmu-driver';
import { SmmuHardware } from './smmu/smmu-hardware';
import { vendorProfile, type VendorProfile } from './vendor-profiles';
import { VtdDriver } from './vtd/vtd-driver';
import { VtdHardware } from './vtd/vtd-hardware';

/** What every vendor driver offers beyond `iommu_ops`. */
export interface VendorDriver extends IommuDriver {
  readonly profile: VendorProfile;
  /** The driver's probe_device + attach-time setup for a connected function: 0 or -errno. */
  probeDevice(dev: KernelDevice, parent?: number | null): number;
  releaseDevice(dev: KernelDevice, parent?: number | null): void;
}

export interface ConnectOptions {
  /** SMMUv3 only: the master can stall (non-PCIe, "dma-can-stall"). */
  readonly canStall?: boolean;
}

export type VendorIommu =
  | { readonly vendor: 'vtd'; readonly profile: VendorProfile; readonly hardware: VtdHardware; readonly driver: VtdDriver; connect(fn: PciFunction, o?: ConnectOptions): void }
  | { readonly vendor: 'smmuv3'; readonly profile: VendorProfile; readonly hardware: SmmuHardware; readonly driver: SmmuDriver; connect(fn: PciFunction, o?: ConnectOptions): void }
  | { readonly vendor: 'amd'; readonly profile: VendorProfile; readonly hardware: AmdHardware; readonly driver: AmdDriver; connect(fn: PciFunction, o?: ConnectOptions): void };

/**
 * IOMMU unit `index` of the machine: its hardware and driver emit through a
 * trace that stamps every event with `iommu: index`.
 */
export function createVendorIommu(machine: IommuEnv, vendor: VendorId, overrides: Partial<VendorProfile> = {}, index = 0): VendorIommu {
  const env: IommuEnv = { ...machine, trace: machine.trace.forIommu(index) };
  const profile = vendorProfile(vendor, overrides);
  switch (vendor) {
    case 'vtd': {
      const hardware = new VtdHardware(env, profile);
      const driver = new VtdDriver(env, hardware, profile);
      return { vendor, profile, hardware, driver, connect: (fn) => hardware.connect(fn) };
    }
    case 'smmuv3': {
      const hardware = new SmmuHardware(env, profile);
      const driver = new SmmuDriver(env, hardware, profile);
      return { vendor, profile, hardware, driver, connect: (fn, o = {}) => hardware.connect(fn, o) };
    }
    case 'amd': {
      const hardware = new AmdHardware(env, profile);
      const driver = new AmdDriver(env, hardware, profile);
      return { vendor, profile, hardware, driver, connect: (fn) => hardware.connect(fn) };
    }
  }
}
