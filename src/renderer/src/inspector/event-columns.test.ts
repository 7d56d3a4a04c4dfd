import { describe, expect, it } from 'vitest';
import type { EventRow } from '@shared/events';
import { fakeEvent } from '@renderer/testing/fake-api';
import { eventColumns, scenarioLineOf } from './event-columns';

const col = (e: EventRow, name: string, meanings?: Record<string, string>) => eventColumns(e, meanings).find((c) => c.name === name);

describe('eventColumns', () => {
  it('spells perm bits, response codes and errno by name', () => {
    const e = fakeEvent(9, { t: 4_700, layer: 'iommufd', kind: 'FD_ERRNO', dev: 0x300, perm: 3, code: 1, errno: 22, cookie: 5, pasid: 16 });
    expect(col(e, 'perm')).toEqual({ name: 'perm', value: '0x3', meaning: 'READ|WRITE' });
    expect(col(e, 'code')).toEqual({ name: 'code', value: '1', meaning: 'INVALID' });
    expect(col(e, 'errno')).toEqual({ name: 'errno', value: '22', meaning: 'EINVAL' });
    expect(col(e, 'dev')?.value).toBe('03:00.0');
    expect(col(e, 'pasid')?.value).toBe('0x10');
    expect(col(e, 't')).toEqual({ name: 't', value: '4.700 µs', meaning: '4700 ns' });
  });

  it("prefers the host's meanings", () => {
    const e = fakeEvent(1, { code: 15 });
    expect(col(e, 'code')?.meaning).toBe('code 15');
    expect(col(e, 'code', { code: 'RESPONSE_FAILURE (PCIe)' })?.meaning).toBe('RESPONSE_FAILURE (PCIe)');
  });

  it('leaves out absent columns', () => {
    expect(eventColumns(fakeEvent(0)).map((c) => c.name)).toEqual(['seq', 't', 'kind', 'layer', 'dev']);
  });

  it('shows the IOMMU unit when the row has one', () => {
    expect(col(fakeEvent(0, { iommu: 1 }), 'iommu')?.value).toBe('1');
  });
});

describe('scenarioLineOf', () => {
  it('gives the line, or null when there is none or the row predates it', () => {
    expect(scenarioLineOf(fakeEvent(0, { line: 42 }))).toBe(42);
    expect(scenarioLineOf(fakeEvent(0, { line: null }))).toBeNull();
    const { line: _line, ...old } = fakeEvent(0);
    expect(scenarioLineOf(old as EventRow)).toBeNull();
  });
});
