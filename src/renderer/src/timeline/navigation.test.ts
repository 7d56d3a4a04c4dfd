import { describe, expect, it } from 'vitest';
import type { EventSearchRequest } from '@shared/api/workbench';
import type { EventRow } from '@shared/events';
import { FakeApi } from '@renderer/testing/fake-api';
import { oneFault } from './fixtures';
import { matchesFilter } from './search-query';
import { EventCache, flowStep, nextOnTrack, searchStep } from './navigation';

/** findEvents over an array, with the host's walk semantics. */
function apiOver(events: EventRow[]): { api: FakeApi; searches: EventSearchRequest[] } {
  const api = new FakeApi();
  const searches: EventSearchRequest[] = [];
  api.events.set(1, events);
  api.answers.findEvents = async (req) => {
    searches.push(req);
    const walk = req.direction === 'forward' ? events.filter((e) => e.seq >= req.fromSeq) : events.filter((e) => e.seq <= req.fromSeq).reverse();
    const matches = walk.filter((e) => matchesFilter(e, req.filter));
    return { events: matches.slice(0, req.limit), more: matches.length > req.limit };
  };
  api.answers.getLifecycle = async (req) => {
    const q = req.query as { seq: number };
    const members = events.filter((e) => e.grpid === 0 || e.cookie === 1);
    if (!members.some((e) => e.seq === q.seq)) throw new Error('no fault');
    return { fault: {} as never, events: members.map((e) => ({ ...e, role: 'member' as const })) };
  };
  return { api, searches };
}

describe('nextOnTrack', () => {
  const events = oneFault();
  it('walks the same track both ways and stops at its ends', async () => {
    const { api } = apiOver(events);
    const device = events[2]!; // PR_SEND on device#768/pasid#1
    expect((await nextOnTrack(api, 1, device, 'forward'))?.seq).toBe(3);
    expect((await nextOnTrack(api, 1, events[3]!, 'forward'))?.seq).toBe(18);
    expect((await nextOnTrack(api, 1, events[3]!, 'backward'))?.seq).toBe(2);
    expect(await nextOnTrack(api, 1, events[18]!, 'forward')).toBeNull();
  });

  it('keeps a null-PASID track apart from its PASID tracks', async () => {
    const { api } = apiOver(events);
    const wake = events[11]!; // policy, no device
    expect(await nextOnTrack(api, 1, wake, 'forward')).toBeNull();
    // The policy's per-PASID track is a different track.
    expect((await nextOnTrack(api, 1, events[14]!, 'backward'))).toBeNull();
  });
});

describe('flowStep', () => {
  const events = oneFault();
  it('goes to the parent, and forward to a child', async () => {
    const { api } = apiOver(events);
    expect(await flowStep(api, 1, events[15]!, 'backward')).toBe(9);
    expect(await flowStep(api, 1, events[15]!, 'forward')).toBe(16);
  });

  it('without a parent, steps to the neighbouring event of the fault', async () => {
    const { api } = apiOver(events);
    expect(await flowStep(api, 1, events[14]!, 'backward')).toBe(13);
    expect(await flowStep(api, 1, events[18]!, 'forward')).toBeNull();
    expect(await flowStep(api, 1, events[11]!, 'forward')).toBeNull();
  });
});

describe('searchStep', () => {
  it('finds the next and previous match strictly past the selection', async () => {
    const { api, searches } = apiOver(oneFault());
    const filter = { kinds: ['FAULT_READ' as const] };
    expect((await searchStep(api, 1, filter, null, 'forward'))?.seq).toBe(12);
    expect((await searchStep(api, 1, filter, 12, 'forward'))?.seq).toBe(13);
    expect(await searchStep(api, 1, filter, 13, 'forward')).toBeNull();
    expect((await searchStep(api, 1, filter, 13, 'backward'))?.seq).toBe(12);
    expect(searches[1]).toMatchObject({ fromSeq: 13, direction: 'forward', limit: 1 });
  });
});

describe('EventCache', () => {
  it('fetches an event once by seq and forgets on a session change', async () => {
    const api = new FakeApi();
    api.events.set(1, oneFault());
    const cache = new EventCache(api);
    cache.setSession(1);
    expect((await cache.get(7))?.kind).toBe('IOPF_PARTIAL');
    expect((await cache.get(7))?.kind).toBe('IOPF_PARTIAL');
    expect(api.calls.filter((c) => c === 'getEvents')).toHaveLength(1);
    expect(await cache.get(99)).toBeNull();
    cache.setSession(2);
    expect(cache.peek(7)).toBeUndefined();
  });
});
