/**
 * A fault's lifecycle, reassembled from the events of the drawn window: the
 * page request (PR_SEND, keyed by device and PRG index) starts it; events
 * join through their causal parent, or through the iommufd cookie once the
 * fault was read (the policy's writes name only the cookie), or through the
 * open (device, PRG) pair; PRG_RESP_RECV closes the pair. Each lifecycle
 * becomes one slice per track it crossed (first → last event there) and flow
 * arrows where it moves from one track to the next, coloured by its cookie.
 * Pure: from events to shapes, no canvas.
 */
import type { EventRow } from '@shared/events';
import { trackUriOf } from './track-tree';

export interface Lifecycle {
  readonly id: number;
  readonly dev: number | null;
  readonly grpid: number | null;
  /** The iommufd cookie, once any member carries it. */
  cookie: number | null;
  /** Members in seq order. */
  readonly events: EventRow[];
}

export interface LifecycleSlice {
  readonly trackKey: string;
  readonly lifecycle: Lifecycle;
  readonly startNs: number;
  readonly endNs: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly events: number;
}

export interface FlowArrow {
  readonly lifecycle: Lifecycle;
  readonly from: EventRow;
  readonly to: EventRow;
}

export interface LifecycleSet {
  readonly lifecycles: readonly Lifecycle[];
  readonly ofSeq: ReadonlyMap<number, Lifecycle>;
  /** Per track key, by start time. */
  readonly slices: ReadonlyMap<string, readonly LifecycleSlice[]>;
  readonly flows: readonly FlowArrow[];
}

export const trackKeyOfEvent = (e: Pick<EventRow, 'layer' | 'dev' | 'pasid'>): string => trackUriOf(e.layer, e.dev, e.pasid);

const pair = (dev: number | null, n: number): string => `${dev ?? ''}/${n}`;

/** `events` in seq order. */
export function assembleLifecycles(events: readonly EventRow[]): LifecycleSet {
  const lifecycles: Lifecycle[] = [];
  const ofSeq = new Map<number, Lifecycle>();
  const open = new Map<string, Lifecycle>();
  const byCookie = new Map<string, Lifecycle>();
  const start = (e: EventRow): Lifecycle => {
    const lc: Lifecycle = { id: lifecycles.length, dev: e.dev, grpid: e.grpid, cookie: null, events: [] };
    lifecycles.push(lc);
    return lc;
  };
  for (const e of events) {
    let lc: Lifecycle | undefined;
    const group = e.dev !== null && e.grpid !== null ? pair(e.dev, e.grpid) : null;
    if (e.kind === 'PR_SEND' && group !== null) {
      // A page request belongs to its group's open fault, whatever caused it (a retry starts a new fault).
      lc = open.get(group) ?? start(e);
    } else {
      if (e.parent !== null) lc = ofSeq.get(e.parent);
      if (!lc && e.cookie !== null) lc = byCookie.get(pair(e.dev, e.cookie));
      if (!lc && group !== null) lc = open.get(group);
    }
    if (!lc) continue;
    lc.events.push(e);
    ofSeq.set(e.seq, lc);
    if (e.cookie !== null && lc.cookie === null) {
      lc.cookie = e.cookie;
      byCookie.set(pair(e.dev, e.cookie), lc);
    }
    if (group !== null) {
      if (e.kind === 'PRG_RESP_RECV') open.delete(group);
      else if (open.get(group) !== lc && lc.grpid === e.grpid) open.set(group, lc);
    }
  }

  const slices = new Map<string, LifecycleSlice[]>();
  const flows: FlowArrow[] = [];
  for (const lc of lifecycles) {
    const perTrack = new Map<string, { first: EventRow; last: EventRow; n: number; startNs: number; endNs: number }>();
    let prev: EventRow | null = null;
    for (const e of lc.events) {
      const key = trackKeyOfEvent(e);
      const s = perTrack.get(key);
      if (s) {
        s.last = e;
        s.n++;
        s.startNs = Math.min(s.startNs, e.t);
        s.endNs = Math.max(s.endNs, e.t);
      } else perTrack.set(key, { first: e, last: e, n: 1, startNs: e.t, endNs: e.t });
      if (prev && trackKeyOfEvent(prev) !== key) flows.push({ lifecycle: lc, from: prev, to: e });
      prev = e;
    }
    for (const [trackKey, s] of perTrack) {
      if (s.n < 2 || s.endNs <= s.startNs) continue;
      let list = slices.get(trackKey);
      if (!list) slices.set(trackKey, (list = []));
      list.push({ trackKey, lifecycle: lc, startNs: s.startNs, endNs: s.endNs, firstSeq: s.first.seq, lastSeq: s.last.seq, events: s.n });
    }
  }
  for (const list of slices.values()) list.sort((a, b) => a.startNs - b.startNs || a.firstSeq - b.firstSeq);
  return { lifecycles, ofSeq, slices, flows };
}

/** Text for a lifecycle's slice: its cookie once read, else its PRG. */
export function lifecycleLabel(lc: Lifecycle): string {
  if (lc.cookie !== null) return `cookie ${lc.cookie}`;
  return lc.grpid !== null ? `PRG ${lc.grpid}` : `fault ${lc.id}`;
}
