/**
 * The timeline painter: immediate mode, Perfetto style. render() draws the
 * whole visible frame from a RenderContext and keeps no state between calls
 * except a text-width cache, so the frame is a pure function of (data,
 * window, size, selection, theme). Layout and hit testing use the same
 * geometry functions as drawing, so a click lands where the pixel is.
 */
import { formatNs } from '@shared/time';
import type { EventRow } from '@shared/events';
import { eventHue, cookieHue, hueColor } from './colors';
import { lowerBound, type TimelineData } from './timeline-data';
import { TimeScale, axisTicks, formatTick, type TimeWindow } from './time-scale';
import type { TimelineTheme } from './theme';

/** Geometry, CSS px. */
export const GEOMETRY = {
  axisHeight: 28,
  trackHeight: 30,
  labelWidth: 188,
  /** Half width / half height of an event marker (a diamond). */
  markerHalfWidth: 5,
  markerHalfHeight: 8,
  /** How far from a marker's centre a click still selects it. */
  hitSlopPx: 6,
} as const;

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
>;

export interface RenderContext {
  readonly data: TimelineData | null;
  readonly window: TimeWindow;
  /** Canvas size, CSS px. */
  readonly width: number;
  readonly height: number;
  /** Device pixels per CSS px. */
  readonly dpr: number;
  /** Vertical scroll of the track area, CSS px. */
  readonly scrollY: number;
  readonly theme: TimelineTheme;
  readonly selectedSeq: number | null;
  /** Shown in place of the tracks (loading, error, nothing selected). */
  readonly message: string | null;
}

export interface TrackLayout {
  readonly key: string;
  /** Top of the row, CSS px from the canvas top (after scrolling). */
  readonly top: number;
  readonly height: number;
}

export interface RenderResult {
  /** Events inside the visible window on visible rows, i.e. painted this frame. */
  readonly drawnEvents: number;
  readonly tracks: readonly TrackLayout[];
}

export function timeScaleOf(rc: Pick<RenderContext, 'window' | 'width'>): TimeScale {
  return new TimeScale(rc.window, GEOMETRY.labelWidth, rc.width);
}

export function trackLayout(data: TimelineData | null, scrollY: number): TrackLayout[] {
  if (!data) return [];
  return data.tracks.map((t, i) => ({
    key: t.key,
    top: GEOMETRY.axisHeight + i * GEOMETRY.trackHeight - scrollY,
    height: GEOMETRY.trackHeight,
  }));
}

/** Total height the tracks want, CSS px (for scroll limits). */
export function contentHeight(data: TimelineData | null): number {
  return GEOMETRY.axisHeight + (data?.tracks.length ?? 0) * GEOMETRY.trackHeight;
}

/**
 * Events under (x, y), CSS px, nearest first (ties by seq). Several events
 * can share one marker position; the view cycles through them on repeated
 * clicks.
 */
export function hitTestAll(rc: RenderContext, x: number, y: number): EventRow[] {
  const data = rc.data;
  if (!data || rc.message !== null || x < GEOMETRY.labelWidth || y < GEOMETRY.axisHeight) return [];
  const index = Math.floor((y + rc.scrollY - GEOMETRY.axisHeight) / GEOMETRY.trackHeight);
  const track = data.tracks[index];
  if (!track) return [];
  const scale = timeScaleOf(rc);
  const hits: { e: EventRow; distance: number }[] = [];
  for (let i = lowerBound(track.times, scale.toNs(x - GEOMETRY.hitSlopPx)); i < track.events.length; i++) {
    const e = track.events[i]!;
    const ex = scale.toPx(e.t);
    if (ex > x + GEOMETRY.hitSlopPx) break;
    hits.push({ e, distance: Math.round(Math.abs(ex - x)) });
  }
  return hits.sort((a, b) => a.distance - b.distance || a.e.seq - b.e.seq).map((h) => h.e);
}

/** The nearest event under (x, y), or null. */
export function hitTest(rc: RenderContext, x: number, y: number): EventRow | null {
  return hitTestAll(rc, x, y)[0] ?? null;
}

interface Point {
  readonly x: number;
  readonly y: number;
}

