/**
 * Where things are on the timeline canvas, shared by the painter and the
 * hit test so a click lands where the pixel is. CSS px throughout.
 *
 *   ┌ label column ┬ time axis ───────────────────────────┐  AXIS_HEIGHT
 *   │ alerts       │ ▲ failed assertions, violations       │  ALERT_HEIGHT
 *   │ pinned rows  │ …                                     │  (pinned band)
 *   │ groups/rows  │ … scrolled vertically, virtualised    │
 *   └──────────────┴───────────────────────────────────────┘
 */
import type { RowLayout, Row } from './track-tree';
import { visibleRows } from './track-tree';
import { TimeScale, type TimeWindow } from './time-scale';

export const GEOMETRY = {
  axisHeight: 28,
  alertHeight: 18,
  labelWidth: 200,
  /** Half width / half height of an event marker (a diamond). */
  markerHalfWidth: 5,
  markerHalfHeight: 7,
  /** Height of a lifecycle slice bar. */
  sliceHeight: 14,
  /** How far from a marker's centre a click still selects it. */
  hitSlopPx: 6,
  /** The pin toggle in a track's label: [labelWidth - pinRight - pinSize, labelWidth - pinRight]. */
  pinSize: 10,
  pinRight: 8,
  /** Where a track's title starts, and the room it leaves before the pin toggle. */
  labelLeft: 20,
  labelPinGap: 8,
} as const;

/** Widest a track title may be drawn: from labelLeft to labelPinGap before the pin toggle (longer ones end in an ellipsis). */
export const labelTextWidth = (): number => GEOMETRY.labelWidth - GEOMETRY.pinRight - GEOMETRY.pinSize - GEOMETRY.labelPinGap - GEOMETRY.labelLeft;

export const tracksTop = (): number => GEOMETRY.axisHeight + GEOMETRY.alertHeight;

export function timeScaleOf(window: TimeWindow, width: number): TimeScale {
  return new TimeScale(window, GEOMETRY.labelWidth, width);
}

export interface ScreenRow {
  readonly row: Row;
  /** Top of the row on the canvas. */
  readonly y: number;
}

/** Rows on screen: the pinned band, then the scrolling rows that intersect the rest of the canvas. */
export function screenRows(layout: RowLayout, scrollY: number, height: number): ScreenRow[] {
  const top = tracksTop();
  const out: ScreenRow[] = layout.pinned.map((row) => ({ row, y: top + row.top }));
  const listTop = top + layout.pinnedHeight;
  for (const row of visibleRows(layout.rows, scrollY, Math.max(0, height - listTop))) out.push({ row, y: listTop + row.top - scrollY });
  return out;
}

/** Largest useful scroll offset of the track list. */
export function maxScroll(layout: RowLayout, height: number): number {
  return Math.max(0, layout.contentHeight - (height - tracksTop() - layout.pinnedHeight));
}
