/**
 * An event's causal children: the events whose `parent` is its seq. The host
 * keeps no index on `parent`, so the search reads events in seq order from
 * the parent on. Effects follow their cause closely, so the first search reads
 * a bounded span after the parent; when the session goes on past that span
 * (or more children than one search lists exist), the answer says how far it
 * read, and the panel offers to search on from there rather than claim the
 * list is complete.
 */
import type { EventSearchRequest, EventSearchResult } from '@shared/api/workbench';
import type { EventRow } from '@shared/events';

/** Events after the parent that the first search reads (a few ms on a 1M-event session). */
export const CHILD_SPAN = 65_536;
/** Children listed per search. */
export const CHILD_LIMIT = 64;

export type FindEvents = (request: EventSearchRequest) => Promise<EventSearchResult>;

export interface ChildSearch {
  /** Children found, in seq order. */
  readonly children: readonly EventRow[];
  /** null when every child is listed; otherwise the last seq the search read (children after it may exist). */
  readonly searchedThrough: number | null;
}

export interface ChildQuery {
  readonly sessionId: number;
  readonly parent: number;
  /** First seq to read; the event right after the parent unless searching on. */
  readonly fromSeq?: number;
  /** Last seq of the session as far as it is known (null: unknown). */
  readonly lastSeq: number | null;
  /** The session still records: children may come after its last event, so no answer is complete. */
  readonly growing?: boolean;
  /** Events to read at most; Infinity reads to the session's end. */
  readonly span?: number;
  readonly limit?: number;
}

export async function searchChildren(find: FindEvents, query: ChildQuery): Promise<ChildSearch> {
  const { sessionId, parent, lastSeq, growing = false, span = CHILD_SPAN, limit = CHILD_LIMIT } = query;
  const fromSeq = query.fromSeq ?? parent + 1;
  if (lastSeq !== null && fromSeq > lastSeq) return { children: [], searchedThrough: growing ? fromSeq - 1 : null };
  const spanEnd = fromSeq + span - 1;
  const end = lastSeq === null ? spanEnd : Math.min(spanEnd, lastSeq);
  const bounded = Number.isFinite(end);
  const r = await find({ sessionId, filter: { parent }, fromSeq, ...(bounded ? { toSeq: end } : {}), direction: 'forward', limit });
  const children = r.events.filter((e) => e.parent === parent);
  if (r.more) return { children, searchedThrough: children[children.length - 1]?.seq ?? end };
  const complete = !growing && (!bounded || (lastSeq !== null && end >= lastSeq));
  return { children, searchedThrough: complete ? null : end };
}

/** The union of child lists (a search's and the fault lifecycle's), each child once, in seq order. */
export function mergeChildren(parent: number, ...lists: readonly (readonly EventRow[])[]): EventRow[] {
  const bySeq = new Map<number, EventRow>();
  for (const list of lists) for (const e of list) if (e.parent === parent) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}
