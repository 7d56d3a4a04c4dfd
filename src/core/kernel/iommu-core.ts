/**
 * The kernel's IOMMU core as the emulator models it (include/linux/iommu.h,
 * drivers/iommu/iommu.c, drivers/iommu/io-pgfault.c): devices, groups,
 * domains and attach handles, the vendor driver's ops, and the io-pgfault
 * entry points. This file is the contract between the hardware side
 * (src/core/hw, the vendor drivers in src/core/iommu) and the kernel side
 * (io-pgfault, iommufd). It holds types and constants only.
 */
import type { DomainPageTable } from './domain-page-table';
import type { IommuFaultPageRequest, IopfFault, IopfGroup } from './iopf-types';

/** `IOMMU_NO_PASID`: the RID (no PASID) attachment. */
export const IOMMU_NO_PASID = 0;

/** `struct iommu_fault_page_request.flags` (kernel-internal). */
export const IOMMU_FAULT_PAGE_REQUEST_PASID_VALID = 1 << 0;
export const IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE = 1 << 1;
export const IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID = 1 << 2;

/** `IOMMU_FAULT_PERM_*` (same bits as the uAPI's IOMMU_PGFAULT_PERM_*). */
export const IOMMU_FAULT_PERM_READ = 1 << 0;
export const IOMMU_FAULT_PERM_WRITE = 1 << 1;
export const IOMMU_FAULT_PERM_EXEC = 1 << 2;
export const IOMMU_FAULT_PERM_PRIV = 1 << 3;

/** `enum iommu_page_response_code` (kernel-internal; FAILURE is not uAPI upstream). */
export const IOMMU_PAGE_RESP_SUCCESS = 0;
export const IOMMU_PAGE_RESP_INVALID = 1;
export const IOMMU_PAGE_RESP_FAILURE = 2;

/** `struct iommu_page_response` */
export interface IommuPageResponse {
  readonly pasid: number;
  readonly grpid: number;
  readonly code: number;
}

export type DomainType = 'blocked' | 'identity' | 'paging' | 'nested' | 'sva';

/** `struct iommu_domain`, reduced to what faulting needs. */
export interface IommuDomain {
  /** Emulator-wide id, for traces. */
  readonly id: number;
  readonly type: DomainType;
  /** `domain->iopf_handler`; null when the domain cannot take page faults. */
  readonly iopfHandler: IopfHandler | null;
  /** The translations a device attached to this domain sees. */
  readonly pageTable: DomainPageTable;
}

/** `struct iommu_attach_handle` (+ iommufd's `idev` back-pointer). */
export interface IommuAttachHandle {
  readonly domain: IommuDomain;
  /** iommufd `dev_id` of the device that made the attachment, or null (kernel-owned). */
  readonly idevId: number | null;
}

/** `domain->iopf_handler` */
export interface IopfHandler {
  /** Takes the group; 0, or -errno (the core then answers FAILURE). */
  handleGroup(group: IopfGroup): number;
}

/**
 * `struct iommu_group`: devices that cannot be isolated from each other (no
 * ACS between them) share every attachment. Handles are keyed by PASID, with
 * IOMMU_NO_PASID for the RID.
 */
export interface IommuGroup {
  readonly id: number;
  readonly devices: KernelDevice[];
  readonly handles: Map<number, IommuAttachHandle>;
}

/** `struct device` of a PCI function as the kernel sees it. */
export interface KernelDevice {
  /** PCI address, e.g. `0000:03:00.0`. */
  readonly name: string;
  /** Requester ID: bus << 8 | devfn. */
  readonly rid: number;
  readonly group: IommuGroup;
  readonly driver: IommuDriver;
  /** True for an SR-IOV VF (its PRI is the PF's). */
  readonly isVf: boolean;
}

export type VendorId = 'vtd' | 'smmuv3' | 'amd';

/** The vendor driver's `iommu_ops` that the fault path calls. */
export interface IommuDriver {
  readonly vendor: VendorId;
  /** Index of the IOMMU unit the driver instance serves, for the trace (absent: not known). */
  readonly unit?: number | null;
  /** `ops->user_pasid_table`: PASID faults fall back to the RID's nested domain. */
  readonly userPasidTable: boolean;
  /** `ops->page_response`: encode and send the PRG response for the group's last fault. */
  pageResponse(dev: KernelDevice, evt: IopfFault, resp: IommuPageResponse, parent: number): void;
  /**
   * Driver-side IOPF enable (PRE / PPR bit, `iopf_queue_add_device`,
   * `pci_enable_pri`): 0 or -errno.
   */
  enableIopf(dev: KernelDevice, parent: number): number;
  /** PRE off → `iopf_queue_remove_device` (answers pending INVALID) → `pci_disable_pri`. */
  disableIopf(dev: KernelDevice, parent: number): void;
}

/** io-pgfault's entry points (drivers/iommu/io-pgfault.c). */
export interface IopfCore {
  /** `iommu_report_device_fault()`: 0, or -EINVAL when nobody handled it (answered INVALID). */
  reportDeviceFault(dev: KernelDevice, prm: IommuFaultPageRequest, parent: number): number;
  /** `iopf_queue_add_device()`: 0 or -EBUSY when already added. */
  queueAddDevice(dev: KernelDevice): number;
  /** `iopf_queue_remove_device()`: frees partials, answers every pending group INVALID. */
  queueRemoveDevice(dev: KernelDevice, parent: number): void;
  /** `iopf_queue_discard_partial()`: drops every device's partial faults without answering. */
  discardPartial(parent: number): void;
  /** `iopf_group_response()`: one response per group, only while it is pending. */
  groupResponse(group: IopfGroup, code: number, parent: number): void;
}
