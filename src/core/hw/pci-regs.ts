/**
 * PCIe PRI register bits (include/uapi/linux/pci_regs.h, PCI_PRI_*) and the
 * PRG Response codes of the PCIe spec (../shared/spec/hardware-model.md §1.1,
 * §1.4). The kernel enum (IOMMU_PAGE_RESP_*) is NOT the wire encoding: see the
 * vendor profiles for how each driver maps one to the other.
 */

/** Control register (offset 0x04). */
export const PCI_PRI_CTRL_ENABLE = 0x0001;
export const PCI_PRI_CTRL_RESET = 0x0002;

/** Status register (offset 0x06). RF and UPRGI are RW1C. */
export const PCI_PRI_STATUS_RF = 0x0001;
export const PCI_PRI_STATUS_UPRGI = 0x0002;
export const PCI_PRI_STATUS_STOPPED = 0x0100;
/** "PRG Response PASID Required" (RO). */
export const PCI_PRI_STATUS_PASID = 0x8000;

/** PRG Response Message codes (4 bits on the wire). */
export const PRG_RESP_SUCCESS = 0x0;
export const PRG_RESP_INVALID = 0x1;
export const PRG_RESP_FAILURE = 0xf;

/** The PRG index is 9 bits: at most 512 groups in flight per function. */
export const PRGI_MASK = 0x1ff;
export const PRGI_COUNT = 512;

export const PAGE_SHIFT = 12n;
export const PAGE_SIZE = 1n << PAGE_SHIFT;
export const pageAlign = (addr: bigint): bigint => addr & ~(PAGE_SIZE - 1n);

/** How a function treats a response code that is neither 0000b, 0001b nor 1111b. */
export type ReservedCodeHandling = 'asFailure' | 'ignore' | 'asUPRGI';

export function prgCodeName(code: number): string {
  if (code === PRG_RESP_SUCCESS) return 'Success';
  if (code === PRG_RESP_INVALID) return 'Invalid Request';
  if (code === PRG_RESP_FAILURE) return 'Response Failure';
  return `reserved ${code.toString(2).padStart(4, '0')}b`;
}
