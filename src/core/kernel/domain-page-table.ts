/**
 * The translations of one IOMMU domain, reduced to what faulting needs:
 * which 4 KiB pages are present and with which permissions
 * (IOMMU_FAULT_PERM_* bits). A policy that answers SUCCESS without making the
 * page present makes the device fault again.
 */
const PAGE_SHIFT = 12n;
const PAGE = 1n << PAGE_SHIFT;

export class DomainPageTable {
  /** pfn → perm bits. */
  private readonly pages = new Map<bigint, number>();

  /** Number of present pages. */
  get size(): number {
    return this.pages.size;
  }

  /** Makes every page overlapping [iova, iova + length) present with `perm` added. */
  mapRange(iova: bigint, length: bigint, perm: number): void {
    const first = iova >> PAGE_SHIFT;
    const last = (iova + length - 1n) >> PAGE_SHIFT;
    for (let pfn = first; pfn <= last; pfn++) this.pages.set(pfn, (this.pages.get(pfn) ?? 0) | perm);
  }

  unmapRange(iova: bigint, length: bigint): void {
    const first = iova >> PAGE_SHIFT;
    const last = (iova + length - 1n) >> PAGE_SHIFT;
    for (let pfn = first; pfn <= last; pfn++) this.pages.delete(pfn);
  }

  /** True when `pages` pages from `addr` are present with every bit of `perm`. */
  isMapped(addr: bigint, pages: number, perm: number): boolean {
    const first = addr >> PAGE_SHIFT;
    for (let i = 0n; i < BigInt(pages); i++) {
      const have = this.pages.get(first + i) ?? 0;
      if ((have & perm) !== perm) return false;
    }
    return true;
  }

  /** Permission bits of the page holding `addr` (0 when absent). */
  permAt(addr: bigint): number {
    return this.pages.get(addr >> PAGE_SHIFT) ?? 0;
  }

  static readonly PAGE_SIZE = PAGE;
}