/**
 * An arrow between two marker centres, stroked and filled with the current
 * styles. Far apart in time: an S-curve into the marker's left tip; at (almost)
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
  if (vertical) {
    ctx.lineTo(tip.x, tip.y);
  } else {
    const bend = Math.min(60, Math.abs(dx) / 2) * Math.sign(dx);
    ctx.bezierCurveTo(from.x + bend, from.y, tip.x - bend, tip.y, tip.x, tip.y);
  }
  ctx.stroke();
  // Head: a small triangle pointing along the final direction.
  const [ux, uy] = vertical ? [0, Math.sign(dy)] : [Math.sign(dx), 0];
  ctx.beginPath();
  ctx.moveTo(tip.x, tip.y);
  ctx.lineTo(tip.x - ux * 6 - uy * 3.5, tip.y - uy * 6 - ux * 3.5);
  ctx.lineTo(tip.x - ux * 6 + uy * 3.5, tip.y - uy * 6 + ux * 3.5);
  ctx.closePath();
  ctx.fill();
}

function parentOf(data: TimelineData, e: EventRow): EventRow | undefined {
  return e.parent === null ? undefined : data.bySeq.get(e.parent);
}

export class TimelineRenderer {
  private readonly textWidths = new Map<string, number>();
  private textWidthFont = '';

  render(ctx: Canvas2D, rc: RenderContext): RenderResult {
    const { theme } = rc;
    ctx.save();
    ctx.setTransform(rc.dpr, 0, 0, rc.dpr, 0, 0);
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, rc.width, rc.height);

    const layout = trackLayout(rc.message === null ? rc.data : null, rc.scrollY);
    let drawnEvents = 0;
    const scale = timeScaleOf(rc);
    const ticks = axisTicks(rc.window, rc.width - GEOMETRY.labelWidth);

    if (rc.data && rc.message === null && rc.data.tracks.length > 0) {
      this.drawRows(ctx, rc, rc.data, layout);
      this.drawGrid(ctx, rc, scale, ticks.ticks);
      ctx.save();
      ctx.beginPath();
      ctx.rect(GEOMETRY.labelWidth, GEOMETRY.axisHeight, rc.width - GEOMETRY.labelWidth, rc.height - GEOMETRY.axisHeight);
      ctx.clip();
      this.drawSpans(ctx, rc, rc.data, layout, scale);
      this.drawFlows(ctx, rc, rc.data, layout, scale);
      drawnEvents = this.drawEvents(ctx, rc, rc.data, layout, scale);
      this.drawSelection(ctx, rc, rc.data, layout, scale);
      ctx.restore();
      this.drawLabels(ctx, rc, rc.data, layout);
    } else {
      const text = rc.message ?? (rc.data ? 'This session recorded no events.' : 'Select a session to see its timeline.');
      ctx.fillStyle = theme.textDim;
      ctx.font = theme.font;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(text, rc.width / 2, GEOMETRY.axisHeight + (rc.height - GEOMETRY.axisHeight) / 2);
    }
    this.drawAxis(ctx, rc, scale, ticks.ticks, ticks.stepNs);
    ctx.restore();
    return { drawnEvents, tracks: layout };
  }

  private drawRows(ctx: Canvas2D, rc: RenderContext, data: TimelineData, layout: readonly TrackLayout[]): void {
    let group = 0;
    data.tracks.forEach((track, i) => {
      const row = layout[i]!;
      const newLayer = i > 0 && data.tracks[i - 1]!.layer !== track.layer;
      if (newLayer) group++;
      ctx.fillStyle = group % 2 === 0 ? rc.theme.background : rc.theme.backgroundAlt;
      ctx.fillRect(0, row.top, rc.width, row.height);
      ctx.fillStyle = rc.theme.separator;
      // A full-width line between layers, a label-column-only line between devices of a layer.
      ctx.fillRect(newLayer || i === 0 ? 0 : GEOMETRY.labelWidth, row.top + row.height - 1, rc.width, 1);
    });
  }

  private drawGrid(ctx: Canvas2D, rc: RenderContext, scale: TimeScale, ticks: readonly number[]): void {
    ctx.fillStyle = rc.theme.grid;
    for (const t of ticks) ctx.fillRect(Math.round(scale.toPx(t)), GEOMETRY.axisHeight, 1, rc.height - GEOMETRY.axisHeight);
  }

  /** A faint bar per cookie per track: how long the fault stayed in that layer. */
  private drawSpans(ctx: Canvas2D, rc: RenderContext, data: TimelineData, layout: readonly TrackLayout[], scale: TimeScale): void {
    data.tracks.forEach((track, i) => {
      const mid = layout[i]!.top + GEOMETRY.trackHeight / 2;
      for (const span of track.spans) {
        if (span.endNs < rc.window.startNs || span.startNs > rc.window.endNs) continue;
        const x0 = scale.toPx(span.startNs);
        const x1 = scale.toPx(span.endNs);
        ctx.fillStyle = hueColor(cookieHue(span.cookie), rc.theme.scheme, 0.3);
        ctx.fillRect(x0, mid - 4, Math.max(1, x1 - x0), 8);
      }
    });
  }

  /** Arrows from one event of a fault to its next event on another track. */
  private drawFlows(ctx: Canvas2D, rc: RenderContext, data: TimelineData, layout: readonly TrackLayout[], scale: TimeScale): void {
    ctx.lineWidth = 1.25;
    for (const flow of data.flows) {
      if (flow.to.t < rc.window.startNs || flow.from.t > rc.window.endNs) continue;
      const color = hueColor(cookieHue(flow.cookie), rc.theme.scheme, 0.75);
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      drawArrow(
        ctx,
        { x: scale.toPx(flow.from.t), y: layout[flow.fromTrack]!.top + GEOMETRY.trackHeight / 2 },
        { x: scale.toPx(flow.to.t), y: layout[flow.toTrack]!.top + GEOMETRY.trackHeight / 2 },
      );
    }
  }

  private drawEvents(ctx: Canvas2D, rc: RenderContext, data: TimelineData, layout: readonly TrackLayout[], scale: TimeScale): number {
    let drawn = 0;
    ctx.font = rc.theme.fontSmall;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    data.tracks.forEach((track, i) => {
      const row = layout[i]!;
      if (row.top + row.height <= GEOMETRY.axisHeight || row.top >= rc.height) return;
      const mid = row.top + GEOMETRY.trackHeight / 2;
      // Markers just outside the window still show their visible half.
      const slack = GEOMETRY.markerHalfWidth * scale.nsPerPx;
      const first = lowerBound(track.times, rc.window.startNs - slack);
      const last = lowerBound(track.times, rc.window.endNs + slack + Number.EPSILON);
      // Events that land on the same pixel form one marker with one label.
      let k = first;
      while (k < last) {
        const x = scale.toPx(track.events[k]!.t);
        let end = k + 1;
        while (end < last && Math.round(scale.toPx(track.events[end]!.t)) === Math.round(x)) end++;
        for (let j = k; j < end; j++) {
          const e = track.events[j]!;
          this.drawMarker(ctx, scale.toPx(e.t), mid, hueColor(eventHue(e), rc.theme.scheme));
          if (scale.contains(e.t)) drawn++;
        }
        const nextX = end < track.events.length ? scale.toPx(track.events[end]!.t) : rc.width;
        this.drawGroupLabel(ctx, rc, track.events.slice(k, end), x, nextX, mid);
        k = end;
      }
    });
    return drawn;
  }

  private drawMarker(ctx: Canvas2D, x: number, y: number, color: string): void {
    const w = GEOMETRY.markerHalfWidth;
    const h = GEOMETRY.markerHalfHeight;
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.moveTo(x, y - h);
    ctx.lineTo(x + w, y);
    ctx.lineTo(x, y + h);
    ctx.lineTo(x - w, y);
    ctx.closePath();
    ctx.fill();
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

  /**
   * The selected event: a ring, a time cursor, and its causal chain (parent
   * links up to the root) as grey arrows, so a response can be traced back
   * to the DMA that caused it.
   */
  private drawSelection(ctx: Canvas2D, rc: RenderContext, data: TimelineData, layout: readonly TrackLayout[], scale: TimeScale): void {
    if (rc.selectedSeq === null) return;
    const e = data.bySeq.get(rc.selectedSeq);
    if (!e) return;
    const centre = (ev: EventRow): { x: number; y: number } => ({
      x: scale.toPx(ev.t),
      y: layout[data.trackOfSeq.get(ev.seq)!]!.top + GEOMETRY.trackHeight / 2,
    });
    const { x, y } = centre(e);

    ctx.strokeStyle = rc.theme.textDim;
    ctx.lineWidth = 1;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(Math.round(x) + 0.5, GEOMETRY.axisHeight);
    ctx.lineTo(Math.round(x) + 0.5, rc.height);
    ctx.stroke();
    ctx.setLineDash([]);

    ctx.strokeStyle = rc.theme.text;
    ctx.fillStyle = rc.theme.text;
    ctx.lineWidth = 1.25;
    const seen = new Set<number>([e.seq]);
    for (let child = e, parent = parentOf(data, e); parent && !seen.has(parent.seq); child = parent, parent = parentOf(data, parent)) {
      seen.add(parent.seq);
      drawArrow(ctx, centre(parent), centre(child));
    }

    ctx.lineWidth = 2;
    const w = GEOMETRY.markerHalfWidth + 3;
    const h = GEOMETRY.markerHalfHeight + 3;
    ctx.beginPath();
    ctx.moveTo(x, y - h);
    ctx.lineTo(x + w, y);
    ctx.lineTo(x, y + h);
    ctx.lineTo(x - w, y);
    ctx.closePath();
    ctx.stroke();
  }

  private drawLabels(ctx: Canvas2D, rc: RenderContext, data: TimelineData, layout: readonly TrackLayout[]): void {
    const { theme } = rc;
    ctx.fillStyle = theme.panel;
    ctx.fillRect(0, GEOMETRY.axisHeight, GEOMETRY.labelWidth, rc.height - GEOMETRY.axisHeight);
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    data.tracks.forEach((track, i) => {
      const row = layout[i]!;
      if (row.top + row.height <= GEOMETRY.axisHeight || row.top >= rc.height) return;
      const mid = row.top + row.height / 2;
      const firstOfLayer = i === 0 || data.tracks[i - 1]!.layer !== track.layer;
      ctx.fillStyle = theme.separator;
      ctx.fillRect(firstOfLayer ? 0 : 12, row.top + row.height - 1, GEOMETRY.labelWidth, 1);
      ctx.font = theme.font;
      ctx.fillStyle = firstOfLayer ? theme.text : theme.textDim;
      ctx.fillText(firstOfLayer ? track.title : '', 12, mid);
      ctx.fillStyle = theme.textDim;
      ctx.font = theme.fontSmall;
      ctx.textAlign = 'right';
      ctx.fillText(track.subtitle, GEOMETRY.labelWidth - 10, mid);
      ctx.textAlign = 'left';
    });
    ctx.fillStyle = theme.separator;
    ctx.fillRect(GEOMETRY.labelWidth - 1, GEOMETRY.axisHeight, 1, rc.height - GEOMETRY.axisHeight);
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
    // Without tracks there is nothing to measure: leave the axis blank.
    if (!rc.data || rc.data.tracks.length === 0 || rc.message !== null) return;
    ctx.fillStyle = theme.textDim;
    ctx.fillText(`window ${formatNs(Math.round(rc.window.endNs - rc.window.startNs))}`, 12, GEOMETRY.axisHeight / 2);
    for (const t of ticks) {
      const x = Math.round(scale.toPx(t));
      const label = formatTick(t, stepNs, rc.window);
      if (x < GEOMETRY.labelWidth || x + 4 + this.textWidth(ctx, label) > rc.width) continue;
      ctx.fillStyle = theme.separator;
      ctx.fillRect(x, GEOMETRY.axisHeight - 8, 1, 8);
      ctx.fillStyle = theme.textDim;
      ctx.fillText(label, x + 4, GEOMETRY.axisHeight / 2 - 2);
    }
  }

  private textWidth(ctx: Canvas2D, text: string): number {
    if (this.textWidthFont !== ctx.font) {
      this.textWidths.clear();
      this.textWidthFont = ctx.font;
    }
    let w = this.textWidths.get(text);
    if (w === undefined) {
      w = ctx.measureText(text).width;
      this.textWidths.set(text, w);
    }
    return w;
  }
}
