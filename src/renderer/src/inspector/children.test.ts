import { describe, expect, it } from 'vitest';
import type { EventSearchRequest, EventSearchResult } from '@shared/api/workbench';
import type { EventRow } from '@shared/events';
import { fakeEvent } from '@renderer/testing/fake-api';
import { CHILD_SPAN, mergeChildren, searchChildren, type FindEvents } from './children';

/** findEvents over a sparse event list, as the host answers it (parent filter, toSeq, limit, more). */
function finder(events: readonly EventRow[]): { find: FindEvents; requests: EventSearchRequest[] } {
  const requests: EventSearchRequest[] = [];
  const find = async (r: EventSearchRequest): Promise<EventSearchResult> => {
    requests.push(r);
    const hits = events.filter((e) => e.parent === r.filter.parent && e.seq >= r.fromSeq && (r.toSeq === undefined || e.seq <= r.toSeq));
    return { events: hits.slice(0, r.limit), more: hits.length > r.limit };
  };
  return { find, requests };
}

const child = (seq: number, parent: number): EventRow => fakeEvent(seq, { parent });

describe('searchChildren', () => {
  it('reads a bounded span first, says how far it read, and finds a distant child when searching on', async () => {
    const far = 10 + CHILD_SPAN + 5_000;
    const { find, requests } = finder([child(11, 10), child(12, 3), child(far, 10)]);
    const first = await searchChildren(find, { sessionId: 1, parent: 10, lastSeq: 999_999 });
    expect(first.children.map((e) => e.seq)).toEqual([11]);
    expect(first.searchedThrough).toBe(10 + CHILD_SPAN);
    expect(requests[0]).toMatchObject({ filter: { parent: 10 }, fromSeq: 11, toSeq: 10 + CHILD_SPAN, direction: 'forward' });

    const on = await searchChildren(find, { sessionId: 1, parent: 10, fromSeq: first.searchedThrough! + 1, lastSeq: 999_999, span: Infinity });
    expect(on.children.map((e) => e.seq)).toEqual([far]);
    expect(on.searchedThrough).toBeNull();
    expect(requests[1]).toMatchObject({ fromSeq: 10 + CHILD_SPAN + 1, toSeq: 999_999 });
  });

  it('is complete when the span reaches the session end', async () => {
    const { find, requests } = finder([child(6, 5), child(40, 5)]);
    const r = await searchChildren(find, { sessionId: 1, parent: 5, lastSeq: 50 });
    expect(r).toEqual({ children: [child(6, 5), child(40, 5)], searchedThrough: null });
    expect(requests[0]!.toSeq).toBe(50);
    // The last event has no children and costs no request.
    expect(await searchChildren(find, { sessionId: 1, parent: 50, lastSeq: 50 })).toEqual({ children: [], searchedThrough: null });
    expect(requests).toHaveLength(1);
  });

  it('says more may follow the last child listed when the limit is reached', async () => {
    const { find } = finder([child(2, 1), child(3, 1), child(4, 1)]);
    const r = await searchChildren(find, { sessionId: 1, parent: 1, lastSeq: 10, limit: 2 });
    expect(r.children.map((e) => e.seq)).toEqual([2, 3]);
    expect(r.searchedThrough).toBe(3);
  });

  it('never calls a running session complete within a span', async () => {
    const { find } = finder([child(2, 1)]);
    const r = await searchChildren(find, { sessionId: 1, parent: 1, lastSeq: null, span: 100 });
    expect(r.searchedThrough).toBe(101);
  });

  it('reads a recording session up to its last event and never calls the list complete', async () => {
    const { find, requests } = finder([child(2, 1), child(30, 1)]);
    const r = await searchChildren(find, { sessionId: 1, parent: 1, lastSeq: 20, growing: true });
    expect(r).toEqual({ children: [child(2, 1)], searchedThrough: 20 });
    expect(requests[0]!.toSeq).toBe(20);
    // Nothing recorded since: still open, no request.
    expect(await searchChildren(find, { sessionId: 1, parent: 1, fromSeq: 21, lastSeq: 20, growing: true, span: Infinity })).toEqual({ children: [], searchedThrough: 20 });
    // It grew: searching on finds the new child.
    const on = await searchChildren(find, { sessionId: 1, parent: 1, fromSeq: 21, lastSeq: 40, growing: true, span: Infinity });
    expect(on).toEqual({ children: [child(30, 1)], searchedThrough: 40 });
    expect(requests).toHaveLength(2);
  });
});

describe('mergeChildren', () => {
  it('keeps each child once, in seq order, and only children of the parent', () => {
    const merged = mergeChildren(4, [child(9, 4), child(5, 4)], [child(5, 4), child(7, 2), child(6, 4)]);
    expect(merged.map((e) => e.seq)).toEqual([5, 6, 9]);
  });
});
