/**
 * From fetched pages to what one frame draws. The level-of-detail decision
 * lives here: when every visible page came with its events and together they
 * are few (RAW_DRAW_LIMIT), the frame shows the events themselves (diamonds,
 * lifecycle slices, flows, counters); otherwise it shows the host's cells
 * (count shading and the longest slice per bucket), never one shape per event.
 * Frames are memoised on their pages, so repainting the same data (hover,
 * selection) does not rebuild them.
 */
import type { EventRow } from '@shared/events';
import { counterSpans, type CounterSpans } from './counters';
import { assembleLifecycles, trackKeyOfEvent, type LifecycleSet } from './lifecycles';
import type { FrameData, PageSegment } from './window-fetcher';

/** Most events a frame draws one by one. */
export const RAW_DRAW_LIMIT = 4_000;

export type DrawMode = 'raw' | 'lod' | 'empty';

const overlaps = (s: PageSegment, startNs: number, endNs: number): boolean => s.clipEndNs > startNs && s.clipStartNs < endNs;

/** Events of a page's window (0 when it holds none). */
const pageEventCount = (s: PageSegment): number => Math.max(0, s.page.window.toSeq - s.page.window.fromSeq + 1);

/** Does the page carry its events (or hold none)? */
const hasEvents = (s: PageSegment): boolean => s.page.window.events !== undefined || pageEventCount(s) === 0;

export function chooseMode(frame: FrameData, startNs: number, endNs: number, limit = RAW_DRAW_LIMIT): DrawMode {
  const visible = frame.segments.filter((s) => overlaps(s, startNs, endNs));
  if (visible.length === 0) return 'empty';
  if (!visible.every(hasEvents)) return 'lod';
  let total = 0;
  for (const s of visible) total += pageEventCount(s);
  return total <= limit ? 'raw' : 'lod';
}

export interface TrackEvents {
  /** Sorted by (t, seq). */
  readonly events: readonly EventRow[];
  readonly times: Float64Array;
}

export interface RawFrame {
  /** Every event of the frame's pages (margins included), seq order. */
  readonly events: readonly EventRow[];
  readonly bySeq: ReadonlyMap<number, EventRow>;
  readonly tracks: ReadonlyMap<string, TrackEvents>;
  readonly lifecycles: LifecycleSet;
  readonly firstSeq: number;
  readonly startNs: number;
}

export interface LodCells {
  /** Per cell, parallel arrays; cells sorted by start. */
  readonly startNs: number[];
  readonly endNs: number[];
  readonly count: number[];
  readonly maxSliceNs: number[];
  readonly maxSliceSeq: (number | null)[];
  /** Events matching the filter the pages were asked with; -1 where the page could not filter (LOD path). */
  readonly matched: number[];
}

export interface LodFrame {
  readonly tracks: ReadonlyMap<string, LodCells>;
  /** Largest count and longest slice over all cells (shading and bar scales). */
  readonly maxCount: number;
  readonly maxSliceNs: number;
  readonly cellCount: number;
  /** Segments whose page counted filter matches, and those asked with a filter that could not (answered from the pyramid). */
  readonly filteredSegments: number;
  readonly unfilteredSegments: number;
}

/** Every answer gets its own number, so a page fetched again (a growing session, a new filter) never reuses a memoised frame. */
const answerIds = new WeakMap<object, number>();
let nextAnswerId = 0;
function answerId(window: object): number {
  let id = answerIds.get(window);
  if (id === undefined) answerIds.set(window, (id = ++nextAnswerId));
  return id;
}

/** Raw frames depend on the pages only (events are deduplicated by seq), so zooming within them reuses the frame. */
const pagesKey = (segments: readonly PageSegment[]): string => [...new Set(segments.map((s) => s.page))].map((p) => `${p.level}:${p.index}#${answerId(p.window)}`).join('|');

const segmentsKey = (segments: readonly PageSegment[]): string =>
  segments.map((s) => `${s.page.level}:${s.page.index}@${s.clipStartNs}-${s.clipEndNs}#${answerId(s.page.window)}`).join('|');

