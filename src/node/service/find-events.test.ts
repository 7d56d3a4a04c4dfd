import { describe, expect, it } from 'vitest';
import type { EventRow } from '../../shared/events';
import { useTempDatabases } from '../recorder/testing/fixtures';
import { testWorkbench, useTestWorkbenches } from './testing';

useTempDatabases();
useTestWorkbenches();

async function recorded(): Promise<{ w: ReturnType<typeof testWorkbench>; sessionId: number; events: EventRow[] }> {
  const w = testWorkbench();
  const r = await w.service.runScenario({ scenarioId: 'happy-path', jobId: 'hp' });
  expect(r.error).toBeNull();
  const sessionId = r.sessionId!;
  const events = [...(await w.service.getEvents({ sessionId, fromSeq: 0, limit: 100_000 })).events];
  return { w, sessionId, events };
}

describe('findEvents by parent', () => {
  it('finds every child of every parent, exactly as a brute-force filter does', async () => {
    const { w, sessionId, events } = await recorded();
    const parents = [...new Set(events.map((e) => e.parent).filter((p): p is number => p !== null))];
    expect(parents.length).toBeGreaterThan(3);
    for (const parent of parents) {
      const found = await w.service.findEvents({ sessionId, filter: { parent }, fromSeq: 0, direction: 'forward', limit: 10_000 });
      expect(found.events.map((e) => e.seq), `children of #${parent}`).toEqual(events.filter((e) => e.parent === parent).map((e) => e.seq));
      expect(found.more).toBe(false);
    }
    const leaf = events.find((e) => !parents.includes(e.seq))!;
    expect((await w.service.findEvents({ sessionId, filter: { parent: leaf.seq }, fromSeq: 0, direction: 'forward', limit: 10 })).events).toEqual([]);
  });

  it('stops at toSeq (inclusive) forward and backward, and combines parent with other columns', async () => {
    const { w, sessionId, events } = await recorded();
    const byParent = new Map<number, EventRow[]>();
    for (const e of events) if (e.parent !== null) byParent.set(e.parent, [...(byParent.get(e.parent) ?? []), e]);
    const [parent, children] = [...byParent].find(([, c]) => c.length >= 2)!;
    const first = children[0]!;
    const bounded = await w.service.findEvents({ sessionId, filter: { parent }, fromSeq: parent, toSeq: first.seq, direction: 'forward', limit: 100 });
    expect(bounded.events.map((e) => e.seq)).toEqual([first.seq]);
    expect(bounded.more).toBe(false);
    const last = events.length - 1;
    const backward = await w.service.findEvents({ sessionId, filter: {}, fromSeq: last, toSeq: last - 2, direction: 'backward', limit: 100 });
    expect(backward.events.map((e) => e.seq)).toEqual([last, last - 1, last - 2]);
    const kind = first.kind;
    const sameKind = await w.service.findEvents({ sessionId, filter: { parent, kinds: [kind] }, fromSeq: 0, direction: 'forward', limit: 100 });
    expect(sameKind.events.map((e) => e.seq)).toEqual(children.filter((e) => e.kind === kind).map((e) => e.seq));
  });

  it('reports more children past the limit', async () => {
    const { w, sessionId, events } = await recorded();
    const counts = new Map<number, number>();
    for (const e of events) if (e.parent !== null) counts.set(e.parent, (counts.get(e.parent) ?? 0) + 1);
    const [parent] = [...counts].find(([, n]) => n >= 2)!;
    const one = await w.service.findEvents({ sessionId, filter: { parent }, fromSeq: 0, direction: 'forward', limit: 1 });
    expect(one.events).toHaveLength(1);
    expect(one.more).toBe(true);
  });
});
