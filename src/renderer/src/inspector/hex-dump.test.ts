import { describe, expect, it } from 'vitest';
import type { DecodedField } from '@shared/api/analysis';
import { HexDumpError, hexDumpRows } from './hex-dump';

// An upstream iommu_hwpt_pgfault (40 bytes) as the happy path records it.
const PGFAULT = '05000000020000000100000000000000030000000000000000b0adde000000000000000001000000';
const FIELDS: DecodedField[] = [
  { name: 'flags', offset: 0, size: 4, value: '5' },
  { name: 'dev_id', offset: 4, size: 4, value: '2' },
  { name: 'pasid', offset: 8, size: 4, value: '1' },
  { name: 'grpid', offset: 12, size: 4, value: '0' },
  { name: 'perm', offset: 16, size: 4, value: '3' },
  { name: 'addr', offset: 24, size: 8, value: '0xdeadb000' },
  { name: 'length', offset: 32, size: 4, value: '0' },
  { name: 'cookie', offset: 36, size: 4, value: '1' },
];

describe('hexDumpRows', () => {
  it('lays 40 bytes out as rows of 16, 16 and 8 with hex offsets', () => {
    const rows = hexDumpRows(PGFAULT, FIELDS);
    expect(rows.map((r) => r.label)).toEqual(['0000', '0010', '0020']);
    expect(rows.map((r) => r.bytes.length)).toEqual([16, 16, 8]);
    expect(rows[0]!.bytes.slice(0, 4).map((b) => b.hex)).toEqual(['05', '00', '00', '00']);
    expect(rows[1]!.bytes[11]!.hex).toBe('de');
  });

  it('tags every byte with its field; padding has none', () => {
    const all = hexDumpRows(PGFAULT, FIELDS).flatMap((r) => r.bytes);
    expect(all.filter((b) => b.field === 'cookie').map((b) => b.offset)).toEqual([36, 37, 38, 39]);
    expect(all.filter((b) => b.field === 'addr').map((b) => b.offset)).toEqual([24, 25, 26, 27, 28, 29, 30, 31]);
    expect(all.filter((b) => b.field === null).map((b) => b.offset)).toEqual([20, 21, 22, 23]);
  });

  it('prints printable bytes in the ASCII gutter and dots for the rest', () => {
    const [row] = hexDumpRows('41427a7e7f1f20');
    expect(row!.bytes.map((b) => b.ascii).join('')).toBe('ABz~.. ');
  });

  it('an empty record has no rows; text that is not hex is refused', () => {
    expect(hexDumpRows('')).toEqual([]);
    expect(() => hexDumpRows('abc')).toThrow(HexDumpError);
    expect(() => hexDumpRows('zz')).toThrow(HexDumpError);
  });
});
