/** Labels the sessions panels share: sizes, response codes and fault identities. */
import type { FaultIdentity } from '@shared/api/analysis';
import { formatRid } from '@shared/pci';
import { spellPgfaultPerm, spellResponseCode } from '@shared/uapi/iommufd';

/** `812 B`, `4.0 KiB`, `12.3 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** A response code by its enum name; null means the fault was never answered. */
export function formatCode(code: number | null): string {
  return code === null ? 'no response' : spellResponseCode(code);
}

/**
 * A fault identity the way the kernel's logs name it: requester ID, PASID,
 * PRG index, IOVA and permissions; `#2` marks the third fault with the same
 * identity in its session.
 */
export function formatFaultIdentity(id: FaultIdentity): string {
  const parts = [formatRid(id.dev)];
  parts.push(id.pasid === null ? 'no PASID' : `PASID ${id.pasid}`);
  parts.push(`PRG ${id.grpid}`);
  if (id.addr !== null) parts.push(id.addr);
  if (id.perm !== null) parts.push(spellPgfaultPerm(id.perm));
  if (id.occurrence > 0) parts.push(`#${id.occurrence}`);
  return parts.join(' · ');
}
