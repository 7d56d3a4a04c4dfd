/**
 * Counter tracks, one series per IOMMU unit and per device:
 *   PRQ occupancy       entries in an IOMMU unit's page request queue: PRQ_ENQ
 *                       +1 on its unit; IOPF_PARTIAL, IOPF_GROUP,
 *                       IOPF_NO_HANDLER, DRV_REJECT, IOPF_ABORT take their
 *                       (dev, PRG) entry off their unit, or, when they name
 *                       none, off the unit holding one
 *   PRI credits in use  page requests a device has outstanding: PR_SEND +1,
 *                       PRG_RESP_RECV returns its PRG's requests
 * The same rules as the host's path-state reducer (src/node/analysis/path-state.ts).
 *
 * Two sources. Drawing raw events, counterSeries() steps exactly through the
 * drawn events, started from the fault path's state just before them
 * (WorkbenchApi.getStateAt). At any zoom, counterSpans() reads the series the
 * host's LOD pyramid returns with every window (largest value and last value
 * per bucket), so a zoomed-out view still shows each counter's envelope.
 */
import type { PathState } from '@shared/api/analysis';
import type { EventKind, EventRow } from '@shared/events';
import { counterKey, type CounterId } from './track-tree';
import type { PageSegment } from './window-fetcher';

/** A counter drawn as steps: value[i] holds over [startNs[i], endNs[i]). Sorted, non-overlapping. */
export interface CounterSpans {
  readonly counter: CounterId;
  readonly unit: number;
  readonly startNs: number[];
  readonly endNs: number[];
  readonly value: number[];
  /** Largest value of the spans. */
  max: number;
}

export type CounterMap = ReadonlyMap<string, CounterSpans>;

const CONSUMES_PRQ_ENTRY: ReadonlySet<EventKind> = new Set(['IOPF_PARTIAL', 'IOPF_GROUP', 'IOPF_NO_HANDLER', 'DRV_REJECT', 'IOPF_ABORT']);

const pair = (dev: number, grpid: number): string => `${dev}/${grpid}`;

function seriesOf(out: Map<string, CounterSpans>, counter: CounterId, unit: number): CounterSpans {
  const key = counterKey(counter, unit);
  let s = out.get(key);
  if (!s) out.set(key, (s = { counter, unit, startNs: [], endNs: [], value: [], max: 0 }));
  return s;
}

/** Sets a series to `value` from `t` on (ending the previous span there). */
function step(s: CounterSpans, t: number, value: number): void {
  const n = s.value.length;
  if (n > 0 && s.value[n - 1] === value) return;
  if (n > 0) {
    s.endNs[n - 1] = t;
    if (s.startNs[n - 1] === t) {
      // Several changes at one instant: the last one holds, the largest counts for the scale.
      s.value[n - 1] = value;
      s.max = Math.max(s.max, value);
      return;
    }
  }
  s.startNs.push(t);
  s.endNs.push(Infinity);
  s.value.push(value);
  s.max = Math.max(s.max, value);
}

