/**
 * Latencies as the statistics tables print them: three significant digits
 * ("2.8 µs", "12.3 µs", "1.25 ms"), narrow enough that a row of percentiles
 * fits a laptop window's centre column. The exact value (formatNs) goes in
 * the cell's tooltip.
 */
const UNITS = [
  { scale: 1e9, unit: 's' },
  { scale: 1e6, unit: 'ms' },
  { scale: 1e3, unit: 'µs' },
] as const;

export function compactNs(ns: number): string {
  const abs = Math.abs(ns);
  let upper: string | null = null;
  for (const { scale, unit } of UNITS) {
    if (abs < scale) {
      upper = unit;
      continue;
    }
    const v = ns / scale;
    // The top unit keeps every digit of a large value.
    if (unit === 's' && Math.abs(v) >= 1000) return `${Math.round(v)} s`;
    // toPrecision(3) then Number() drops trailing zeros.
    const rounded = Number(v.toPrecision(3));
    // 999.9 µs rounds to 1000 µs: say 1 ms instead.
    return Math.abs(rounded) >= 1000 && upper ? `${rounded / 1000} ${upper}` : `${rounded} ${unit}`;
  }
  return `${Math.round(ns)} ns`;
}
