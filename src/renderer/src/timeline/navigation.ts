/**
 * Moving the selection through a session that is never loaded whole: every
 * step asks the host (findEvents, getLifecycle, getEvents) instead of
 * scanning an event array.
 *   nextOnTrack   `.` / `,`: the next or previous event on the selected event's track
 *   flowStep      `[` / `]`: the event's cause (its parent, else the previous
 *                 event of its fault) or its effect (a child, else the next
 *                 event of its fault)
 *   searchStep    Enter / Shift+Enter in the search box
 * EventCache keeps the few events the view needs by seq (the selection, the
 * targets of steps), so the selection can be drawn in any zoom.
 */
import type { EventFilter, WorkbenchApi } from '@shared/api/workbench';
import type { EventRow } from '@shared/events';
import { trackKeyOfEvent } from './lifecycles';

type Api = Pick<WorkbenchApi, 'getEvents' | 'findEvents' | 'getLifecycle'>;

export type Direction = 'forward' | 'backward';

export class EventCache {
  private readonly bySeq = new Map<number, EventRow>();
  private sessionId: number | null = null;

  constructor(private readonly api: Pick<WorkbenchApi, 'getEvents'>) {}

  setSession(sessionId: number | null): void {
    this.sessionId = sessionId;
    this.bySeq.clear();
  }

  peek(seq: number): EventRow | undefined {
    return this.bySeq.get(seq);
  }

  remember(e: EventRow): void {
    this.bySeq.set(e.seq, e);
    if (this.bySeq.size > 512) this.bySeq.delete(this.bySeq.keys().next().value!);
  }

  /** The event with this seq, from the cache or the host; null when the session has none. */
  async get(seq: number): Promise<EventRow | null> {
    const hit = this.bySeq.get(seq);
    if (hit) return hit;
    const sessionId = this.sessionId;
    if (sessionId === null || seq < 0) return null;
    const page = await this.api.getEvents({ sessionId, fromSeq: seq, limit: 1 });
    const e = page.events[0];
    if (!e || e.seq !== seq || this.sessionId !== sessionId) return null;
    this.remember(e);
    return e;
  }
}

/** The filter that finds events of `e`'s track (dev/PASID may be absent: checked on the answers). */
function trackFilter(e: EventRow): EventFilter {
  return { layer: e.layer, ...(e.dev !== null ? { dev: e.dev } : {}), ...(e.pasid !== null ? { pasid: e.pasid } : {}) };
}

export async function nextOnTrack(api: Api, sessionId: number, from: EventRow, direction: Direction, maxRounds = 8): Promise<EventRow | null> {
  const key = trackKeyOfEvent(from);
  let fromSeq = direction === 'forward' ? from.seq + 1 : from.seq - 1;
  for (let round = 0; round < maxRounds && fromSeq >= 0; round++) {
    const res = await api.findEvents({ sessionId, filter: trackFilter(from), fromSeq, direction, limit: 64 });
    const hit = res.events.find((e) => trackKeyOfEvent(e) === key);
    if (hit) return hit;
    const last = res.events.at(-1);
    if (!res.more || !last) return null;
    fromSeq = direction === 'forward' ? last.seq + 1 : last.seq - 1;
  }
  return null;
}

export async function flowStep(api: Api, sessionId: number, from: EventRow, direction: Direction): Promise<number | null> {
  if (direction === 'backward' && from.parent !== null) return from.parent;
  let events: readonly EventRow[];
  try {
    events = (await api.getLifecycle({ sessionId, query: { seq: from.seq } })).events;
  } catch {
    // The event belongs to no fault: only its parent link leads anywhere.
    return null;
  }
  const i = events.findIndex((e) => e.seq === from.seq);
  if (direction === 'forward') {
    const child = events.find((e) => e.parent === from.seq);
    if (child) return child.seq;
    return (i >= 0 ? events[i + 1] : events.find((e) => e.seq > from.seq))?.seq ?? null;
  }
  const before = i >= 0 ? events[i - 1] : [...events].reverse().find((e) => e.seq < from.seq);
  return before?.seq ?? null;
}

/** The next (or previous) match strictly after (before) `fromSeq`; from the start (end) when null. */
export async function searchStep(api: Api, sessionId: number, filter: EventFilter, fromSeq: number | null, direction: Direction): Promise<EventRow | null> {
  const start = fromSeq === null ? (direction === 'forward' ? 0 : Number.MAX_SAFE_INTEGER) : direction === 'forward' ? fromSeq + 1 : fromSeq - 1;
  if (start < 0) return null;
  const res = await api.findEvents({ sessionId, filter, fromSeq: start, direction, limit: 1 });
  return res.events[0] ?? null;
}
