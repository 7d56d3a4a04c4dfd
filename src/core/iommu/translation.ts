/**
 * What the IOMMU hardware finds when it walks the tables for (device, PASID,
 * address): the attach handle the kernel installed for that PASID (or the RID),
 * its domain, and the page's permissions. Same routing rule as io-pgfault's
 * find_fault_handler() (torvalds/linux drivers/iommu/io-pgfault.c; hardware-model
 * §3.2): a PASID without its own handle falls back to the RID's handle when the
 * driver has `user_pasid_table` and that domain is nested (the guest owns the
 * PASID table, so every PASID walks the RID's nested HWPT). The domain's page
 * table (src/core/kernel/domain-page-table.ts) holds the translations.
 */
import { IOMMU_NO_PASID, type IommuAttachHandle, type KernelDevice } from '../kernel/iommu-core';

const ALL_PERMS = 0xf;

export type TranslationMiss = 'noHandle' | 'blocked' | 'notPresent' | 'permission';

export interface TranslationResult {
  /** IOMMU_FAULT_PERM_* bits the translation grants for the page (0 = none). */
  readonly granted: number;
  /** Why the access does not translate, or null when it does. */
  readonly miss: TranslationMiss | null;
  readonly handle: IommuAttachHandle | null;
}

/** The handle the walk uses for `pasid` (null = request without PASID). */
export function resolveHandle(dev: KernelDevice, pasid: number | null, userPasidTable: boolean): IommuAttachHandle | null {
  const handles = dev.group.handles;
  if (pasid === null) return handles.get(IOMMU_NO_PASID) ?? null;
  const own = handles.get(pasid);
  if (own) return own;
  if (!userPasidTable) return null;
  const rid = handles.get(IOMMU_NO_PASID);
  return rid && rid.domain.type === 'nested' ? rid : null;
}

/** Walks the tables for one page. */
export function translatePage(
  dev: KernelDevice,
  pasid: number | null,
  addr: bigint,
  perm: number,
  userPasidTable: boolean,
): TranslationResult {
  const handle = resolveHandle(dev, pasid, userPasidTable);
  if (!handle) return { granted: 0, miss: 'noHandle', handle };
  const { domain } = handle;
  if (domain.type === 'identity') return { granted: ALL_PERMS, miss: null, handle };
  if (domain.type === 'blocked') return { granted: 0, miss: 'blocked', handle };
  const granted = domain.pageTable.permAt(addr);
  if (granted === 0) return { granted, miss: 'notPresent', handle };
  return { granted, miss: (granted & perm) === perm ? null : 'permission', handle };
}

/** Walks every page of an access; the first page that does not translate decides. */
export function translateRange(
  dev: KernelDevice,
  pasid: number | null,
  addr: bigint,
  pages: number,
  perm: number,
  userPasidTable: boolean,
): TranslationResult & { readonly faultAddr: bigint | null } {
  let last: TranslationResult = { granted: 0, miss: 'noHandle', handle: null };
  for (let i = 0; i < Math.max(1, pages); i++) {
    const a = addr + BigInt(i) * 4096n;
    last = translatePage(dev, pasid, a, perm, userPasidTable);
    if (last.miss) return { ...last, faultAddr: a };
  }
  return { ...last, faultAddr: null };
}
