import { describe, expect, it, vi } from 'vitest';
import type { TimelineRequest, TimelineWindow } from '@shared/api/analysis';
import { FakeApi } from '@renderer/testing/fake-api';
import { PAGE_BUCKETS, TimelineFetcher, levelFor, pageRange } from './window-fetcher';

/** A getTimeline that records requests and answers only when the test says so. */
function controlledApi(): { api: FakeApi; requests: TimelineRequest[]; answerAll: () => Promise<void>; failAll: () => Promise<void> } {
  const api = new FakeApi();
  const requests: TimelineRequest[] = [];
  let pending: { req: TimelineRequest; resolve: (w: TimelineWindow) => void; reject: (e: Error) => void }[] = [];
  api.answers.getTimeline = (req) =>
    new Promise<TimelineWindow>((resolve, reject) => {
      requests.push(req);
      pending.push({ req, resolve, reject });
    });
  const settle = async (fail: boolean): Promise<void> => {
    // Answering lets the fetcher send queued requests; loop until quiet.
    for (let round = 0; round < 20 && pending.length > 0; round++) {
      const batch = pending;
      pending = [];
      for (const p of batch) {
        if (fail) p.reject(new Error('boom'));
        else p.resolve(windowFor(p.req));
      }
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  return { api, requests, answerAll: () => settle(false), failAll: () => settle(true) };
}

function windowFor(req: TimelineRequest): TimelineWindow {
  const bucketNs = (req.to - req.from) / req.buckets;
  return { sessionId: req.sessionId, fromSeq: 0, toSeq: -1, bucketNs, firstBucket: req.from / bucketNs, bucketCount: req.buckets, path: 'lod', slices: true, tracks: [] };
}

describe('levelFor / pageRange', () => {
  it('picks the power of two at or above ns per pixel', () => {
    expect(levelFor(1000, 1000)).toBe(0);
    expect(levelFor(1001, 1000)).toBe(1);
    expect(levelFor(1 << 20, 1024)).toBe(10);
    expect(levelFor(10, 1000)).toBe(0);
  });

  it('covers the window with aligned pages and a margin page per side', () => {
    const pageNs = PAGE_BUCKETS * 2; // level 1
    expect(pageRange(pageNs * 3 + 5, pageNs * 5, 1)).toEqual({ first: 2, last: 5 });
    expect(pageRange(pageNs * 3 + 5, pageNs * 5, 1, PAGE_BUCKETS, 0)).toEqual({ first: 3, last: 4 });
  });
});

describe('TimelineFetcher', () => {
  it('requests aligned pages at one bucket per pixel and answers the same view from the cache', async () => {
    const { api, requests, answerAll } = controlledApi();
    let loads = 0;
    const f = new TimelineFetcher(api, () => loads++, { concurrency: 8 });
    f.setSession(1, 0, 1_000_000);
    const first = f.view(100_000, 200_000, 1000);
    expect(first.complete).toBe(false);
    expect(first.loading).toBe(true);
    const level = levelFor(100_000, 1000);
    const pageNs = PAGE_BUCKETS * 2 ** level;
    await answerAll();
    expect(loads).toBe(requests.length);
    for (const r of requests) {
      expect(r.buckets).toBe(PAGE_BUCKETS);
      expect(r.to - r.from).toBe(pageNs);
      expect(r.from % pageNs).toBe(0);
      expect(r.maxEvents).toBeGreaterThan(0);
    }
    const { first: p0, last: p1 } = pageRange(100_000, 200_000, level);
    expect(requests.map((r) => r.from / pageNs).sort((a, b) => a - b)).toEqual(Array.from({ length: p1 - p0 + 1 }, (_, i) => p0 + i));
    const sent = requests.length;
    const again = f.view(100_000, 200_000, 1000);
    expect(again.complete).toBe(true);
    expect(again.segments.length).toBe(sent);
    // A small pan stays within the fetched margin: nothing new is asked.
    f.view(101_000, 201_000, 1000);
    expect(requests.length).toBe(sent);
  });

  it('shows the last complete frame while a new level loads', async () => {
    const { api, answerAll } = controlledApi();
    const f = new TimelineFetcher(api, () => undefined, { concurrency: 8 });
    f.setSession(1, 0, 1_000_000);
    f.view(0, 1_000_000, 1000);
    await answerAll();
    const done = f.view(0, 1_000_000, 1000);
    expect(done.complete).toBe(true);
    // Zoom in: the new level is missing, the old pages stand in, clipped to the slots.
    const zoomed = f.view(400_000, 500_000, 1000);
    expect(zoomed.complete).toBe(false);
    expect(zoomed.segments.length).toBeGreaterThan(0);
    expect(zoomed.segments.every((s) => s.page.level === done.level)).toBe(true);
    for (const s of zoomed.segments) {
      expect(s.clipStartNs).toBeGreaterThanOrEqual(s.page.startNs);
      expect(s.clipEndNs).toBeLessThanOrEqual(s.page.endNs);
    }
    await answerAll();
    const after = f.view(400_000, 500_000, 1000);
    expect(after.complete).toBe(true);
    expect(after.segments.every((s) => s.page.level === levelFor(100_000, 1000))).toBe(true);
  });

  it('drops answers for a session that is no longer shown', async () => {
    const { api, answerAll } = controlledApi();
    let loads = 0;
    const f = new TimelineFetcher(api, () => loads++, { concurrency: 8 });
    f.setSession(1, 0, 1_000_000);
    f.view(0, 1_000_000, 1000);
    f.setSession(2, 0, 1_000_000);
    await answerAll();
    expect(loads).toBe(0);
    const v = f.view(0, 1_000_000, 1000);
    expect(v.complete).toBe(false);
    expect(v.segments).toEqual([]);
  });

  it('never sends queued requests the view no longer needs', async () => {
    const { api, requests, answerAll } = controlledApi();
    const f = new TimelineFetcher(api, () => undefined, { concurrency: 1 });
    f.setSession(1, 0, 100_000_000);
    f.view(0, 100_000, 1000); // sends one, queues the rest
    expect(requests.length).toBe(1);
    f.view(90_000_000, 90_100_000, 1000); // far away: the old queue is replaced
    await answerAll();
    const farPageNs = PAGE_BUCKETS * 2 ** levelFor(100_000, 1000);
    const near = requests.slice(1).filter((r) => r.from < 1_000_000);
    expect(near).toEqual([]);
    expect(requests.slice(1).every((r) => r.from >= 90_000_000 - 2 * farPageNs)).toBe(true);
  });

  it('skips pages outside the session and evicts the least recently used', async () => {
    const { api, requests, answerAll } = controlledApi();
    const f = new TimelineFetcher(api, () => undefined, { concurrency: 8, capacity: 3 });
    f.setSession(1, 0, 1000);
    f.view(-5_000, 5_000, 10); // level 10: page = 512 Ki ns, only page 0 touches the session
    await answerAll();
    expect(requests.map((r) => r.from)).toEqual([0]);
    f.setSession(1, 0, 10_000_000);
    for (let i = 0; i < 6; i++) {
      f.view(i * 1_000_000, (i + 1) * 1_000_000, 1000);
      await answerAll();
    }
    const sent = requests.length;
    f.view(0, 1_000_000, 1000); // long evicted: asked again
    await answerAll();
    expect(requests.length).toBeGreaterThan(sent);
  });

  it('does not retry a failed page on every frame, and reports the error', async () => {
    const { api, requests, failAll } = controlledApi();
    const f = new TimelineFetcher(api, () => undefined, { concurrency: 8 });
    f.setSession(1, 0, 1_000_000);
    f.view(0, 1_000_000, 1000);
    await failAll();
    const sent = requests.length;
    const v = f.view(0, 1_000_000, 1000);
    expect(requests.length).toBe(sent);
    expect(v.loading).toBe(false);
    expect(f.lastError).toBe('boom');
  });

  it('while zooming, asks for a level only once it has held still', async () => {
    vi.useFakeTimers();
    try {
      const { api, requests } = controlledApi();
      const f = new TimelineFetcher(api, () => undefined, { concurrency: 8, settleMs: 50 });
      f.setSession(1, 0, 100_000_000);
      f.view(0, 100_000_000, 1000); // the first view asks at once
      const first = requests.length;
      expect(first).toBeGreaterThan(0);
      // Three zoom steps through three levels within 50 ms: nothing asked yet.
      f.view(0, 50_000_000, 1000);
      vi.advanceTimersByTime(20);
      f.view(0, 25_000_000, 1000);
      vi.advanceTimersByTime(20);
      const v = f.view(0, 12_000_000, 1000);
      expect(v.loading).toBe(true);
      expect(requests.length).toBe(first);
      vi.advanceTimersByTime(60);
      const level = levelFor(12_000_000, 1000);
      expect(requests.length).toBeGreaterThan(first);
      expect(requests.slice(first).every((r) => r.to - r.from === PAGE_BUCKETS * 2 ** level)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('asks every page with the filter once one is set, and forgets pages asked without it', async () => {
    const { api, requests, answerAll } = controlledApi();
    let loads = 0;
    const f = new TimelineFetcher(api, () => loads++, { concurrency: 8 });
    f.setSession(1, 0, 1_000_000);
    f.view(0, 1_000_000, 1000);
    await answerAll();
    const plain = requests.length;
    expect(requests.every((r) => r.filter === undefined)).toBe(true);
    expect(f.view(0, 1_000_000, 1000).complete).toBe(true);
    f.setFilter({ kinds: ['PRQ_ENQ'] });
    const v = f.view(0, 1_000_000, 1000);
    // The old picture stays on screen while the filtered pages load.
    expect(v.complete).toBe(false);
    expect(v.segments.length).toBeGreaterThan(0);
    await answerAll();
    expect(requests.slice(plain).length).toBe(plain);
    expect(requests.slice(plain).every((r) => r.filter?.kinds?.[0] === 'PRQ_ENQ')).toBe(true);
    // The same filter again changes nothing.
    f.setFilter({ kinds: ['PRQ_ENQ'] });
    expect(f.view(0, 1_000_000, 1000).complete).toBe(true);
    f.setFilter(null);
    f.view(0, 1_000_000, 1000);
    await answerAll();
    expect(requests.at(-1)!.filter).toBeUndefined();
  });

  it('a growing session keeps the pages before its old end and asks the rest again', async () => {
    const { api, requests, answerAll } = controlledApi();
    const f = new TimelineFetcher(api, () => undefined, { concurrency: 8 });
    f.setSession(1, 0, 600_000);
    f.view(0, 1_000_000, 1000);
    await answerAll();
    const pageNs = PAGE_BUCKETS * 2 ** levelFor(1_000_000, 1000);
    const before = requests.length;
    f.extend(900_000);
    f.view(0, 1_000_000, 1000);
    await answerAll();
    const again = requests.slice(before);
    expect(again.length).toBeGreaterThan(0);
    // Only pages reaching past the old end (600 000 ns) are asked again.
    expect(again.every((r) => r.to > 600_000)).toBe(true);
    expect(again.map((r) => r.from)).toContain(Math.floor(600_000 / pageNs) * pageNs);
    expect(f.view(0, 1_000_000, 1000).complete).toBe(true);
  });

  it('an answer dropped because the pages changed still prompts a redraw, so the view asks again', async () => {
    const { api, requests, answerAll } = controlledApi();
    let loads = 0;
    const f = new TimelineFetcher(api, () => loads++, { concurrency: 8 });
    f.setSession(1, 0, 1_000_000);
    f.view(0, 1_000_000, 1000);
    f.setFilter({ text: 'x' });
    await answerAll();
    expect(loads).toBeGreaterThan(0);
    const sent = requests.length;
    f.view(0, 1_000_000, 1000);
    await answerAll();
    expect(requests.length).toBeGreaterThan(sent);
    expect(f.view(0, 1_000_000, 1000).complete).toBe(true);
  });
});
