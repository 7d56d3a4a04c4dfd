/**
 * The timeline painter: immediate mode, Perfetto style. render() draws the
 * whole visible frame from a RenderContext and keeps nothing between calls
 * but a text-width cache, so a frame is a pure function of (frame data,
 * window, rows, selection, theme). Two ways to draw a track:
 *   raw  the events themselves: lifecycle slices coloured per cookie,
 *        diamonds with labels where there is room, flow arrows from the page
 *        request through the cookie to the response, counters as steps;
 *   lod  the host's buckets (≈1 px each): shading by event count and a bar
 *        for the longest slice in the bucket (worst latency), batched into
 *        one path per shade so a million events cost a few thousand rects.
 *        With a filter, buckets whose page counted matches shade by the
 *        matches (dim: the rest faint; hide: the rest not at all).
 * Counters draw at every zoom: exact steps from raw events, or the host's
 * per-bucket envelope (largest value per bucket) when zoomed out.
 */
import { formatNs } from '@shared/time';
import type { EventFilter } from '@shared/api/workbench';
import type { EventRow, Layer } from '@shared/events';
import { cookieHue, eventHue, hueColor, kindHue } from './colors';
import type { CounterMap, CounterSpans } from './counters';
import { lowerBound, type DrawMode, type LodFrame, type RawFrame } from './frame';
import { GEOMETRY, labelTextWidth, screenRows, timeScaleOf, tracksTop, type ScreenRow } from './geometry';
import { lifecycleLabel, trackKeyOfEvent, type Lifecycle } from './lifecycles';
import { matchesFilter } from './search-query';
import { axisTicks, formatTick, type TimeScale, type TimeWindow } from './time-scale';
import type { TimelineTheme } from './theme';
import { GROUPS, type RowLayout } from './track-tree';

/** The subset of CanvasRenderingContext2D the painter uses (tests pass a recorder). */
export type Canvas2D = Pick<
  CanvasRenderingContext2D,
  | 'save'
  | 'restore'
  | 'setTransform'
  | 'fillRect'
  | 'fillText'
  | 'measureText'
  | 'beginPath'
  | 'moveTo'
  | 'lineTo'
  | 'bezierCurveTo'
  | 'closePath'
  | 'fill'
  | 'stroke'
  | 'rect'
  | 'clip'
  | 'setLineDash'
  | 'fillStyle'
  | 'strokeStyle'
  | 'lineWidth'
  | 'font'
  | 'textBaseline'
  | 'textAlign'
  | 'globalAlpha'
>;

export type FilterMode = 'off' | 'dim' | 'hide';

export interface RenderContext {
  readonly window: TimeWindow;
  /** Canvas size, CSS px. */
  readonly width: number;
  readonly height: number;
  readonly dpr: number;
  readonly theme: TimelineTheme;
  readonly mode: DrawMode;
  readonly raw: RawFrame | null;
  readonly lod: LodFrame | null;
  readonly layout: RowLayout;
  readonly scrollY: number;
  /** Counter series to draw by track key (exact or the host's envelope); null when none are known yet. */
  readonly counters: CounterMap | null;
  /** Shown in a counter row while `counters` is null. */
  readonly counterHint?: string;
  /** The selected event when known (fetched by seq), else null. */
  readonly selected: EventRow | null;
  /** Failed assertions and invariant violations of the session. */
  readonly alerts: readonly EventRow[];
  /** Marked times, ns. */
  readonly marks: readonly number[];
  readonly filter: EventFilter | null;
  readonly filterMode: FilterMode;
  /** Shown in place of the tracks (loading, error, nothing selected). */
  readonly message: string | null;
}

export interface TrackReport {
  readonly key: string;
  readonly top: number;
  readonly height: number;
}

export interface RenderResult {
  /** Events inside the window on visible rows, painted one by one this frame (raw mode). */
  readonly drawnEvents: number;
  /** Buckets painted this frame (lod mode). */
  readonly drawnCells: number;
  /** Track rows on screen. */
  readonly tracks: readonly TrackReport[];
}

/** Shading levels for event counts in a bucket (one batched path each). */
const SHADES = 6;
const LATENCY_HUE = 12;
const COUNTER_HUE = 195;
const LAYER_HUE: Readonly<Record<Layer, number>> = { device: 210, iommu: 265, kernel: 160, iommufd: 40, policy: 300, check: 130 };

interface Point {
  readonly x: number;
  readonly y: number;
}

