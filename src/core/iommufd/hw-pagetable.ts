/**
 * HWPT objects (drivers/iommu/iommufd/hw_pagetable.c): a paging HWPT built on
 * an IOAS, or a nested HWPT on a NEST_PARENT paging HWPT whose stage-1 table
 * belongs to user space. A HWPT allocated with IOMMU_HWPT_FAULT_ID_VALID
 * references a fault object (one `users` reference until destroyed) and its
 * domain routes page faults to it.
 */
import type { Domain } from './domain';
import type { FaultObject } from './fault';
import type { Ioas } from './ioas';
import type { Viommu } from './viommu';
import { IommufdObjectType, type IommufdObject } from './object-table';

export type HwptKind = typeof IommufdObjectType.HWPT_PAGING | typeof IommufdObjectType.HWPT_NESTED;

export class HwPagetable implements IommufdObject {
  users = 1;

  constructor(
    public id: number,
    readonly type: HwptKind,
    readonly domain: Domain,
    /** IOAS (paging), the parent HWPT or a vIOMMU (nested); holds one of its users references. */
    readonly parent: Ioas | HwPagetable | Viommu,
    readonly fault: FaultObject | null,
    readonly nestParent: boolean,
    /** Created implicitly by attaching a device to an IOAS. */
    readonly autoDomain: boolean,
  ) {}

  destroy(): void {
    // __iommufd_hwpt_destroy: drop the references this HWPT took.
    this.parent.users--;
    if (this.fault) this.fault.users--;
    if (this.type === IommufdObjectType.HWPT_PAGING) (this.parent as Ioas).domains.delete(this.domain);
  }
}
