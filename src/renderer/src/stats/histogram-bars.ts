/**
 * Geometry of a latency histogram drawn as SVG: one bar per power-of-two
 * bucket (equal widths, so the x axis is logarithmic), heights linear in the
 * count, and a few edge labels. Pure: the component only renders the result.
 */
import type { LatencyHistogram } from '@shared/latency-histogram';

export interface HistogramBar {
  /** Bucket bounds, ns: [loNs, hiNs); both 0 for the zero bucket. */
  readonly loNs: number;
  readonly hiNs: number;
  readonly count: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface HistogramTick {
  readonly x: number;
  readonly label: string;
}

export interface HistogramLayout {
  readonly bars: readonly HistogramBar[];
  readonly ticks: readonly HistogramTick[];
  /** Largest count, for the y label. */
  readonly maxCount: number;
  readonly total: number;
}

/** Short axis labels: `0`, `512ns`, `1.0µs`, `33ms`, `1.1s` (two significant digits at most). */
export function compactNs(ns: number): string {
  if (ns === 0) return '0';
  const units: [number, string][] = [
    [1e9, 's'],
    [1e6, 'ms'],
    [1e3, 'µs'],
  ];
  for (const [scale, unit] of units) {
    if (ns >= scale) {
      const v = ns / scale;
      return `${v >= 10 ? Math.round(v) : v.toFixed(1)}${unit}`;
    }
  }
  return `${Math.round(ns)}ns`;
}

/** Power-of-two buckets [2^first, 2^(last+1)) a chart spans. */
export interface Log2Range {
  readonly first: number;
  readonly last: number;
}

/** The range covering every histogram given (null when none has a bucket), so rows of a table share one x axis. */
export function sharedRange(histograms: readonly (LatencyHistogram | null | undefined)[]): Log2Range | null {
  let first = Infinity;
  let last = -Infinity;
  for (const h of histograms) {
    if (!h || h.counts.length === 0) continue;
    first = Math.min(first, h.firstLog2);
    last = Math.max(last, h.firstLog2 + h.counts.length - 1);
  }
  return Number.isFinite(first) ? { first, last } : null;
}

/** Widens a range to at least `min` buckets, half on each side, never below 2^0. */
export function widenRange(r: Log2Range, min: number): Log2Range {
  const missing = min - (r.last - r.first + 1);
  if (missing <= 0) return r;
  const below = Math.min(r.first, Math.floor(missing / 2));
  return { first: r.first - below, last: r.last + (missing - below) };
}

export interface HistogramBox {
  readonly width: number;
  readonly height: number;
  /** Most edge labels to place (they are spread evenly). */
  readonly maxTicks?: number;
  /** The buckets to span (default: the histogram's own); must cover the histogram's. */
  readonly range?: Log2Range;
}

export function histogramLayout(h: LatencyHistogram, box: HistogramBox): HistogramLayout {
  const buckets: { loNs: number; hiNs: number; count: number }[] = [];
  if (h.zeros > 0) buckets.push({ loNs: 0, hiNs: 0, count: h.zeros });
  const own = h.counts.length > 0 ? { first: h.firstLog2, last: h.firstLog2 + h.counts.length - 1 } : null;
  const range = box.range && own ? { first: Math.min(box.range.first, own.first), last: Math.max(box.range.last, own.last) } : (box.range ?? own);
  if (range) {
    for (let e = range.first; e <= range.last; e++) buckets.push({ loNs: 2 ** e, hiNs: 2 ** (e + 1), count: h.counts[e - h.firstLog2] ?? 0 });
  }
  const total = buckets.reduce((a, b) => a + b.count, 0);
  const maxCount = buckets.reduce((a, b) => Math.max(a, b.count), 0);
  if (buckets.length === 0) return { bars: [], ticks: [], maxCount: 0, total: 0 };
  const slot = box.width / buckets.length;
  const gap = slot > 6 ? 1 : 0;
  const bars = buckets.map((b, i): HistogramBar => {
    // A non-empty bucket is never drawn thinner than one pixel, so a lone outlier stays visible.
    const height = b.count === 0 ? 0 : Math.max(1, (b.count / maxCount) * box.height);
    return { ...b, x: i * slot, y: box.height - height, width: Math.max(1, slot - gap), height };
  });
  // Edge labels sit at bucket starts; the last one closes the range.
  const edges = buckets.map((b, i) => ({ x: i * slot, ns: b.loNs }));
  edges.push({ x: box.width, ns: buckets[buckets.length - 1]!.hiNs });
  const maxTicks = Math.max(2, box.maxTicks ?? 6);
  const step = Math.ceil(edges.length / maxTicks);
  const ticks = edges.filter((_, i) => i % step === 0 || i === edges.length - 1).map((e) => ({ x: e.x, label: compactNs(e.ns) }));
  return { bars, ticks, maxCount, total };
}
