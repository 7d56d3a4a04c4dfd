import { describe, expect, it } from 'vitest';
import { latencyHistogram } from './latency-histogram';

describe('latencyHistogram', () => {
  it('is null for no values', () => {
    expect(latencyHistogram([])).toBeNull();
  });

  it('counts each value in the power-of-two bucket that holds it', () => {
    // 1000 ns ∈ [512, 1024), 1024 ∈ [1024, 2048), 1500 too, 5000 ∈ [4096, 8192).
    const h = latencyHistogram([1000, 1024, 1500, 5000]);
    expect(h).toEqual({ firstLog2: 9, counts: [1, 2, 0, 1], zeros: 0 });
  });

  it('keeps exact powers of two at the bottom of their bucket, even for large values', () => {
    const big = 2 ** 40;
    const h = latencyHistogram([big - 1, big])!;
    expect(h.firstLog2).toBe(39);
    expect(h.counts).toEqual([1, 1]);
  });

  it('counts zeros apart and sub-nanosecond values in the first bucket', () => {
    expect(latencyHistogram([0, 0, 0.5, 1])).toEqual({ firstLog2: 0, counts: [2], zeros: 2 });
    expect(latencyHistogram([0])).toEqual({ firstLog2: 0, counts: [], zeros: 1 });
  });

  it('refuses negative and non-finite latencies', () => {
    expect(() => latencyHistogram([5, -1])).toThrow(/-1 ns/);
    expect(() => latencyHistogram([Number.NaN])).toThrow(RangeError);
  });
});
