/**
 * One event in full: its columns with their meaning spelled out (permission
 * bits, response codes, errno names), its causal parent, the fault it belongs
 * to, and — when uAPI bytes crossed the boundary — the raw bytes decoded with
 * the struct layout of the session's kernel profile (src/shared/uapi).
 */
import type { EventRow } from '../../shared/events';
import { errnoName } from '../../shared/errno';
import { decodeStruct, type StructLayout } from '../../shared/uapi/layout';
import { spellPgfaultFlags, spellPgfaultPerm, spellResponseCode } from '../../shared/uapi/iommufd';
import { KERNEL_PROFILES, isKernelProfileId, type KernelProfileId } from '../../shared/uapi/profiles';
import type { SqlDatabase } from '../db/sql-database';
import { getEvent } from '../recorder/event-rows';
import { findFaultOfEvent } from './faults';
import type { DecodedField, DecodedStruct, EventDetail } from '../../shared/api/analysis';
export type { DecodedField, DecodedStruct, EventDetail };

export function eventDetail(db: SqlDatabase, sessionId: number, seq: number): EventDetail | undefined {
  const event = getEvent(db, sessionId, seq);
  if (!event) return undefined;
  const s = db.prepare('SELECT kernel_profile FROM sessions WHERE id = ?').get(sessionId);
  const kp = String(s?.kernel_profile ?? 'upstream');
  const profile: KernelProfileId = isKernelProfileId(kp) ? kp : 'upstream';
  const parent = event.parent === null ? null : (getEvent(db, sessionId, event.parent) ?? null);
  const meanings: Record<string, string> = {};
  if (event.perm !== null) meanings.perm = spellPgfaultPerm(event.perm);
  if (event.code !== null) meanings.code = spellResponseCode(event.code);
  if (event.errno !== null) meanings.errno = errnoName(event.errno);
  return { event, parent, meanings, decoded: decodeRaw(event, profile), fault: findFaultOfEvent(db, sessionId, event) };
}

/** Picks the layout by kind and size: fault records for reads, response records for writes. */
export function decodeRaw(event: EventRow, profile: KernelProfileId): DecodedStruct | null {
  if (event.raw === null) return null;
  const bytes = hexBytes(event.raw);
  const p = KERNEL_PROFILES[profile];
  const reading = event.kind === 'FAULT_READ' || event.kind === 'SYS_READ' || event.kind === 'READ_SHORT';
  const candidates: StructLayout[] = reading ? [p.faultRecord, p.responseRecord] : [p.responseRecord, p.faultRecord];
  const layout = candidates.find((l) => l.size === bytes.length);
  if (!layout) return null;
  const values = decodeStruct(layout, bytes);
  const fields = layout.fields.map((f): DecodedField => {
    const v = values[f.name]!;
    const value = f.name === 'addr' ? `0x${v.toString(16)}` : v.toString();
    const meaning =
      f.name === 'flags' && layout === p.faultRecord
        ? spellPgfaultFlags(Number(v))
        : f.name === 'perm'
          ? spellPgfaultPerm(Number(v))
          : f.name === 'code'
            ? spellResponseCode(Number(v))
            : undefined;
    return meaning === undefined ? { name: f.name, offset: f.offset, size: f.size, value } : { name: f.name, offset: f.offset, size: f.size, value, meaning };
  });
  return layout.note === undefined ? { struct: layout.name, profile, size: layout.size, fields } : { struct: layout.name, profile, size: layout.size, fields, note: layout.note };
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
