/**
 * decodeRaw picks the fault-record layout of the session's kernel profile:
 * the same 40 bytes decode with `size` first (v4), without `__reserved` and
 * with the i386/hole note (6.11–6.13), or with `__reserved` (6.14+).
 */
import { describe, expect, it } from 'vitest';
import { toHex, type EventRow } from '../../shared/events';
import { encodeStruct } from '../../shared/uapi/layout';
import { KERNEL_PROFILES, KERNEL_PROFILE_IDS } from '../../shared/uapi/profiles';
import { decodeRaw } from './event-detail';

function readEvent(raw: Uint8Array): EventRow {
  return { seq: 0, t: 0, kind: 'FAULT_READ', layer: 'iommufd', dev: 0x300, pasid: 1, grpid: 2, cookie: 1, addr: null, perm: 3, code: null, errno: null, parent: null, raw: toHex(raw), note: null, line: null, iommu: null };
}

/** A 6.11 record as read: fields, plus stack bytes in the hole at 20. */
function record611(): Uint8Array {
  const bytes = encodeStruct(KERNEL_PROFILES['6.11'].faultRecord, { flags: 3, dev_id: 2, pasid: 1, grpid: 2, perm: 3, addr: 0xdeadbeafn, cookie: 1 });
  new DataView(bytes.buffer).setUint32(20, 0xffff8880, true);
  return bytes;
}

describe('decodeRaw by kernel profile', () => {
  it('6.11 and 6.13: no __reserved field, addr at 24, and the hole / i386 36-byte hazard as the note', () => {
    for (const profile of ['6.11', '6.13'] as const) {
      const d = decodeRaw(readEvent(record611()), profile)!;
      expect(d).toMatchObject({ struct: 'iommu_hwpt_pgfault', profile, size: 40 });
      expect(d.fields.map((f) => f.name)).toEqual(['flags', 'dev_id', 'pasid', 'grpid', 'perm', 'addr', 'length', 'cookie']);
      expect(d.fields.find((f) => f.name === 'addr')).toMatchObject({ offset: 24, value: '0xdeadbeaf' });
      expect(d.note).toMatch(/20–23 .*stack bytes.*i386 this struct is 36 bytes/);
    }
  });

  it('6.14, 6.15 and upstream show the leaked bytes as __reserved and carry no note; v4 reads the same bytes as size/flags/…', () => {
    for (const profile of ['6.14', '6.15', 'upstream'] as const) {
      const d = decodeRaw(readEvent(record611()), profile)!;
      expect(d.fields.find((f) => f.name === '__reserved')).toMatchObject({ offset: 20, value: String(0xffff8880) });
      expect(d.note).toBeUndefined();
    }
    expect(decodeRaw(readEvent(record611()), 'v4')!.fields[0]).toMatchObject({ name: 'size', value: '3' });
  });

  it('every profile decodes an 8- or 32-byte write with its own response layout, or not at all', () => {
    for (const profile of KERNEL_PROFILE_IDS) {
      const rsp = KERNEL_PROFILES[profile].responseRecord;
      const ev = { ...readEvent(encodeStruct(rsp, { cookie: 5, code: 1 })), kind: 'RESPONSE_WRITE' as const };
      expect(decodeRaw(ev, profile)!.fields.find((f) => f.name === 'cookie')!.value, profile).toBe('5');
      const other = rsp.size === 8 ? 32 : 8;
      expect(decodeRaw({ ...ev, raw: toHex(new Uint8Array(other)) }, profile), profile).toBeNull();
    }
  });
});
