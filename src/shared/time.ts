/**
 * Virtual time. Every timestamp in the emulator is a branded bigint count of
 * nanoseconds on the simulation clock (never the wall clock), so that a
 * scenario with the same seed produces the same timestamps on every machine.
 */
declare const nsBrand: unique symbol;

/** Nanoseconds of virtual time. */
export type Ns = bigint & { readonly [nsBrand]: 'ns' };

export const ns = (value: bigint | number): Ns => BigInt(value) as Ns;
export const us = (value: number): Ns => ns(BigInt(Math.round(value * 1000)));
export const ms = (value: number): Ns => ns(BigInt(Math.round(value * 1_000_000)));

export const ZERO_NS: Ns = ns(0n);

export function addNs(a: Ns, b: Ns | bigint): Ns {
  return (a + b) as Ns;
}

/** Human-readable virtual time, e.g. `1.250 µs`, `12.000 ms`. */
export function formatNs(value: bigint | number): string {
  const v = typeof value === 'bigint' ? Number(value) : value;
  const abs = Math.abs(v);
  if (abs >= 1e9) return `${(v / 1e9).toFixed(3)} s`;
  if (abs >= 1e6) return `${(v / 1e6).toFixed(3)} ms`;
  if (abs >= 1e3) return `${(v / 1e3).toFixed(3)} µs`;
  return `${v} ns`;
}
