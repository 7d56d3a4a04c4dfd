/**
 * The io-pgfault core's data (include/linux/iommu.h): a page request as the
 * IOMMU driver reports it, and the group the core assembles from requests that
 * share a PRG index.
 */
import type { IommuAttachHandle, KernelDevice } from './iommu-core';

/** `struct iommu_fault_page_request` */
export interface IommuFaultPageRequest {
  /** IOMMU_FAULT_PAGE_REQUEST_* bits (PASID_VALID, LAST_PAGE, NEEDS_PASID). */
  readonly flags: number;
  readonly pasid: number;
  readonly grpid: number;
  /** IOMMU_FAULT_PERM_* bits. */
  readonly perm: number;
  /** IOVA (page aligned by most drivers; the full address for SMMUv3 stalls). */
  readonly addr: bigint;
}

/** `struct iopf_fault`: one reported fault and the trace event that recorded it. */
export interface IopfFault {
  readonly prm: IommuFaultPageRequest;
  /** seq of the IOPF_* event for this fault (causal parent of what follows). */
  readonly seq: number;
}

/** `struct iopf_group` */
export interface IopfGroup {
  readonly dev: KernelDevice;
  /** `group->attach_handle`: the attachment the fault was routed to. */
  readonly handle: IommuAttachHandle;
  /** Faults in arrival order; the LAST_PAGE fault is the final one. */
  readonly faults: readonly IopfFault[];
  readonly lastFault: IopfFault;
  /** seq of the IOPF_GROUP event. */
  readonly seq: number;
  /** On `fault_param->faults` (pending_node non-empty): a response is still allowed. */
  pending: boolean;
  /** iommufd cookie, assigned at read time (0 = none yet). */
  cookie: number;
}
