/**
 * Counter tracks derived from the drawn window's events, started from the
 * fault path's state just before the window (WorkbenchApi.getStateAt of the
 * window's first seq − 1, so the level is exact, not relative):
 *   PRQ occupancy       entries in the IOMMU page request queues: PRQ_ENQ +1;
 *                       IOPF_PARTIAL, IOPF_GROUP, IOPF_NO_HANDLER, DRV_REJECT,
 *                       IOPF_ABORT take their (dev, PRG) entry off
 *   PRI credits in use  page requests the devices have outstanding: PR_SEND +1,
 *                       PRG_RESP_RECV returns its PRG's requests
 * The same rules as the host's path-state reducer (src/node/analysis/path-state.ts).
 * Zoomed out past raw events there is no counter (the LOD pyramid stores none).
 */
import type { PathState } from '@shared/api/analysis';
import type { EventKind, EventRow } from '@shared/events';
import type { CounterId } from './track-tree';

export interface CounterSeries {
  /** Step points: the value holds from t[i] until t[i+1]. */
  readonly t: number[];
  readonly v: number[];
  readonly max: number;
}

const CONSUMES_PRQ_ENTRY: ReadonlySet<EventKind> = new Set(['IOPF_PARTIAL', 'IOPF_GROUP', 'IOPF_NO_HANDLER', 'DRV_REJECT', 'IOPF_ABORT']);

const pair = (dev: number, grpid: number): string => `${dev}/${grpid}`;

/** Counter values from `base` (null: the session start) through `events` (seq order), beginning at `startNs`. */
export function counterSeries(base: PathState | null, events: readonly EventRow[], startNs: number): Record<CounterId, CounterSeries> {
  const prqEntries = new Map<string, number>();
  let prq = 0;
  for (const q of base?.prq ?? [])
    for (const e of q.entries) {
      prqEntries.set(pair(e.dev, e.grpid), (prqEntries.get(pair(e.dev, e.grpid)) ?? 0) + 1);
      prq++;
    }
  const prgRequests = new Map<string, number>();
  let pri = 0;
  for (const d of base?.devices ?? [])
    for (const p of d.prgs) {
      prgRequests.set(pair(d.dev, p.grpid), p.requests);
      pri += p.requests;
    }

  const out: Record<CounterId, { t: number[]; v: number[]; max: number }> = {
    prq: { t: [startNs], v: [prq], max: prq },
    pri: { t: [startNs], v: [pri], max: pri },
  };
  const push = (id: CounterId, t: number, value: number): void => {
    const s = out[id];
    if (s.t[s.t.length - 1] === t) s.v[s.v.length - 1] = value;
    else {
      s.t.push(t);
      s.v.push(value);
    }
    s.max = Math.max(s.max, value);
  };
  for (const e of events) {
    if (e.dev === null || e.grpid === null) continue;
    const key = pair(e.dev, e.grpid);
    if (e.kind === 'PRQ_ENQ') {
      prqEntries.set(key, (prqEntries.get(key) ?? 0) + 1);
      push('prq', e.t, ++prq);
    } else if (CONSUMES_PRQ_ENTRY.has(e.kind)) {
      const n = prqEntries.get(key) ?? 0;
      if (n > 0) {
        prqEntries.set(key, n - 1);
        push('prq', e.t, --prq);
      }
    } else if (e.kind === 'PR_SEND') {
      prgRequests.set(key, (prgRequests.get(key) ?? 0) + 1);
      push('pri', e.t, ++pri);
    } else if (e.kind === 'PRG_RESP_RECV') {
      const n = prgRequests.get(key) ?? 0;
      if (n > 0) {
        prgRequests.delete(key);
        pri -= n;
        push('pri', e.t, pri);
      }
    }
  }
  return out;
}
