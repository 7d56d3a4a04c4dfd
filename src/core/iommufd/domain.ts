/**
 * An emulated `struct iommu_domain`: what an attached device translates
 * through, and (for a fault-capable HWPT) the iopf handler that takes its
 * page faults.
 */
import type { DomainType, IommuDomain, IopfHandler } from '../kernel/iommu-core';
import { DomainPageTable } from '../kernel/domain-page-table';

export class Domain implements IommuDomain {
  readonly pageTable = new DomainPageTable();
  iopfHandler: IopfHandler | null = null;

  constructor(
    readonly id: number,
    readonly type: DomainType,
  ) {}
}
