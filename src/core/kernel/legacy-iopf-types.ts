/**
 * The io-pgfault core's data (include/linux/iommu.h): a page request as the
 * IOMMU driver reports it, and the group the core assembles from requests that
 * share a PRG index.
 */

/** `struct iommu_fault_page_request` */
export interface IommuFaultPageRequest {
  /** IOMMU_FAULT_PAGE_REQUEST_* bits (PASID_VALID, LAST_PAGE, NEEDS_PASID). */
  readonly flags: number;
  readonly pasid: number;
  readonly grpid: number;
  /** IOMMU_FAULT_PERM_* bits. */
  readonly perm: number;
  /** Page-aligned IOVA. */
  readonly addr: bigint;
}

/** One reported fault and the trace event that reported it. */
export interface IopfFault {
  readonly prm: IommuFaultPageRequest;
  /** seq of the IOPF_* event for this fault (causal parent of what follows). */
  readonly seq: number;
}

/** Who answers a group once it is assembled (the domain's `iopf_handler`). */
export interface IopfHandler {
  /** Takes ownership of the group; returns 0 or -errno (then the core answers FAILURE). */
  handleGroup(group: IopfGroup): number;
}

/** `struct iopf_group` */
export interface IopfGroup {
  /** Faults in arrival order; the LAST_PAGE fault is the final one. */
  readonly faults: readonly IopfFault[];
  readonly lastFault: IopfFault;
  /** iommufd `dev_id` of the device behind the attach handle. */
  readonly devId: number;
  /** seq of the IOPF_GROUP event. */
  readonly seq: number;
  /** Set once answered: one response per group, never two. */
  answered: boolean;
}

/** The IOMMU driver's `ops->page_response`. */
export interface PageResponder {
  pageResponse(devId: number, lastFault: IopfFault, code: number, parent: number): void;
}
