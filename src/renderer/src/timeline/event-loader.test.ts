import { describe, expect, it, vi } from 'vitest';
import type { EventWindow, EventWindowRequest } from '@shared/api/workbench';
import { FakeApi, fakeEvent } from '@renderer/testing/fake-api';
import { TimelineDataCache, fetchAllEvents } from './event-loader';

describe('fetchAllEvents', () => {
  it('pages through the session until more is false', async () => {
    const api = new FakeApi();
    api.events.set(3, Array.from({ length: 25 }, (_, i) => fakeEvent(i)));
    const spy = vi.spyOn(api, 'getEvents');
    const events = await fetchAllEvents(api, 3, 10);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(spy.mock.calls.map(([r]) => r.fromSeq)).toEqual([0, 10, 20]);
  });

  it('refuses a page that claims more but is empty', async () => {
    const api = {
      getEvents: async (r: EventWindowRequest): Promise<EventWindow> => ({ sessionId: r.sessionId, events: [], more: true }),
    };
    await expect(fetchAllEvents(api, 1)).rejects.toThrow(/returned no events but more=true/);
  });
});

describe('TimelineDataCache', () => {
  it('loads a session once per event count', async () => {
    const api = new FakeApi();
    api.events.set(1, [fakeEvent(0), fakeEvent(1)]);
    const spy = vi.spyOn(api, 'getEvents');
    const cache = new TimelineDataCache(api);
    const a = await cache.load(1, 2);
    const b = await cache.load(1, 2);
    expect(a).toBe(b);
    expect(a.eventCount).toBe(2);
    expect(spy).toHaveBeenCalledTimes(1);
    await cache.load(1, 3);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('does not keep a failed load', async () => {
    const api = new FakeApi();
    api.events.set(1, [fakeEvent(0)]);
    api.failNext = { method: 'getEvents', message: 'host went away' };
    const cache = new TimelineDataCache(api);
    await expect(cache.load(1, 1)).rejects.toThrow('host went away');
    await expect(cache.load(1, 1)).resolves.toMatchObject({ eventCount: 1 });
  });

  it('evicts the least recently used session', async () => {
    const api = new FakeApi();
    for (const id of [1, 2, 3]) api.events.set(id, [fakeEvent(0)]);
    const spy = vi.spyOn(api, 'getEvents');
    const cache = new TimelineDataCache(api, 2);
    await cache.load(1, 1);
    await cache.load(2, 1);
    await cache.load(1, 1); // 1 is now the most recent
    await cache.load(3, 1); // evicts 2
    await cache.load(1, 1);
    expect(spy).toHaveBeenCalledTimes(3);
    await cache.load(2, 1);
    expect(spy).toHaveBeenCalledTimes(4);
  });
});
