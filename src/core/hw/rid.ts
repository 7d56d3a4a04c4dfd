/**
 * PCI Requester IDs (bus << 8 | device << 3 | function), as carried in every
 * Page Request (VT-d `rid`, SMMU `StreamID[15:0]`, AMD `DeviceID`;
 * ../shared/spec/hardware-model.md §1.2). Traces name functions by RID.
 */

/** `bus:dev.fn` → RID, e.g. `rid(3, 0, 1)` = 0x0301. */
export function rid(bus: number, dev: number, fn: number): number {
  return ((bus & 0xff) << 8) | ((dev & 0x1f) << 3) | (fn & 0x7);
}

/** RID → `03:00.1` (the form lspci and the kernel's dmar messages print); shared with the UI. */
export { formatRid } from '../../shared/pci';
