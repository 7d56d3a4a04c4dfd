/**
 * The translations a device sees, reduced to what faulting needs: which pages
 * of which (device, PASID) address space are mapped with which permissions.
 * A policy that answers SUCCESS without mapping makes the device fault again.
 * (Legacy skeleton engine only: the hardware models walk the per-domain
 * DomainPageTable of src/core/kernel through ./translation.ts.)
 */

/** Answers "is this access translated?" (kept structurally compatible with the old device model). */
export interface TranslationLookup {
  /** True when every page of the access is mapped with the needed permissions. */
  isMapped(devId: number, pasid: number | null, addr: bigint, pages: number, perm: number): boolean;
}

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

  /** Removes the pages (all permissions). */
  unmap(devId: number, pasid: number | null, addr: bigint, pages: number): void {
    const pfn = addr >> PAGE_SHIFT;
    for (let i = 0n; i < BigInt(pages); i++) this.pages.delete(this.key(devId, pasid, pfn + i));
  }

  isMapped(devId: number, pasid: number | null, addr: bigint, pages: number, perm: number): boolean {
    const pfn = addr >> PAGE_SHIFT;
    for (let i = 0n; i < BigInt(pages); i++) {
      const have = this.pages.get(this.key(devId, pasid, pfn + i)) ?? 0;
      if ((have & perm) !== perm) return false;
    }
    return true;
  }

  /** Permission bits mapped for one page (0 = not present). */
  permOf(devId: number, pasid: number | null, addr: bigint): number {
    return this.pages.get(this.key(devId, pasid, addr >> PAGE_SHIFT)) ?? 0;
  }

  private key(devId: number, pasid: number | null, pfn: bigint): string {
    return `${devId}/${pasid ?? '-'}/${pfn}`;
  }
}