/**
 * An arrow between two marker centres, stroked and filled with the current
 * styles. Far apart in time: an S-curve into the marker's side; at (almost)
 * the same time: a straight vertical line into its top or bottom tip.
 */
function drawArrow(ctx: Canvas2D, from: Point, to: Point): void {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  if (dx === 0 && dy === 0) return;
  const vertical = Math.abs(dx) < 3 * GEOMETRY.markerHalfWidth;
  const tip: Point = vertical
    ? { x: to.x, y: to.y - Math.sign(dy) * GEOMETRY.markerHalfHeight }
    : { x: to.x - Math.sign(dx) * GEOMETRY.markerHalfWidth, y: to.y };
  ctx.beginPath();
  ctx.moveTo(from.x, from.y);
  if (vertical) ctx.lineTo(tip.x, tip.y);
  else {
    const bend = Math.min(60, Math.abs(dx) / 2) * Math.sign(dx);
    ctx.bezierCurveTo(from.x + bend, from.y, tip.x - bend, tip.y, tip.x, tip.y);
  }
  ctx.stroke();
  const [ux, uy] = vertical ? [0, Math.sign(dy)] : [Math.sign(dx), 0];
  ctx.beginPath();
  ctx.moveTo(tip.x, tip.y);
  ctx.lineTo(tip.x - ux * 6 - uy * 3.5, tip.y - uy * 6 - ux * 3.5);
  ctx.lineTo(tip.x - ux * 6 + uy * 3.5, tip.y - uy * 6 + ux * 3.5);
  ctx.closePath();
  ctx.fill();
}

function diamond(ctx: Canvas2D, x: number, y: number, w: number, h: number): void {
  ctx.moveTo(x, y - h);
  ctx.lineTo(x + w, y);
  ctx.lineTo(x, y + h);
  ctx.lineTo(x - w, y);
  ctx.closePath();
}

/** Hue of an event: its fault's cookie when the lifecycle has one (alarms stay red), else by kind. */
export function eventColorHue(e: EventRow, lc: Lifecycle | undefined): number {
  const own = eventHue(e);
  if (own === kindHue(e.kind) && e.cookie === null && lc?.cookie != null && own !== 0) return cookieHue(lc.cookie);
  return own;
}

export function lifecycleHue(lc: Lifecycle): number {
  return lc.cookie !== null ? cookieHue(lc.cookie) : 25 + (((lc.grpid ?? lc.id) * 67) % 300);
}

export class TimelineRenderer {
  private readonly textWidths = new Map<string, number>();
  private textWidthFont = '';

  render(ctx: Canvas2D, rc: RenderContext): RenderResult {
    const { theme } = rc;
    ctx.save();
    ctx.setTransform(rc.dpr, 0, 0, rc.dpr, 0, 0);
    ctx.globalAlpha = 1;
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, rc.width, rc.height);
    const scale = timeScaleOf(rc.window, rc.width);
    const ticks = axisTicks(rc.window, rc.width - GEOMETRY.labelWidth);
    let drawnEvents = 0;
    let drawnCells = 0;
    const rows = rc.message === null ? screenRows(rc.layout, rc.scrollY, rc.height) : [];
    const yOfTrack = new Map<string, number>();
    for (const r of rows) if (r.row.track) yOfTrack.set(r.row.track.key, r.y + r.row.height / 2);

