/**
 * What is under a point of the timeline canvas, with the same geometry the
 * painter uses. Raw frames hit event markers (nearest first; stacked events
 * are all returned so repeated clicks cycle through them) and lifecycle
 * slices; zoomed-out frames hit a bucket cell, whose click selects its longest
 * slice or, when it has none, zooms to it. The label column hits group
 * headers (collapse) and pin toggles; the strip above the tracks hits alerts.
 */
import { lowerBound } from './frame';
import { GEOMETRY, screenRows, timeScaleOf, tracksTop } from './geometry';
import { matchesFilter } from './search-query';
import type { RenderContext } from './timeline-renderer';
import type { GroupId } from './track-tree';

export type Hit =
  | { readonly kind: 'events'; readonly seqs: readonly number[] }
  | { readonly kind: 'slice'; readonly seq: number }
  | { readonly kind: 'cell'; readonly trackKey: string; readonly startNs: number; readonly endNs: number; readonly count: number; readonly maxSliceSeq: number | null }
  | { readonly kind: 'alert'; readonly seq: number }
  | { readonly kind: 'group'; readonly group: GroupId }
  | { readonly kind: 'pin'; readonly trackKey: string }
  /** A track's title in the label column (its full text, which the column may cut short). */
  | { readonly kind: 'label'; readonly trackKey: string; readonly title: string }
  | { readonly kind: 'none' };

const NONE: Hit = { kind: 'none' };

export function hitTest(rc: RenderContext, x: number, y: number): Hit {
  if (rc.message !== null || y < GEOMETRY.axisHeight) return NONE;
  const scale = timeScaleOf(rc.window, rc.width);
  if (y < tracksTop()) {
    if (x < GEOMETRY.labelWidth) return NONE;
    let best: { seq: number; d: number } | null = null;
    for (const a of rc.alerts) {
      const d = Math.abs(scale.toPx(a.t) - x);
      if (d <= GEOMETRY.hitSlopPx && (!best || d < best.d)) best = { seq: a.seq, d };
    }
    return best ? { kind: 'alert', seq: best.seq } : NONE;
  }
  const hitRow = screenRows(rc.layout, rc.scrollY, rc.height).find((r) => y >= r.y && y < r.y + r.row.height);
  if (!hitRow) return NONE;
  const { row } = hitRow;
  if (row.type === 'group') return x < GEOMETRY.labelWidth ? { kind: 'group', group: row.group } : NONE;
  const track = row.track!;
  if (x < GEOMETRY.labelWidth) {
    const pinLeft = GEOMETRY.labelWidth - GEOMETRY.pinRight - GEOMETRY.pinSize;
    return x >= pinLeft - 3 && x <= pinLeft + GEOMETRY.pinSize + 3 ? { kind: 'pin', trackKey: track.key } : { kind: 'label', trackKey: track.key, title: track.title };
  }
  if (track.kind === 'counter') return NONE;

  if (rc.mode === 'raw' && rc.raw) {
    const events = rc.raw.tracks.get(track.key);
    if (events) {
      const hits: { seq: number; d: number }[] = [];
      for (let i = lowerBound(events.times, scale.toNs(x - GEOMETRY.hitSlopPx)); i < events.events.length; i++) {
        const e = events.events[i]!;
        const ex = scale.toPx(e.t);
        if (ex > x + GEOMETRY.hitSlopPx) break;
        if (rc.filter && rc.filterMode === 'hide' && !matchesFilter(e, rc.filter)) continue;
        hits.push({ seq: e.seq, d: Math.round(Math.abs(ex - x)) });
      }
      if (hits.length > 0) return { kind: 'events', seqs: hits.sort((a, b) => a.d - b.d || a.seq - b.seq).map((h) => h.seq) };
    }
    const mid = hitRow.y + row.height / 2;
    if (Math.abs(y - mid) <= GEOMETRY.sliceHeight / 2) {
      const t = scale.toNs(x);
      const slice = (rc.raw.lifecycles.slices.get(track.key) ?? []).find((s) => t >= s.startNs && t <= s.endNs);
      if (slice) return { kind: 'slice', seq: slice.firstSeq };
    }
    return NONE;
  }

  if (rc.mode === 'lod' && rc.lod) {
    const cells = rc.lod.tracks.get(track.key);
    if (!cells) return NONE;
    // Cells can be narrower than a pixel: take the one nearest the pointer within a pixel or two.
    const t = scale.toNs(x);
    const slack = 2 * scale.nsPerPx;
    let i = Math.max(0, lowerBound(cells.endNs, t - slack) - 1);
    let best = -1;
    let bestD = Infinity;
    for (; i < cells.startNs.length && cells.startNs[i]! <= t + slack; i++) {
      const d = t < cells.startNs[i]! ? cells.startNs[i]! - t : t > cells.endNs[i]! ? t - cells.endNs[i]! : 0;
      if (d <= slack && d < bestD) {
        best = i;
        bestD = d;
      }
    }
    if (best < 0) return NONE;
    return { kind: 'cell', trackKey: track.key, startNs: cells.startNs[best]!, endNs: cells.endNs[best]!, count: cells.count[best]!, maxSliceSeq: cells.maxSliceSeq[best]! };
  }
  return NONE;
}
