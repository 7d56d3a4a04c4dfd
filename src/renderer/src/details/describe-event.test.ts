import { describe, expect, it } from 'vitest';
import { fakeEvent } from '@renderer/testing/fake-api';
import { decodeRaw, describeEvent, formatRawHex } from './describe-event';

const valueOf = (lines: { name: string; value: string }[], name: string): string | undefined =>
  lines.find((l) => l.name === name)?.value;

describe('describeEvent', () => {
  it('spells perm bits, response codes and errno by name', () => {
    const lines = describeEvent(
      fakeEvent(9, { t: 4_700, layer: 'iommufd', kind: 'FD_ERRNO', dev: 2, perm: 3, code: 1, errno: 22, parent: 8, cookie: 5 }),
    );
    expect(valueOf(lines, 'perm')).toBe('0x3 READ|WRITE');
    expect(valueOf(lines, 'code')).toBe('1 INVALID');
    expect(valueOf(lines, 'errno')).toBe('22 EINVAL');
    expect(valueOf(lines, 'parent')).toBe('#8');
    expect(valueOf(lines, 't')).toBe('4.700 µs (4700 ns)');
    expect(valueOf(lines, 'track')).toBe('iommufd#2');
  });

  it('leaves out absent fields', () => {
    const names = describeEvent(fakeEvent(0)).map((l) => l.name);
    expect(names).toEqual(['seq', 't', 'kind', 'layer', 'track', 'device']);
  });
});

describe('decodeRaw', () => {
  // An upstream iommu_hwpt_pgfault as recorded by the happy-path scenario.
  const PGFAULT = '05000000020000000100000000000000030000000000000000b0adde000000000000000001000000';

  it('decodes an upstream fault record', () => {
    const rec = decodeRaw(PGFAULT, 'upstream')!;
    expect(rec.struct).toBe('struct iommu_hwpt_pgfault (upstream, 40 bytes)');
    expect(valueOf([...rec.fields], 'flags')).toBe('0x5 PASID_VALID|NEEDS_PASID(kernel bit 2)');
    expect(valueOf([...rec.fields], 'dev_id')).toBe('2');
    expect(valueOf([...rec.fields], 'perm')).toBe('0x3 READ|WRITE');
    expect(valueOf([...rec.fields], 'addr')).toBe('0xdeadb000');
    expect(valueOf([...rec.fields], 'cookie')).toBe('1');
  });

  it('decodes an upstream 8-byte response', () => {
    const rec = decodeRaw('0100000000000000', 'upstream')!;
    expect(rec.fields).toEqual([
      { name: 'cookie', value: '1' },
      { name: 'code', value: '0 SUCCESS' },
    ]);
  });

  it('decodes with the v4 layout for v4 sessions', () => {
    const rec = decodeRaw('28000000'.padEnd(80, '0'), 'v4')!;
    expect(rec.fields[0]).toEqual({ name: 'size', value: '40' });
  });

  it('returns null for bytes that match no record of the profile', () => {
    expect(decodeRaw('0102', 'upstream')).toBeNull();
    expect(decodeRaw(null, 'upstream')).toBeNull();
  });
});

describe('formatRawHex', () => {
  it('groups by four bytes', () => {
    expect(formatRawHex('0100000000000000ff')).toBe('01000000 00000000 ff');
  });
});
