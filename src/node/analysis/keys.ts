/**
 * Map keys for (device, number) pairs — (dev, PRG index), (dev, cookie) — as
 * one number, so the per-event lookups of the analysers allocate no strings.
 * A null device is its own key space; values too large to pack fall back to a
 * string key.
 */
const TWO_32 = 4_294_967_296;
const MAX_DEV = 2_097_150;

export function pairKey(dev: number | null, n: number): number | string {
  const d = dev === null ? 0 : dev + 1;
  return d <= MAX_DEV && n >= 0 && n < TWO_32 ? d * TWO_32 + n : `${dev ?? ''}:${n}`;
}