/** Exact counter steps from `base` (null: the session start) through `events` (seq order), beginning at `startNs`. */
export function counterSeries(base: PathState | null, events: readonly EventRow[], startNs: number): Map<string, CounterSpans> {
  const out = new Map<string, CounterSpans>();
  /** Per unit: entries per (dev, PRG), and the total. Units in order of first use, as the reducer searches them. */
  const units = new Map<number, { entries: Map<string, number>; size: number }>();
  const unit = (id: number): { entries: Map<string, number>; size: number } => {
    let u = units.get(id);
    if (!u) units.set(id, (u = { entries: new Map(), size: 0 }));
    return u;
  };
  for (const q of base?.prq ?? []) {
    const u = unit(q.iommu);
    for (const e of q.entries) u.entries.set(pair(e.dev, e.grpid), (u.entries.get(pair(e.dev, e.grpid)) ?? 0) + 1);
    u.size = q.entries.length;
    step(seriesOf(out, 'prq', q.iommu), startNs, u.size);
  }
  const prgRequests = new Map<string, number>();
  const credits = new Map<number, number>();
  for (const d of base?.devices ?? []) {
    for (const p of d.prgs) prgRequests.set(pair(d.dev, p.grpid), p.requests);
    credits.set(d.dev, d.requests);
    step(seriesOf(out, 'pri', d.dev), startNs, d.requests);
  }
  const setCredits = (dev: number, t: number, value: number): void => {
    if (!out.has(counterKey('pri', dev))) step(seriesOf(out, 'pri', dev), startNs, credits.get(dev) ?? 0);
    credits.set(dev, value);
    step(seriesOf(out, 'pri', dev), t, value);
  };
  const setPrq = (id: number, t: number, value: number): void => {
    if (!out.has(counterKey('prq', id))) step(seriesOf(out, 'prq', id), startNs, 0);
    step(seriesOf(out, 'prq', id), t, value);
  };

  for (const e of events) {
    if (e.dev === null || e.grpid === null) continue;
    const key = pair(e.dev, e.grpid);
    if (e.kind === 'PRQ_ENQ') {
      const id = e.iommu ?? 0;
      const u = unit(id);
      u.entries.set(key, (u.entries.get(key) ?? 0) + 1);
      setPrq(id, e.t, ++u.size);
    } else if (CONSUMES_PRQ_ENTRY.has(e.kind)) {
      let id: number | undefined;
      if (e.iommu !== null) id = units.has(e.iommu) ? e.iommu : undefined;
      else for (const [k, u] of units) if ((u.entries.get(key) ?? 0) > 0) { id = k; break; }
      const u = id === undefined ? undefined : units.get(id);
      const n = u?.entries.get(key) ?? 0;
      if (u && n > 0) {
        if (n === 1) u.entries.delete(key);
        else u.entries.set(key, n - 1);
        setPrq(id!, e.t, --u.size);
      }
    } else if (e.kind === 'PR_SEND') {
      prgRequests.set(key, (prgRequests.get(key) ?? 0) + 1);
      setCredits(e.dev, e.t, (credits.get(e.dev) ?? 0) + 1);
    } else if (e.kind === 'PRG_RESP_RECV') {
      const n = prgRequests.get(key) ?? 0;
      if (n > 0) {
        prgRequests.delete(key);
        setCredits(e.dev, e.t, (credits.get(e.dev) ?? 0) - n);
      }
    }
  }
  return out;
}

/**
 * Counter envelopes from the host's windows: per page, the series' value it
 * entered with, then per bucket its largest value, and between buckets the
 * previous bucket's last value, clipped to the segment (and to the session's
 * end as the page knew it). Pages without counters (a session still
 * recording) add nothing.
 */
export function counterSpans(segments: readonly PageSegment[]): Map<string, CounterSpans> {
  const out = new Map<string, CounterSpans>();
  const ordered = segments.slice().sort((a, b) => a.clipStartNs - b.clipStartNs);
  for (const seg of ordered) {
    const w = seg.page.window;
    const c = w.counters;
    if (!c) continue;
    const end = Math.min(seg.clipEndNs, w.lastT !== undefined ? w.lastT + 1 : Infinity);
    const push = (s: CounterSpans, from: number, to: number, value: number): void => {
      const a = Math.max(from, seg.clipStartNs);
      const b = Math.min(to, end);
      if (b <= a) return;
      const n = s.value.length;
      if (n > 0 && s.value[n - 1] === value && s.endNs[n - 1] === a) s.endNs[n - 1] = b;
      else {
        s.startNs.push(a);
        s.endNs.push(b);
        s.value.push(value);
      }
      s.max = Math.max(s.max, value);
    };
    for (const series of c.series) {
      const s = seriesOf(out, series.counter, series.unit);
      let value = series.entry;
      let cursor = seg.clipStartNs;
      for (let i = 0; i < series.bucket.length; i++) {
        const start = (c.firstBucket + series.bucket[i]!) * c.bucketNs;
        if (start >= end) break;
        push(s, cursor, start, value);
        push(s, start, start + c.bucketNs, series.max[i]!);
        value = series.last[i]!;
        cursor = Math.max(cursor, start + c.bucketNs);
      }
      push(s, cursor, end, value);
    }
  }
  return out;
}
