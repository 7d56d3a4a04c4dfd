import { describe, expect, it } from 'vitest';
import { compactNs, histogramLayout, sharedRange, widenRange } from './histogram-bars';

describe('histogramLayout', () => {
  it('draws one equal-width bar per power-of-two bucket with heights proportional to counts', () => {
    const l = histogramLayout({ firstLog2: 10, counts: [2, 0, 4], zeros: 0 }, { width: 300, height: 100 });
    expect(l.bars.map((b) => [b.loNs, b.hiNs, b.count])).toEqual([
      [1024, 2048, 2],
      [2048, 4096, 0],
      [4096, 8192, 4],
    ]);
    expect(l.bars.map((b) => b.x)).toEqual([0, 100, 200]);
    expect(l.bars.map((b) => b.height)).toEqual([50, 0, 100]);
    expect(l.bars[0]!.y).toBe(50);
    expect(l.maxCount).toBe(4);
    expect(l.total).toBe(6);
  });

  it('puts zero-latency faults in a first bar of their own', () => {
    const l = histogramLayout({ firstLog2: 3, counts: [1], zeros: 3 }, { width: 100, height: 30 });
    expect(l.bars.map((b) => [b.loNs, b.count])).toEqual([
      [0, 3],
      [8, 1],
    ]);
    expect(l.total).toBe(4);
  });

  it('keeps a lone outlier at least one pixel tall', () => {
    const l = histogramLayout({ firstLog2: 0, counts: [100000, 1], zeros: 0 }, { width: 20, height: 40 });
    expect(l.bars[1]!.height).toBe(1);
  });

  it('labels the first and last edges and at most maxTicks spread between', () => {
    const l = histogramLayout({ firstLog2: 0, counts: new Array(30).fill(1), zeros: 0 }, { width: 300, height: 10, maxTicks: 5 });
    expect(l.ticks.length).toBeLessThanOrEqual(6);
    expect(l.ticks[0]).toEqual({ x: 0, label: '1ns' });
    expect(l.ticks.at(-1)).toEqual({ x: 300, label: '1.1s' });
  });

  it('is empty for an empty histogram', () => {
    expect(histogramLayout({ firstLog2: 0, counts: [], zeros: 0 }, { width: 10, height: 10 }).bars).toEqual([]);
  });
});

describe('compactNs', () => {
  it('uses the largest unit that keeps the value at or above one', () => {
    expect(compactNs(0)).toBe('0');
    expect(compactNs(512)).toBe('512ns');
    expect(compactNs(1024)).toBe('1.0µs');
    expect(compactNs(32 * 1024 * 1024)).toBe('34ms');
  });
});

describe('shared and widened ranges', () => {
  it('spans every histogram of a table so rows share one axis', () => {
    const r = sharedRange([{ firstLog2: 10, counts: [1, 1], zeros: 0 }, null, { firstLog2: 8, counts: [3], zeros: 0 }, { firstLog2: 0, counts: [], zeros: 2 }]);
    expect(r).toEqual({ first: 8, last: 11 });
    expect(sharedRange([null, undefined])).toBeNull();
  });

  it('draws empty buckets across the requested range', () => {
    const l = histogramLayout({ firstLog2: 10, counts: [4], zeros: 0 }, { width: 40, height: 10, range: { first: 8, last: 11 } });
    expect(l.bars.map((b) => [b.loNs, b.count])).toEqual([
      [256, 0],
      [512, 0],
      [1024, 4],
      [2048, 0],
    ]);
  });

  it('widens a narrow range around its middle, never below 1 ns', () => {
    expect(widenRange({ first: 10, last: 10 }, 5)).toEqual({ first: 8, last: 12 });
    expect(widenRange({ first: 1, last: 2 }, 6)).toEqual({ first: 0, last: 5 });
    expect(widenRange({ first: 0, last: 9 }, 4)).toEqual({ first: 0, last: 9 });
  });
});
