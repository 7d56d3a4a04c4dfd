/**
 * IOAS: the user-controlled IOVA → memory map (drivers/iommu/iommufd/ioas.c,
 * io_pagetable.c), reduced to areas with permissions. Every paging domain
 * built on the IOAS mirrors its areas, so an IOAS_MAP makes pages present for
 * the devices attached to those domains.
 */
import { ERRNO } from '../../shared/errno';
import type { Domain } from './domain';
import { IommufdObjectType, type IommufdObject } from './object-table';

const PAGE = 4096n;
/** Where IOVA allocation starts when the caller does not fix the IOVA. */
const IOVA_ALLOC_BASE = 0x1_0000_0000n;

export interface IoasArea {
  readonly iova: bigint;
  readonly length: bigint;
  /** IOMMU_PGFAULT_PERM_* style bits: READ 1, WRITE 2. */
  readonly perm: number;
}

export class Ioas implements IommufdObject {
  readonly type = IommufdObjectType.IOAS;
  users = 1;
  readonly areas: IoasArea[] = [];
  /** Paging domains that mirror this IOAS. */
  readonly domains = new Set<Domain>();

  constructor(public id: number) {}

  /** IOMMU_IOAS_MAP: returns the IOVA used, or -errno. */
  map(iova: bigint | null, length: bigint, perm: number): bigint | number {
    if (length === 0n || length % PAGE !== 0n) return -ERRNO.EINVAL;
    if (iova !== null && iova % PAGE !== 0n) return -ERRNO.EINVAL;
    const at = iova ?? this.allocIova(length);
    if (this.areas.some((a) => at < a.iova + a.length && a.iova < at + length)) return -ERRNO.EEXIST;
    this.areas.push({ iova: at, length, perm });
    this.areas.sort((a, b) => (a.iova < b.iova ? -1 : 1));
    for (const d of this.domains) d.pageTable.mapRange(at, length, perm);
    return at;
  }

  /** IOMMU_IOAS_UNMAP of whole areas inside [iova, iova+length): bytes unmapped, or -ENOENT. */
  unmap(iova: bigint, length: bigint): bigint | number {
    const end = iova + length;
    const inside = this.areas.filter((a) => a.iova >= iova && a.iova + a.length <= end);
    if (inside.length === 0) return -ERRNO.ENOENT;
    let bytes = 0n;
    for (const a of inside) {
      this.areas.splice(this.areas.indexOf(a), 1);
      for (const d of this.domains) d.pageTable.unmapRange(a.iova, a.length);
      bytes += a.length;
    }
    return bytes;
  }

  /** Fill a new paging domain with the current areas. */
  populate(domain: Domain): void {
    this.domains.add(domain);
    for (const a of this.areas) domain.pageTable.mapRange(a.iova, a.length, a.perm);
  }

  destroy(): void {
    this.domains.clear();
  }

  private allocIova(length: bigint): bigint {
    let at = IOVA_ALLOC_BASE;
    for (const a of this.areas) {
      if (a.iova + a.length <= at) continue;
      if (a.iova >= at + length) break;
      at = a.iova + a.length;
    }
    return at;
  }
}
