/**
 * The kernel's PRI helpers, following torvalds/linux drivers/pci/ats.c
 * (current shape, with SR-IOV handling): they act on a function's PRI
 * registers the way the IOMMU drivers call them. Return 0 or -errno.
 *  - pci_enable_pri(): a VF succeeds iff its PF's PRI is enabled; a PF needs
 *    STATUS.STOPPED (else -EBUSY), writes ALLOC = min(CAPACITY, reqs), then
 *    CTRL = ENABLE.
 *  - pci_disable_pri(): no-op for a VF; clears ENABLE "regardless of its former value".
 *  - pci_reset_pri(): 0 for a VF; -EBUSY while enabled; writes CTRL = RESET.
 *  - pci_prg_resp_pasid_required(): the PF's cached STATUS.PASID bit.
 */
import { ERRNO } from '../../shared/errno';
import type { PciFunction } from './pci-function';
import { PCI_PRI_CTRL_ENABLE, PCI_PRI_CTRL_RESET, PCI_PRI_STATUS_STOPPED } from './pci-regs';

export function pciEnablePri(fn: PciFunction, reqs: number, parent: number | null = null): number {
  if (fn.isVf) return fn.pf!.kernel.priEnabled ? 0 : -ERRNO.EINVAL;
  if (fn.kernel.priEnabled) return -ERRNO.EBUSY; // WARN_ON(pdev->pri_enabled)
  const pri = fn.pri;
  if (!pri) return -ERRNO.EINVAL;
  if (!(pri.readStatus() & PCI_PRI_STATUS_STOPPED)) return -ERRNO.EBUSY;
  const alloc = Math.min(pri.readCapacity(), reqs);
  fn.kernel.priReqsAlloc = alloc;
  pri.writeAllocation(alloc);
  pri.writeControl(PCI_PRI_CTRL_ENABLE, parent);
  fn.kernel.priEnabled = true;
  return 0;
}

export function pciDisablePri(fn: PciFunction, parent: number | null = null): void {
  if (fn.isVf) return; // VFs share the PF PRI
  if (!fn.kernel.priEnabled) return; // WARN_ON(!pdev->pri_enabled)
  const pri = fn.pri;
  if (!pri) return;
  pri.writeControl(pri.readControl() & ~PCI_PRI_CTRL_ENABLE, parent);
  fn.kernel.priEnabled = false;
}

export function pciResetPri(fn: PciFunction, parent: number | null = null): number {
  if (fn.isVf) return 0;
  if (fn.kernel.priEnabled) return -ERRNO.EBUSY; // WARN_ON(pdev->pri_enabled)
  const pri = fn.pri;
  if (!pri) return -ERRNO.EINVAL;
  pri.writeControl(PCI_PRI_CTRL_RESET, parent);
  return 0;
}

/** `pci_pri_stopped()`: disabled and no request outstanding. */
export function pciPriStopped(fn: PciFunction): boolean {
  const f = fn.isVf ? fn.pf! : fn;
  if (!f.pri) return true;
  if (f.pri.readControl() & PCI_PRI_CTRL_ENABLE) return false;
  return (f.pri.readStatus() & PCI_PRI_STATUS_STOPPED) !== 0;
}

export function pciPrgRespPasidRequired(fn: PciFunction): boolean {
  return (fn.isVf ? fn.pf! : fn).kernel.pasidRequired;
}

/** `pci_enable_ats()` reduced to the flag the IOMMU drivers check. */
export function pciEnableAts(fn: PciFunction): number {
  if (!fn.hasAts) return -ERRNO.EINVAL;
  fn.kernel.atsEnabled = true;
  return 0;
}

export function pciDisableAts(fn: PciFunction): void {
  fn.kernel.atsEnabled = false;
}

/** `pci_enable_pasid()`: a VF succeeds iff its PF's PASID is enabled. */
export function pciEnablePasid(fn: PciFunction): number {
  if (fn.isVf) {
    if (!fn.pf!.kernel.pasidEnabled) return -ERRNO.EINVAL;
    fn.kernel.pasidEnabled = true; // the IOMMU driver's info->pasid_enabled for the VF
    return 0;
  }
  if (!fn.pasidCap) return -ERRNO.EINVAL;
  if (fn.kernel.pasidEnabled) return -ERRNO.EBUSY;
  fn.kernel.pasidEnabled = true;
  return 0;
}
