/**
 * A session's events arranged for drawing: tracks with their events sorted by
 * time, cookie spans, flow links and the time bounds. Built once per loaded
 * session and kept out of Vue reactivity (plain, frozen-in-practice object);
 * the canvas reads it on every frame.
 */
import type { EventRow } from '@shared/events';
import { compareTracks, trackSpecOf, type TrackSpec } from './tracks';

export interface TrackData extends TrackSpec {
  /** Sorted by (t, seq). */
  readonly events: readonly EventRow[];
  /** `events[i].t`, for binary search. */
  readonly times: Float64Array;
  /** One bar per cookie seen on this track, from its first to its last event there. */
  readonly spans: readonly CookieSpan[];
}

export interface CookieSpan {
  readonly cookie: number;
  readonly startNs: number;
  readonly endNs: number;
}

/** An arrow from one event of a fault to the next one on another track. */
export interface FlowLink {
  readonly cookie: number;
  readonly from: EventRow;
  readonly to: EventRow;
  readonly fromTrack: number;
  readonly toTrack: number;
}

export interface TimelineData {
  readonly sessionId: number;
  readonly eventCount: number;
  readonly tracks: readonly TrackData[];
  readonly flows: readonly FlowLink[];
  /** Time of the first and last event; both 0 for an empty session. */
  readonly startNs: number;
  readonly endNs: number;
  /** Index into `tracks` for every event's seq. */
  readonly trackOfSeq: ReadonlyMap<number, number>;
  readonly bySeq: ReadonlyMap<number, EventRow>;
}

const byTimeThenSeq = (a: EventRow, b: EventRow): number => a.t - b.t || a.seq - b.seq;

export function buildTimelineData(sessionId: number, events: readonly EventRow[]): TimelineData {
  const groups = new Map<string, { spec: TrackSpec; events: EventRow[] }>();
  for (const e of events) {
    const spec = trackSpecOf(e);
    let group = groups.get(spec.key);
    if (!group) groups.set(spec.key, (group = { spec, events: [] }));
    group.events.push(e);
  }
  const ordered = [...groups.values()].sort((a, b) => compareTracks(a.spec, b.spec));

  const trackOfSeq = new Map<number, number>();
  const bySeq = new Map<number, EventRow>();
  const tracks: TrackData[] = ordered.map((g, index) => {
    const sorted = g.events.slice().sort(byTimeThenSeq);
    for (const e of sorted) {
      trackOfSeq.set(e.seq, index);
      bySeq.set(e.seq, e);
    }
    return { ...g.spec, events: sorted, times: Float64Array.from(sorted, (e) => e.t), spans: cookieSpans(sorted) };
  });

  let startNs = Infinity;
  let endNs = -Infinity;
  for (const e of events) {
    startNs = Math.min(startNs, e.t);
    endNs = Math.max(endNs, e.t);
  }
  if (events.length === 0) startNs = endNs = 0;

  return {
    sessionId,
    eventCount: events.length,
    tracks,
    flows: flowLinks(events, trackOfSeq),
    startNs,
    endNs,
    trackOfSeq,
    bySeq,
  };
}

function cookieSpans(sorted: readonly EventRow[]): CookieSpan[] {
  const spans = new Map<number, { startNs: number; endNs: number }>();
  for (const e of sorted) {
    if (e.cookie === null) continue;
    const s = spans.get(e.cookie);
    if (s) s.endNs = e.t;
    else spans.set(e.cookie, { startNs: e.t, endNs: e.t });
  }
  return [...spans].filter(([, s]) => s.endNs > s.startNs).map(([cookie, s]) => ({ cookie, ...s }));
}

/** Consecutive (by seq) events of one cookie that sit on different tracks. */
function flowLinks(events: readonly EventRow[], trackOfSeq: ReadonlyMap<number, number>): FlowLink[] {
  const last = new Map<number, EventRow>();
  const links: FlowLink[] = [];
  const bySeqOrder = events.slice().sort((a, b) => a.seq - b.seq);
  for (const e of bySeqOrder) {
    if (e.cookie === null) continue;
    const prev = last.get(e.cookie);
    last.set(e.cookie, e);
    if (!prev) continue;
    const fromTrack = trackOfSeq.get(prev.seq)!;
    const toTrack = trackOfSeq.get(e.seq)!;
    if (fromTrack !== toTrack) links.push({ cookie: e.cookie, from: prev, to: e, fromTrack, toTrack });
  }
  return links;
}

/** Index of the first event with t >= ns (binary search over `times`). */
export function lowerBound(times: Float64Array, ns: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < ns) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
