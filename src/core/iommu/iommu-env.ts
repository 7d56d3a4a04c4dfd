/**
 * What a vendor IOMMU model (hardware + Linux driver) is wired to: the
 * hardware environment, the kernel's io-pgfault core it reports page requests
 * to (src/core/kernel/io-pgfault.ts implements IopfCore), and optionally the
 * unrecoverable-fault consumers of seed 003.
 */
import type { HwEnv } from '../hw/hw-env';
import type { IopfCore } from '../kernel/iommu-core';
import type { FaultReporting } from './fault-reporting';

export interface IommuEnv extends HwEnv {
  readonly iopf: IopfCore;
  readonly faults?: FaultReporting | null;
}