    if (rc.message === null && rows.length > 0) {
      this.drawRowBackgrounds(ctx, rc, rows);
      this.drawGrid(ctx, rc, scale, ticks.ticks);
      ctx.save();
      ctx.beginPath();
      ctx.rect(GEOMETRY.labelWidth, tracksTop(), rc.width - GEOMETRY.labelWidth, rc.height - tracksTop());
      ctx.clip();
      for (const r of rows) {
        const t = r.row.track;
        if (!t) continue;
        if (t.kind === 'counter') this.drawCounter(ctx, rc, r, scale);
        else if (rc.mode === 'raw' && rc.raw) drawnEvents += this.drawRawTrack(ctx, rc, rc.raw, r, scale);
        else if (rc.mode === 'lod' && rc.lod) drawnCells += this.drawLodTrack(ctx, rc, rc.lod, r, scale);
      }
      if (rc.mode === 'raw' && rc.raw) this.drawFlows(ctx, rc, rc.raw, yOfTrack, scale);
      this.drawSelection(ctx, rc, yOfTrack, scale);
      this.drawMarks(ctx, rc, scale);
      ctx.restore();
      this.drawLabels(ctx, rc, rows);
    } else {
      const text = rc.message ?? 'This session recorded no events.';
      ctx.fillStyle = theme.textDim;
      ctx.font = theme.font;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(text, rc.width / 2, tracksTop() + (rc.height - tracksTop()) / 2);
    }
    this.drawAlertStrip(ctx, rc, scale);
    this.drawAxis(ctx, rc, scale, ticks.ticks, ticks.stepNs);
    ctx.restore();
    const tracks = rows.filter((r) => r.row.track).map((r) => ({ key: r.row.track!.key, top: r.y, height: r.row.height }));
    return { drawnEvents, drawnCells, tracks };
  }

  private drawRowBackgrounds(ctx: Canvas2D, rc: RenderContext, rows: readonly ScreenRow[]): void {
    for (const { row, y } of rows) {
      const groupIndex = GROUPS.findIndex((g) => g.id === row.group);
      ctx.fillStyle = row.type === 'group' ? rc.theme.panel : groupIndex % 2 === 0 ? rc.theme.background : rc.theme.backgroundAlt;
      ctx.fillRect(0, y, rc.width, row.height);
      ctx.fillStyle = rc.theme.separator;
      ctx.fillRect(row.type === 'group' ? 0 : GEOMETRY.labelWidth, y + row.height - 1, rc.width, 1);
    }
    const { pinnedHeight } = rc.layout;
    if (pinnedHeight > 0) {
      ctx.fillStyle = rc.theme.text;
      ctx.fillRect(0, tracksTop() + pinnedHeight - 1, rc.width, 1);
    }
  }

  private drawGrid(ctx: Canvas2D, rc: RenderContext, scale: TimeScale, ticks: readonly number[]): void {
    ctx.fillStyle = rc.theme.grid;
    for (const t of ticks) ctx.fillRect(Math.round(scale.toPx(t)), tracksTop(), 1, rc.height - tracksTop());
  }

  private isVisibleEvent(rc: RenderContext, e: EventRow): 'show' | 'dim' | 'hide' {
    if (!rc.filter || rc.filterMode === 'off' || matchesFilter(e, rc.filter)) return 'show';
    return rc.filterMode === 'dim' ? 'dim' : 'hide';
  }

  private drawRawTrack(ctx: Canvas2D, rc: RenderContext, raw: RawFrame, r: ScreenRow, scale: TimeScale): number {
    const key = r.row.track!.key;
    const mid = r.y + r.row.height / 2;
    const lifecycles = raw.lifecycles;
    // Lifecycle slices: how long the fault stayed on this track.
    ctx.font = rc.theme.fontSmall;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    // Slices wide enough carry their fault's label (cookie / PRG) instead of the kinds inside them.
    const labelled: [number, number][] = [];
    for (const s of lifecycles.slices.get(key) ?? []) {
      if (s.endNs < rc.window.startNs || s.startNs > rc.window.endNs) continue;
      const x0 = scale.toPx(s.startNs);
      const x1 = scale.toPx(s.endNs);
      ctx.fillStyle = hueColor(lifecycleHue(s.lifecycle), rc.theme.scheme, 0.32);
      ctx.fillRect(x0, mid - GEOMETRY.sliceHeight / 2, Math.max(1, x1 - x0), GEOMETRY.sliceHeight);
      const label = lifecycleLabel(s.lifecycle);
      const left = Math.max(x0, GEOMETRY.labelWidth) + GEOMETRY.markerHalfWidth + 4;
      if (x1 - left >= this.textWidth(ctx, label) + 2 * GEOMETRY.markerHalfWidth) {
        ctx.fillStyle = rc.theme.text;
        ctx.fillText(label, left, mid);
        labelled.push([x0 - 1, x1]);
      }
    }
    const track = raw.tracks.get(key);
    if (!track) return 0;
    const slack = GEOMETRY.markerHalfWidth * scale.nsPerPx;
    const first = lowerBound(track.times, rc.window.startNs - slack);
    const last = lowerBound(track.times, rc.window.endNs + slack + Number.EPSILON);
    let drawn = 0;
    // Events on one pixel form one marker with one label.
    let k = first;
    while (k < last) {
      const x = scale.toPx(track.events[k]!.t);
      let end = k + 1;
      while (end < last && Math.round(scale.toPx(track.events[end]!.t)) === Math.round(x)) end++;
      let shown = 0;
      for (let j = k; j < end; j++) {
        const e = track.events[j]!;
        const vis = this.isVisibleEvent(rc, e);
        if (vis === 'hide') continue;
        ctx.globalAlpha = vis === 'dim' ? 0.18 : 1;
        ctx.fillStyle = hueColor(eventColorHue(e, lifecycles.ofSeq.get(e.seq)), rc.theme.scheme);
        ctx.beginPath();
        diamond(ctx, scale.toPx(e.t), mid, GEOMETRY.markerHalfWidth, GEOMETRY.markerHalfHeight);
        ctx.fill();
        if (scale.contains(e.t)) drawn++;
        if (vis === 'show') shown++;
      }
      ctx.globalAlpha = 1;
      if (shown > 0 && !labelled.some(([a, b]) => x >= a && x < b)) {
        const nextX = end < track.events.length ? scale.toPx(track.events[end]!.t) : rc.width;
        this.drawGroupLabel(ctx, rc, track.events.slice(k, end), x, nextX, mid);
      }
      k = end;
    }
    return drawn;
  }

  /** The kind after a marker (`KIND ×3` for a stack), when the gap to the next marker leaves room. */
  private drawGroupLabel(ctx: Canvas2D, rc: RenderContext, group: readonly EventRow[], x: number, nextX: number, mid: number): void {
    const head = group[0]!;
    const sameKind = group.every((e) => e.kind === head.kind);
    const text = group.length === 1 ? head.kind : sameKind ? `${head.kind} ×${group.length}` : `${head.kind} +${group.length - 1}`;
    const room = nextX - x - 2 * GEOMETRY.markerHalfWidth - 6;
    if (this.textWidth(ctx, text) > room) return;
    ctx.fillStyle = rc.theme.textDim;
    ctx.fillText(text, x + GEOMETRY.markerHalfWidth + 4, mid);
  }

  private drawLodTrack(ctx: Canvas2D, rc: RenderContext, lod: LodFrame, r: ScreenRow, scale: TimeScale): number {
    const track = r.row.track!;
    const cells = lod.tracks.get(track.key);
    if (!cells) return 0;
    const top = r.y + 2;
    const h = r.row.height - 4;
    const first = Math.max(0, lowerBound(cells.endNs, rc.window.startNs) - 1);
    const last = lowerBound(cells.startNs, rc.window.endNs);
    const logMax = Math.log1p(Math.max(1, lod.maxCount));
    const hue = LAYER_HUE[track.layer ?? 'check'];
    // Count shading: neighbouring cells of one shade merge into one rect, and
    // each shade is one path, so the canvas rasterises few, wide shapes.
    const runs: number[][] = Array.from({ length: SHADES }, () => []);
    const bars: number[] = [];
    const barScale = lod.maxSliceNs > 0 ? (h - 2) / Math.sqrt(lod.maxSliceNs) : 0;
    let runShade = -1;
    let runX0 = 0;
    let runX1 = 0;
    let barH = -1;
    let barX0 = 0;
    let barX1 = 0;
    const filtering = rc.filter !== null && rc.filterMode !== 'off';
    // Cells of filtered pages shade by their matches; the rest go to one faint path (dim) or nowhere (hide).
    const faint: number[] = [];
    for (let i = first; i < last; i++) {
      const x0 = scale.toPx(cells.startNs[i]!);
      const x1 = Math.max(x0 + 1, scale.toPx(cells.endNs[i]!));
      const matched = filtering ? cells.matched[i]! : -1;
      if (matched === 0) {
        if (rc.filterMode === 'dim') faint.push(x0, x1);
        continue;
      }
      const count = matched > 0 ? matched : cells.count[i]!;
      const shade = Math.min(SHADES - 1, Math.floor((Math.log1p(count) / logMax) * SHADES));
      if (shade === runShade && x0 <= runX1 + 0.5) runX1 = Math.max(runX1, x1);
      else {
        if (runShade >= 0) runs[runShade]!.push(runX0, runX1);
        runShade = shade;
        runX0 = x0;
        runX1 = x1;
      }
      // Worst latency: the longest slice starting in the bucket, a bar from the bottom (sqrt scale).
      const dur = cells.maxSliceNs[i]!;
      const bh = dur > 0 ? Math.max(1, Math.round(Math.sqrt(dur) * barScale)) : 0;
      if (bh === barH && x0 <= barX1 + 0.5) barX1 = Math.max(barX1, x1);
      else {
        if (barH > 0) bars.push(barX0, barX1, barH);
        barH = bh;
        barX0 = x0;
        barX1 = x1;
      }
    }
    if (faint.length > 0) {
      ctx.beginPath();
      for (let j = 0; j < faint.length; j += 2) ctx.rect(faint[j]!, top, faint[j + 1]! - faint[j]!, h);
      ctx.globalAlpha = 0.18;
      ctx.fillStyle = hueColor(hue, rc.theme.scheme, 0.6);
      ctx.fill();
      ctx.globalAlpha = 1;
    }
    if (runShade >= 0) runs[runShade]!.push(runX0, runX1);
    if (barH > 0) bars.push(barX0, barX1, barH);
    for (let shade = 0; shade < SHADES; shade++) {
      const r = runs[shade]!;
      if (r.length === 0) continue;
      ctx.beginPath();
      for (let j = 0; j < r.length; j += 2) ctx.rect(r[j]!, top, r[j + 1]! - r[j]!, h);
      ctx.fillStyle = hueColor(hue, rc.theme.scheme, 0.2 + (0.65 * (shade + 1)) / SHADES);
      ctx.fill();
    }
    if (bars.length > 0) {
      ctx.beginPath();
      for (let j = 0; j < bars.length; j += 3) ctx.rect(bars[j]!, top + h - bars[j + 2]!, bars[j + 1]! - bars[j]!, Math.min(3, bars[j + 2]!));
      ctx.fillStyle = hueColor(LATENCY_HUE, rc.theme.scheme, 0.95);
      ctx.fill();
    }
    return Math.max(0, last - first);
  }

  private drawCounter(ctx: Canvas2D, rc: RenderContext, r: ScreenRow, scale: TimeScale): void {
    const key = r.row.track!.key;
    const mid = r.y + r.row.height / 2;
    if (!rc.counters) {
      ctx.fillStyle = rc.theme.textDim;
      ctx.font = rc.theme.fontSmall;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      ctx.fillText(rc.counterHint ?? 'loading…', GEOMETRY.labelWidth + 8, mid);
      return;
    }
    // A series the window does not mention stayed at zero there.
    const series: CounterSpans | undefined = rc.counters.get(key);
    const top = r.y + 3;
    const h = r.row.height - 6;
    let visibleMax = 0;
    if (series) {
      const first = Math.max(0, lowerBound(series.endNs, rc.window.startNs));
      const last = lowerBound(series.startNs, rc.window.endNs);
      for (let i = first; i < last; i++) visibleMax = Math.max(visibleMax, series.value[i]!);
      const max = Math.max(1, visibleMax);
      ctx.beginPath();
      for (let i = first; i < last; i++) {
        const v = series.value[i]!;
        if (v <= 0) continue;
        const x0 = Math.max(GEOMETRY.labelWidth, scale.toPx(series.startNs[i]!));
        const x1 = Math.min(rc.width, Math.max(x0 + 1, scale.toPx(series.endNs[i]!)));
        if (x1 <= x0) continue;
        const bar = Math.max(1, (v / max) * h);
        ctx.rect(x0, top + h - bar, x1 - x0, bar);
      }
      ctx.fillStyle = hueColor(COUNTER_HUE, rc.theme.scheme, 0.55);
      ctx.fill();
    }
    ctx.fillStyle = rc.theme.textDim;
    ctx.font = rc.theme.fontSmall;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'top';
    ctx.fillText(`max ${visibleMax}`, rc.width - 6, r.y + 2);
  }

  /** Arrows where a fault moves from one track to the next; only the selected fault's when there are many. */
  private drawFlows(ctx: Canvas2D, rc: RenderContext, raw: RawFrame, yOfTrack: ReadonlyMap<string, number>, scale: TimeScale): void {
    const inView = raw.lifecycles.flows.filter((f) => f.to.t >= rc.window.startNs && f.from.t <= rc.window.endNs);
    const selectedLc = rc.selected ? raw.lifecycles.ofSeq.get(rc.selected.seq) : undefined;
    const flows = inView.length <= 400 ? inView : inView.filter((f) => f.lifecycle === selectedLc);
    ctx.lineWidth = 1.25;
    for (const f of flows) {
      const y0 = yOfTrack.get(trackKeyOfEvent(f.from));
      const y1 = yOfTrack.get(trackKeyOfEvent(f.to));
      if (y0 === undefined || y1 === undefined) continue;
      if (rc.filter && rc.filterMode === 'hide' && !(matchesFilter(f.from, rc.filter) && matchesFilter(f.to, rc.filter))) continue;
      const color = hueColor(lifecycleHue(f.lifecycle), rc.theme.scheme, f.lifecycle === selectedLc ? 0.95 : 0.6);
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      drawArrow(ctx, { x: scale.toPx(f.from.t), y: y0 }, { x: scale.toPx(f.to.t), y: y1 });
    }
  }

  /** The selected event: a time cursor, a ring on its marker, and its causal chain as grey arrows. */
  private drawSelection(ctx: Canvas2D, rc: RenderContext, yOfTrack: ReadonlyMap<string, number>, scale: TimeScale): void {
    const e = rc.selected;
    if (!e) return;
    const x = scale.toPx(e.t);
    ctx.strokeStyle = rc.theme.textDim;
    ctx.lineWidth = 1;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(Math.round(x) + 0.5, tracksTop());
    ctx.lineTo(Math.round(x) + 0.5, rc.height);
    ctx.stroke();
    ctx.setLineDash([]);
    const y = yOfTrack.get(trackKeyOfEvent(e));
    if (y === undefined || rc.mode !== 'raw') return;
    const raw = rc.raw;
    if (raw) {
      ctx.strokeStyle = rc.theme.text;
      ctx.fillStyle = rc.theme.text;
      ctx.lineWidth = 1.25;
      const seen = new Set<number>([e.seq]);
      let child = e;
      for (let parent = e.parent === null ? undefined : raw.bySeq.get(e.parent); parent && !seen.has(parent.seq); parent = parent.parent === null ? undefined : raw.bySeq.get(parent.parent)) {
        seen.add(parent.seq);
        const py = yOfTrack.get(trackKeyOfEvent(parent));
        const cy = yOfTrack.get(trackKeyOfEvent(child));
        if (py !== undefined && cy !== undefined) drawArrow(ctx, { x: scale.toPx(parent.t), y: py }, { x: scale.toPx(child.t), y: cy });
        child = parent;
      }
    }
    ctx.strokeStyle = rc.theme.text;
    ctx.lineWidth = 2;
    ctx.beginPath();
    diamond(ctx, x, y, GEOMETRY.markerHalfWidth + 3, GEOMETRY.markerHalfHeight + 3);
    ctx.stroke();
  }

  private drawMarks(ctx: Canvas2D, rc: RenderContext, scale: TimeScale): void {
    ctx.fillStyle = rc.theme.text;
    for (const t of rc.marks) {
      if (!scale.contains(t)) continue;
      ctx.fillRect(Math.round(scale.toPx(t)), tracksTop(), 1, rc.height - tracksTop());
    }
  }

  /** Failed assertions and invariant violations: red markers above the tracks. */
  private drawAlertStrip(ctx: Canvas2D, rc: RenderContext, scale: TimeScale): void {
    const top = GEOMETRY.axisHeight;
    const h = GEOMETRY.alertHeight;
    ctx.fillStyle = rc.theme.panel;
    ctx.fillRect(0, top, rc.width, h);
    ctx.fillStyle = rc.theme.separator;
    ctx.fillRect(0, top + h - 1, rc.width, 1);
    ctx.font = rc.theme.fontSmall;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = rc.alerts.length > 0 ? rc.theme.text : rc.theme.textDim;
    ctx.fillText(rc.alerts.length > 0 ? `alerts (${rc.alerts.length})` : 'alerts', 12, top + h / 2);
    if (rc.message !== null) return;
    ctx.beginPath();
    let lastX = -Infinity;
    for (const a of rc.alerts) {
      if (!scale.contains(a.t)) continue;
      const x = scale.toPx(a.t);
      if (x - lastX < 2) continue;
      lastX = x;
      ctx.moveTo(x, top + h - 3);
      ctx.lineTo(x + 5, top + h - 3);
      ctx.lineTo(x, top + 3);
      ctx.lineTo(x - 5, top + h - 3);
      ctx.closePath();
    }
    ctx.fillStyle = hueColor(0, rc.theme.scheme);
    ctx.fill();
  }

  private drawLabels(ctx: Canvas2D, rc: RenderContext, rows: readonly ScreenRow[]): void {
    const { theme } = rc;
    ctx.fillStyle = theme.panel;
    ctx.fillRect(0, tracksTop(), GEOMETRY.labelWidth, rc.height - tracksTop());
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    for (const { row, y } of rows) {
      const mid = y + row.height / 2;
      ctx.fillStyle = theme.separator;
      ctx.fillRect(row.type === 'group' ? 0 : 12, y + row.height - 1, GEOMETRY.labelWidth, 1);
      if (row.type === 'group') {
        const title = GROUPS.find((g) => g.id === row.group)!.title;
        ctx.font = theme.font;
        ctx.fillStyle = theme.text;
        ctx.fillText(`${row.collapsed ? '▸' : '▾'} ${title}`, 8, mid);
        ctx.font = theme.fontSmall;
        ctx.fillStyle = theme.textDim;
        ctx.textAlign = 'right';
        ctx.fillText(String(row.trackCount), GEOMETRY.labelWidth - 10, mid);
        ctx.textAlign = 'left';
        continue;
      }
      const track = row.track!;
      ctx.font = theme.fontSmall;
      ctx.fillStyle = track.kind === 'counter' ? theme.textDim : theme.text;
      ctx.fillText(this.fit(ctx, track.title, labelTextWidth()), GEOMETRY.labelLeft, mid);
      // The pin toggle: a filled square when pinned.
      const px = GEOMETRY.labelWidth - GEOMETRY.pinRight - GEOMETRY.pinSize;
      const py = mid - GEOMETRY.pinSize / 2;
      ctx.strokeStyle = theme.textDim;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.rect(px + 0.5, py + 0.5, GEOMETRY.pinSize - 1, GEOMETRY.pinSize - 1);
      ctx.stroke();
      if (row.pinned) {
        ctx.fillStyle = theme.text;
        ctx.fillRect(px + 2, py + 2, GEOMETRY.pinSize - 4, GEOMETRY.pinSize - 4);
      }
    }
    ctx.fillStyle = theme.separator;
    ctx.fillRect(GEOMETRY.labelWidth - 1, tracksTop(), 1, rc.height - tracksTop());
  }

  private drawAxis(ctx: Canvas2D, rc: RenderContext, scale: TimeScale, ticks: readonly number[], stepNs: number): void {
    const { theme } = rc;
    ctx.fillStyle = theme.panel;
    ctx.fillRect(0, 0, rc.width, GEOMETRY.axisHeight);
    ctx.fillStyle = theme.separator;
    ctx.fillRect(0, GEOMETRY.axisHeight - 1, rc.width, 1);
    ctx.font = theme.fontSmall;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    if (rc.message !== null) return;
    ctx.fillStyle = theme.textDim;
    ctx.fillText(`window ${formatNs(Math.round(rc.window.endNs - rc.window.startNs))} · ${rc.mode}`, 12, GEOMETRY.axisHeight / 2);
    for (const t of ticks) {
      const x = Math.round(scale.toPx(t));
      const label = formatTick(t, stepNs, rc.window);
      if (x < GEOMETRY.labelWidth || x + 4 + this.textWidth(ctx, label) > rc.width) continue;
      ctx.fillStyle = theme.separator;
      ctx.fillRect(x, GEOMETRY.axisHeight - 8, 1, 8);
      ctx.fillStyle = theme.textDim;
      ctx.fillText(label, x + 4, GEOMETRY.axisHeight / 2 - 2);
    }
    // Marks: a small tick in the axis so they are found when scrolled.
    ctx.fillStyle = theme.text;
    for (const t of rc.marks) if (scale.contains(t)) ctx.fillRect(Math.round(scale.toPx(t)) - 2, GEOMETRY.axisHeight - 6, 5, 5);
  }

  private fit(ctx: Canvas2D, text: string, width: number): string {
    if (this.textWidth(ctx, text) <= width) return text;
    let s = text;
    while (s.length > 1 && this.textWidth(ctx, `${s}…`) > width) s = s.slice(0, -1);
    return `${s}…`;
  }

  private textWidth(ctx: Canvas2D, text: string): number {
    if (this.textWidthFont !== ctx.font) {
      this.textWidths.clear();
      this.textWidthFont = ctx.font;
    }
    let w = this.textWidths.get(text);
    if (w === undefined) {
      w = ctx.measureText(text).width;
      if (this.textWidths.size > 2000) this.textWidths.clear();
      this.textWidths.set(text, w);
    }
    return w;
  }
}
