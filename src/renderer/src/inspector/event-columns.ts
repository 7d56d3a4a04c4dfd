/**
 * An event's columns as the inspector lists them: each value in the form
 * kernel developers read it (requester IDs as `03:00.0`, PASIDs and
 * addresses in hex, virtual time with its unit) and, where the number has a
 * name, its meaning spelled out (IOMMU_PGFAULT_PERM_* bits, the response
 * code, the errno). The host's meanings (EventDetail.meanings) win; the
 * renderer spells the same tables itself for rows that come without them.
 */
import type { EventRow } from '@shared/events';
import { errnoName } from '@shared/errno';
import { formatRid } from '@shared/pci';
import { formatNs } from '@shared/time';
import { spellPgfaultPerm, spellResponseCode } from '@shared/uapi/iommufd';

export interface EventColumn {
  /** Column name as stored (`dev`, `perm`, …). */
  readonly name: string;
  readonly value: string;
  /** Spelled meaning of the value, when it has one. */
  readonly meaning?: string;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

export function eventColumns(e: EventRow, meanings: Readonly<Record<string, string>> = {}): EventColumn[] {
  const columns: EventColumn[] = [
    { name: 'seq', value: `#${e.seq}` },
    { name: 't', value: formatNs(e.t), meaning: `${e.t} ns` },
    { name: 'kind', value: e.kind },
    { name: 'layer', value: e.layer },
  ];
  const add = (name: string, value: string | null, spelled?: string): void => {
    if (value === null) return;
    const meaning = meanings[name] ?? spelled;
    columns.push(meaning === undefined ? { name, value } : { name, value, meaning });
  };
  add('dev', e.dev === null ? null : formatRid(e.dev), e.dev === null ? undefined : `requester ID ${hex(e.dev)}`);
  // `iommu` arrives with schema v3; rows from older hosts have no such field at all.
  add('iommu', e.iommu === null || e.iommu === undefined ? null : String(e.iommu));
  add('pasid', e.pasid === null ? null : hex(e.pasid));
  add('grpid', e.grpid === null ? null : String(e.grpid));
  add('cookie', e.cookie === null ? null : String(e.cookie));
  add('addr', e.addr);
  add('perm', e.perm === null ? null : hex(e.perm), e.perm === null ? undefined : spellPgfaultPerm(e.perm));
  add('code', e.code === null ? null : String(e.code), e.code === null ? undefined : spellResponseCode(e.code));
  add('errno', e.errno === null ? null : String(e.errno), e.errno === null ? undefined : errnoName(e.errno));
  add('note', e.note);
  return columns;
}

/** The scenario line that caused the event, or null (no line, or a host without schema v3). */
export function scenarioLineOf(e: EventRow): number | null {
  const line = (e as Partial<EventRow>).line;
  return typeof line === 'number' && Number.isInteger(line) && line > 0 ? line : null;
}
