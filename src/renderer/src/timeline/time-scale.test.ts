import { describe, expect, it } from 'vitest';
import { TimeScale, axisTicks, formatTick } from './time-scale';

describe('TimeScale', () => {
  const scale = new TimeScale({ startNs: 1_000, endNs: 3_000 }, 100, 1_100);

  it('maps the window edges to the pixel edges', () => {
    expect(scale.toPx(1_000)).toBe(100);
    expect(scale.toPx(3_000)).toBe(1_100);
    expect(scale.nsPerPx).toBe(2);
  });

  it('toNs inverts toPx', () => {
    for (const ns of [1_000, 1_234, 2_999]) expect(scale.toNs(scale.toPx(ns))).toBeCloseTo(ns);
  });

  it('contains() includes both edges only', () => {
    expect([999, 1_000, 3_000, 3_001].map((t) => scale.contains(t))).toEqual([false, true, true, false]);
  });
});

describe('axisTicks', () => {
  it('picks a 1-2-5 step no closer than the minimum spacing', () => {
    const { stepNs, ticks } = axisTicks({ startNs: 0, endNs: 10_000 }, 1_000, 96);
    expect(stepNs).toBe(1_000);
    expect(ticks).toEqual([0, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 9_000, 10_000]);
  });

  it('starts at the first multiple of the step inside the window', () => {
    const { stepNs, ticks } = axisTicks({ startNs: 130, endNs: 1_130 }, 500, 96);
    expect(stepNs).toBe(200);
    expect(ticks[0]).toBe(200);
    expect(ticks.at(-1)).toBe(1_000);
  });

  it('never goes below 1 ns', () => {
    expect(axisTicks({ startNs: 0, endNs: 3 }, 2_000).stepNs).toBe(1);
  });
});

describe('formatTick', () => {
  it('uses the unit of the largest time in view and just enough decimals', () => {
    expect(formatTick(4_000, 2_000, { startNs: 0, endNs: 10_000 })).toBe('4 µs');
    expect(formatTick(2_500, 500, { startNs: 0, endNs: 10_000 })).toBe('2.5 µs');
    expect(formatTick(15_002, 2, { startNs: 15_000, endNs: 15_010 })).toBe('15.002 µs');
    expect(formatTick(40, 20, { startNs: 0, endNs: 100 })).toBe('40 ns');
    expect(formatTick(3_000_000, 1_000_000, { startNs: 0, endNs: 5_000_000 })).toBe('3 ms');
  });
});
