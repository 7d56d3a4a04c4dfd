/**
 * The translations a device sees, reduced to what faulting needs: which pages
 * of which (device, PASID) address space are mapped with which permissions.
 * A policy that answers SUCCESS without mapping makes the device fault again.
 */
import type { TranslationLookup } from '../device/pci-function';

const PAGE_SHIFT = 12n;

export class IoPageTable implements TranslationLookup {
  /** key `dev/pasid/pfn` → perm bits. */
  private readonly pages = new Map<string, number>();

  map(devId: number, pasid: number | null, addr: bigint, pages: number, perm: number): void {
    const pfn = addr >> PAGE_SHIFT;
    for (let i = 0n; i < BigInt(pages); i++) {
      const k = this.key(devId, pasid, pfn + i);
      this.pages.set(k, (this.pages.get(k) ?? 0) | perm);
    }
  }

  isMapped(devId: number, pasid: number | null, addr: bigint, pages: number, perm: number): boolean {
    const pfn = addr >> PAGE_SHIFT;
    for (let i = 0n; i < BigInt(pages); i++) {
      const have = this.pages.get(this.key(devId, pasid, pfn + i)) ?? 0;
      if ((have & perm) !== perm) return false;
    }
    return true;
  }

  private key(devId: number, pasid: number | null, pfn: bigint): string {
    return `${devId}/${pasid ?? '-'}/${pfn}`;
  }
}
