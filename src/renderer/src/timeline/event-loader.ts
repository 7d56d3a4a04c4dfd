/**
 * Loads a session's events through WorkbenchApi.getEvents, page by page, and
 * caches the arranged TimelineData per session. Sessions are small today
 * (hundreds of events), so the whole session is loaded; a level-of-detail
 * fetcher that asks for (window, resolution) buckets, as Perfetto's
 * TimelineFetcher does, is future work for million-event sessions.
 */
import type { WorkbenchApi } from '@shared/api/workbench';
import type { EventRow } from '@shared/events';
import { buildTimelineData, type TimelineData } from './timeline-data';

export const PAGE_SIZE = 5_000;

export async function fetchAllEvents(
  api: Pick<WorkbenchApi, 'getEvents'>,
  sessionId: number,
  pageSize = PAGE_SIZE,
): Promise<EventRow[]> {
  const events: EventRow[] = [];
  let fromSeq = 0;
  for (;;) {
    const page = await api.getEvents({ sessionId, fromSeq, limit: pageSize });
    events.push(...page.events);
    if (!page.more) return events;
    const last = page.events.at(-1);
    // A page that claims more but returns nothing would loop forever.
    if (!last) throw new Error(`getEvents(session ${sessionId}, from ${fromSeq}) returned no events but more=true`);
    fromSeq = last.seq + 1;
  }
}

/** Recently viewed sessions, keyed by id and event count (a growing session is reloaded). */
export class TimelineDataCache {
  private readonly entries = new Map<string, Promise<TimelineData>>();

  constructor(
    private readonly api: Pick<WorkbenchApi, 'getEvents'>,
    private readonly capacity = 8,
  ) {}

  load(sessionId: number, eventCount: number): Promise<TimelineData> {
    const key = `${sessionId}:${eventCount}`;
    let entry = this.entries.get(key);
    if (entry) {
      // Refresh recency: Map iteration order is insertion order.
      this.entries.delete(key);
    } else {
      entry = fetchAllEvents(this.api, sessionId).then((events) => buildTimelineData(sessionId, events));
      // A failed load must not stay cached.
      entry.catch(() => this.entries.delete(key));
    }
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }
}
