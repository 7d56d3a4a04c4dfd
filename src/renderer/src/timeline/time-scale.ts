/**
 * Mapping between virtual time (ns) and canvas x (CSS px), plus the axis tick
 * choice. Times are plain numbers of ns: EventRow.t is exact up to 2^53 ns.
 */

export interface TimeWindow {
  /** Left edge, ns. */
  readonly startNs: number;
  /** Right edge, ns; always > startNs. */
  readonly endNs: number;
}

export class TimeScale {
  /** ns per CSS pixel. */
  readonly nsPerPx: number;

  constructor(
    readonly window: TimeWindow,
    /** x of window.startNs, CSS px. */
    readonly pxLeft: number,
    /** x of window.endNs, CSS px. */
    readonly pxRight: number,
  ) {
    this.nsPerPx = (window.endNs - window.startNs) / Math.max(1, pxRight - pxLeft);
  }

  toPx(ns: number): number {
    return this.pxLeft + (ns - this.window.startNs) / this.nsPerPx;
  }

  toNs(px: number): number {
    return this.window.startNs + (px - this.pxLeft) * this.nsPerPx;
  }

  contains(ns: number): boolean {
    return ns >= this.window.startNs && ns <= this.window.endNs;
  }
}

export interface AxisTicks {
  /** Distance between ticks, ns (1, 2 or 5 × 10^k). */
  readonly stepNs: number;
  /** Tick times inside the window, ns. */
  readonly ticks: readonly number[];
}

/** Ticks at a 1-2-5 step no closer than `minSpacingPx`. */
export function axisTicks(window: TimeWindow, widthPx: number, minSpacingPx = 96): AxisTicks {
  const span = window.endNs - window.startNs;
  const raw = (span * minSpacingPx) / Math.max(1, widthPx);
  let stepNs = 1;
  for (let decade = 1; ; decade *= 10) {
    const pick = [1, 2, 5].map((m) => m * decade).find((s) => s >= raw);
    if (pick !== undefined) {
      stepNs = pick;
      break;
    }
  }
  const ticks: number[] = [];
  for (let t = Math.ceil(window.startNs / stepNs) * stepNs; t <= window.endNs; t += stepNs) ticks.push(t);
  return { stepNs, ticks };
}

const UNITS: readonly { readonly ns: number; readonly name: string }[] = [
  { ns: 1e9, name: 's' },
  { ns: 1e6, name: 'ms' },
  { ns: 1e3, name: 'µs' },
  { ns: 1, name: 'ns' },
];

/**
 * A tick label. The unit follows the largest time in view (so neighbouring
 * labels share a unit); the decimals are just enough to tell ticks apart.
 */
export function formatTick(ns: number, stepNs: number, window: TimeWindow): string {
  const magnitude = Math.max(Math.abs(window.startNs), Math.abs(window.endNs));
  const unit = UNITS.find((u) => magnitude >= u.ns) ?? UNITS[UNITS.length - 1]!;
  const decimals = Math.max(0, Math.ceil(-Math.log10(stepNs / unit.ns) - 1e-9));
  const value = ns / unit.ns;
  return `${value.toFixed(decimals)} ${unit.name}`;
}
