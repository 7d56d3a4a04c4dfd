import { describe, expect, it } from 'vitest';
import type { IommuDriver, KernelDevice } from '../kernel/iommu-core';
import { IommuGroupImpl } from './topology';
import { attach, makeDomain } from './testing/harness';
import { resolveHandle, translatePage } from './translation';

function device(): KernelDevice {
  const group = new IommuGroupImpl(1);
  const dev: KernelDevice = { name: '0000:09:00.0', rid: 0x0900, group, driver: {} as IommuDriver, isVf: false };
  group.devices.push(dev);
  return dev;
}

describe('translation walk: (device, PASID) → attach handle → domain page table', () => {
  it('a PASID uses its own handle; without one it falls back to the RID handle only with user_pasid_table and a nested domain', () => {
    const dev = device();
    const nested = makeDomain('nested');
    attach(dev.group, nested); // RID
    expect(resolveHandle(dev, 7, false)).toBeNull();
    expect(resolveHandle(dev, 7, true)?.domain).toBe(nested);
    const paging = makeDomain('paging');
    attach(dev.group, paging, 7);
    expect(resolveHandle(dev, 7, true)?.domain).toBe(paging);
    const dev2 = device();
    attach(dev2.group, makeDomain('paging'));
    expect(resolveHandle(dev2, 7, true)).toBeNull(); // RID domain not nested: no fallback
  });

  it('present/permission/blocked/identity', () => {
    const dev = device();
    const d = makeDomain('paging');
    attach(dev.group, d);
    d.pageTable.mapRange(0x1000n, 0x1000n, 1);
    expect(translatePage(dev, null, 0x1000n, 1, false)).toMatchObject({ granted: 1, miss: null });
    expect(translatePage(dev, null, 0x1000n, 2, false).miss).toBe('permission');
    expect(translatePage(dev, null, 0x2000n, 1, false).miss).toBe('notPresent');
    attach(dev.group, makeDomain('blocked'));
    expect(translatePage(dev, null, 0x1000n, 1, false).miss).toBe('blocked');
    attach(dev.group, makeDomain('identity'));
    expect(translatePage(dev, null, 0xdead_0000n, 3, false).granted).toBe(0xf);
  });
});