export function buildRawFrame(segments: readonly PageSegment[]): RawFrame {
  const bySeq = new Map<number, EventRow>();
  for (const page of new Set(segments.map((s) => s.page))) for (const e of page.window.events ?? []) bySeq.set(e.seq, e);
  const events = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  const grouped = new Map<string, EventRow[]>();
  for (const e of events) {
    const key = trackKeyOfEvent(e);
    let list = grouped.get(key);
    if (!list) grouped.set(key, (list = []));
    list.push(e);
  }
  const tracks = new Map<string, TrackEvents>();
  for (const [key, list] of grouped) {
    list.sort((a, b) => a.t - b.t || a.seq - b.seq);
    tracks.set(key, { events: list, times: Float64Array.from(list, (e) => e.t) });
  }
  return {
    events,
    bySeq,
    tracks,
    lifecycles: assembleLifecycles(events),
    firstSeq: events[0]?.seq ?? 0,
    startNs: segments.length ? Math.min(...segments.map((s) => s.page.startNs)) : 0,
  };
}

export function buildLodFrame(segments: readonly PageSegment[]): LodFrame {
  const tracks = new Map<string, LodCells>();
  let maxCount = 0;
  let maxSliceNs = 0;
  let cellCount = 0;
  let filteredSegments = 0;
  let unfilteredSegments = 0;
  const ordered = segments.slice().sort((a, b) => a.clipStartNs - b.clipStartNs);
  for (const s of ordered) {
    const w = s.page.window;
    if (w.filtered === true) filteredSegments++;
    else if (w.filtered === false) unfilteredSegments++;
    for (const t of w.tracks) {
      let cells = tracks.get(t.uri);
      if (!cells) tracks.set(t.uri, (cells = { startNs: [], endNs: [], count: [], maxSliceNs: [], maxSliceSeq: [], matched: [] }));
      for (let i = 0; i < t.bucket.length; i++) {
        const start = (w.firstBucket + t.bucket[i]!) * w.bucketNs;
        const end = start + w.bucketNs;
        if (end <= s.clipStartNs || start >= s.clipEndNs) continue;
        cells.startNs.push(Math.max(start, s.clipStartNs));
        cells.endNs.push(Math.min(end, s.clipEndNs));
        cells.count.push(t.count[i]!);
        cells.maxSliceNs.push(t.maxSliceNs[i]!);
        cells.maxSliceSeq.push(t.maxSliceSeq[i] ?? null);
        cells.matched.push(w.filtered === true ? (t.matched?.[i] ?? 0) : -1);
        maxCount = Math.max(maxCount, t.count[i]!);
        maxSliceNs = Math.max(maxSliceNs, t.maxSliceNs[i]!);
        cellCount++;
      }
    }
  }
  return { tracks, maxCount, maxSliceNs, cellCount, filteredSegments, unfilteredSegments };
}

/** Remembers the last frame built, keyed on its pages. */
export class FrameMemo {
  private rawKey = '';
  private raw: RawFrame | null = null;
  private lodKey = '';
  private lod: LodFrame | null = null;
  private countersKey = '';
  private counters: Map<string, CounterSpans> | null = null;

  rawFrame(segments: readonly PageSegment[]): RawFrame {
    const key = pagesKey(segments);
    if (key !== this.rawKey || !this.raw) {
      this.raw = buildRawFrame(segments);
      this.rawKey = key;
    }
    return this.raw;
  }

  lodFrame(segments: readonly PageSegment[]): LodFrame {
    const key = segmentsKey(segments);
    if (key !== this.lodKey || !this.lod) {
      this.lod = buildLodFrame(segments);
      this.lodKey = key;
    }
    return this.lod;
  }

  /** Counter envelopes of the pages (the host's LOD series), for any zoom. */
  counterFrame(segments: readonly PageSegment[]): Map<string, CounterSpans> {
    const key = segmentsKey(segments);
    if (key !== this.countersKey || !this.counters) {
      this.counters = counterSpans(segments);
      this.countersKey = key;
    }
    return this.counters;
  }

  clear(): void {
    this.raw = this.lod = this.counters = null;
    this.rawKey = this.lodKey = this.countersKey = '';
  }
}

/** Index of the first entry with value ≥ `x` (binary search). */
export function lowerBound(values: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
