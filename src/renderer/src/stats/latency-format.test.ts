import { describe, expect, it } from 'vitest';
import { compactNs } from './latency-format';

describe('compactNs', () => {
  it('keeps three significant digits and drops trailing zeros', () => {
    expect(compactNs(0)).toBe('0 ns');
    expect(compactNs(400)).toBe('400 ns');
    expect(compactNs(999)).toBe('999 ns');
    expect(compactNs(1_000)).toBe('1 µs');
    expect(compactNs(2_800)).toBe('2.8 µs');
    expect(compactNs(12_345)).toBe('12.3 µs');
    expect(compactNs(123_456)).toBe('123 µs');
    expect(compactNs(1_234_567)).toBe('1.23 ms');
    expect(compactNs(2_500_000_000)).toBe('2.5 s');
    expect(compactNs(4_321_000_000_000)).toBe('4321 s');
    // Rounding up to the next unit says so.
    expect(compactNs(999_999)).toBe('1 ms');
    expect(compactNs(999_600_000)).toBe('1 s');
  });

  it('is never wider than formatNs for the same value', () => {
    for (const v of [7, 1_500, 99_999, 1_000_001, 3e9]) expect(compactNs(v).length).toBeLessThanOrEqual(`${(v / 1e3).toFixed(3)} µs`.length);
  });
});
