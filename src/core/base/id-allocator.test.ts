import { describe, expect, it } from 'vitest';
import { IdAllocator } from './id-allocator';

describe('IdAllocator (xa_alloc on an XA_FLAGS_ALLOC1 xarray)', () => {
  it('starts at 1 and hands out the lowest free id, reusing freed ids at once', () => {
    const a = new IdAllocator();
    expect([a.alloc(), a.alloc(), a.alloc(), a.alloc()]).toEqual([1, 2, 3, 4]);
    expect(a.release(3)).toBe(true);
    expect(a.release(2)).toBe(true);
    expect(a.release(2)).toBe(false);
    expect(a.alloc()).toBe(2);
    expect(a.alloc()).toBe(3);
    expect(a.alloc()).toBe(5);
  });

  it('returns null when the id space is exhausted', () => {
    const a = new IdAllocator(2);
    expect([a.alloc(), a.alloc(), a.alloc()]).toEqual([1, 2, null]);
  });
});
