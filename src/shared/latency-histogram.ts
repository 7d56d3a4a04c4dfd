/**
 * Latency histograms with power-of-two buckets, ns: compact enough to ship
 * for every statistics group (a few dozen integers), fine enough to show the
 * shape of a distribution that spans nanoseconds to seconds on a log axis.
 * The host counts (analysis/stats.ts); the renderer only draws.
 */

export interface LatencyHistogram {
  /** Bucket i counts values in [2^(firstLog2+i), 2^(firstLog2+i+1)) ns. */
  readonly firstLog2: number;
  readonly counts: readonly number[];
  /** Values of exactly 0 ns (no power-of-two bucket holds them). */
  readonly zeros: number;
}

/** floor(log2(v)) for v ≥ 1, exact for safe integers (no floating-point log). */
function floorLog2(v: number): number {
  let e = Math.floor(Math.log2(v));
  // Math.log2 may round across a power of two for large values; settle it exactly.
  while (2 ** e > v) e--;
  while (2 ** (e + 1) <= v) e++;
  return e;
}

/**
 * Counts `values` (ns, ≥ 0) in power-of-two buckets from the smallest to the
 * largest value present; null when there are none. Fractions below 1 ns
 * count in the [1, 2) bucket; negative or non-finite values are refused.
 */
export function latencyHistogram(values: Iterable<number>): LatencyHistogram | null {
  let zeros = 0;
  let seen = false;
  const byExp = new Map<number, number>();
  for (const v of values) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`latency ${v} ns is not a finite non-negative number`);
    seen = true;
    if (v === 0) {
      zeros++;
      continue;
    }
    const e = v < 1 ? 0 : floorLog2(v);
    byExp.set(e, (byExp.get(e) ?? 0) + 1);
  }
  if (!seen) return null;
  if (byExp.size === 0) return { firstLog2: 0, counts: [], zeros };
  const exps = [...byExp.keys()];
  const lo = Math.min(...exps);
  const hi = Math.max(...exps);
  const counts = new Array<number>(hi - lo + 1).fill(0);
  for (const [e, n] of byExp) counts[e - lo] = n;
  return { firstLog2: lo, counts, zeros };
}
