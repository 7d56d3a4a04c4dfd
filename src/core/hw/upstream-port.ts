/**
 * The link between a function and the IOMMU it sits behind: the messages of
 * PCIe ATS and PRI (../shared/spec/hardware-model.md §1.2–§1.4) and, for
 * functions without ATS (or non-PCIe masters behind an SMMU), untranslated
 * DMA that the IOMMU translates itself. The device side defines this port;
 * each vendor IOMMU implements it.
 */

/** A Page Request Message (or Stop Marker) as the function sends it. */
export interface PageRequestMsg {
  readonly rid: number;
  /** From the PASID TLP prefix; null when the request carries no prefix. */
  readonly pasid: number | null;
  readonly read: boolean;
  readonly write: boolean;
  readonly exec: boolean;
  readonly priv: boolean;
  /** L: last request of its Page Request Group. */
  readonly last: boolean;
  /** 9-bit PRG index. */
  readonly prgi: number;
  /** Untranslated page address (page aligned, bytes). */
  readonly addr: bigint;
  /** seq of the PR_SEND / STOP_MARKER_SEND event. */
  readonly seq: number;
}

/** A PRG Response Message as it reaches the function. */
export interface PrgResponseMsg {
  readonly prgi: number;
  /** 4-bit response code exactly as on the wire. */
  readonly code: number;
  /** PASID prefix, or null when the response carries none. */
  readonly pasid: number | null;
  /** seq of the event that sent it (CMD_RESP, AUTO_RESP). */
  readonly seq: number;
}

/** One untranslated DMA access handed to the IOMMU. */
export interface UntranslatedAccess {
  readonly pasid: number | null;
  readonly addr: bigint;
  readonly pages: number;
  /** IOMMU_FAULT_PERM_* bits. */
  readonly perm: number;
}

/** How an untranslated access ended: completed, or aborted by an IOMMU fault. */
export type UntranslatedResult = 'ok' | 'abort';

/** Where a function sends its upstream traffic; implemented by each vendor IOMMU. */
export interface UpstreamPort {
  /**
   * ATS Translation Request for one page: the permission bits the
   * completion grants (0 = no translation: the function may use PRI).
   */
  atsTranslate(rid: number, pasid: number | null, addr: bigint, perm: number): number;
  /** A posted Page Request Message (or Stop Marker). */
  pageRequest(msg: PageRequestMsg): void;
  /** Untranslated DMA; `done` runs once, possibly much later (SMMU stall). */
  untranslated(rid: number, access: UntranslatedAccess, parent: number, done: (result: UntranslatedResult, seq: number) => void): void;
}
