/**
 * Turns an EventRow into labelled, decoded fields for the details panel:
 * perm bits and response codes spelled with their uAPI names, errno by name,
 * and the raw uAPI record decoded with the session's kernel-profile layout.
 */
import { formatRid } from '@shared/pci';
import type { EventRow } from '@shared/events';
import { errnoName } from '@shared/errno';
import { formatNs } from '@shared/time';
import { fromHex } from '@shared/events';
import { decodeStruct, type StructLayout } from '@shared/uapi/layout';
import { spellPgfaultFlags, spellPgfaultPerm, spellResponseCode } from '@shared/uapi/iommufd';
import { KERNEL_PROFILES, type KernelProfileId } from '@shared/uapi/profiles';
import { trackKeyOf } from '@renderer/timeline/tracks';

export interface FieldLine {
  readonly name: string;
  readonly value: string;
}

export interface DecodedRecord {
  /** C struct name, e.g. `iommu_hwpt_pgfault`. */
  readonly struct: string;
  readonly fields: readonly FieldLine[];
}

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

export function describeEvent(e: EventRow): FieldLine[] {
  const lines: FieldLine[] = [
    { name: 'seq', value: `#${e.seq}` },
    { name: 't', value: `${formatNs(e.t)} (${e.t} ns)` },
    { name: 'kind', value: e.kind },
    { name: 'layer', value: e.layer },
    { name: 'track', value: trackKeyOf(e) },
  ];
  const add = (name: string, value: string | null): void => {
    if (value !== null) lines.push({ name, value });
  };
  add('device', e.dev === null ? null : formatRid(e.dev));
  add('pasid', e.pasid === null ? null : hex(e.pasid));
  add('grpid', e.grpid === null ? null : String(e.grpid));
  add('cookie', e.cookie === null ? null : String(e.cookie));
  add('addr', e.addr);
  add('perm', e.perm === null ? null : `${hex(e.perm)} ${spellPgfaultPerm(e.perm)}`);
  add('code', e.code === null ? null : `${e.code} ${spellResponseCode(e.code)}`);
  add('errno', e.errno === null ? null : `${e.errno} ${errnoName(e.errno)}`);
  add('parent', e.parent === null ? null : `#${e.parent}`);
  add('note', e.note);
  return lines;
}

/**
 * Decodes `raw` as the fault record or the response record of the profile,
 * chosen by size (v4: 40 / 32 bytes, upstream: 40 / 8). Null when the bytes
 * match neither.
 */
export function decodeRaw(rawHex: string | null, profileId: KernelProfileId): DecodedRecord | null {
  if (rawHex === null || rawHex.length === 0) return null;
  const bytes = fromHex(rawHex);
  const profile = KERNEL_PROFILES[profileId];
  const layout: StructLayout | undefined = [profile.faultRecord, profile.responseRecord].find(
    (l) => l.size === bytes.length,
  );
  if (!layout) return null;
  const values = decodeStruct(layout, bytes);
  const fields = layout.fields.map((f): FieldLine => {
    const v = values[f.name] ?? 0;
    if (f.name === 'flags' && layout === profile.faultRecord) return { name: f.name, value: `${hex(v)} ${spellPgfaultFlags(Number(v))}` };
    if (f.name === 'perm') return { name: f.name, value: `${hex(v)} ${spellPgfaultPerm(Number(v))}` };
    if (f.name === 'code') return { name: f.name, value: `${v} ${spellResponseCode(Number(v))}` };
    if (f.size === 8 || f.name === 'pasid') return { name: f.name, value: hex(v) };
    return { name: f.name, value: String(v) };
  });
  return { struct: `struct ${layout.name} (${profileId}, ${layout.size} bytes)`, fields };
}

/** Hex bytes in groups of four, for the raw dump. */
export function formatRawHex(rawHex: string): string {
  return (rawHex.match(/.{1,8}/g) ?? []).join(' ');
}
