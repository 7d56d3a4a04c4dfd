import { describe, expect, it } from 'vitest';
import { counterSeries } from './counters';
import { oneFault } from './fixtures';
import { assembleLifecycles, lifecycleLabel } from './lifecycles';

describe('assembleLifecycles', () => {
  const set = assembleLifecycles(oneFault());

  it('puts the page requests, their queue trip, the cookie and the response in one lifecycle', () => {
    expect(set.lifecycles).toHaveLength(1);
    const lc = set.lifecycles[0]!;
    expect(lc.cookie).toBe(1);
    expect(lc.events.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18]);
    // The DMA before the fault, the wake-up and the assertion are not part of it.
    for (const seq of [0, 1, 11, 19]) expect(set.ofSeq.has(seq)).toBe(false);
    expect(lifecycleLabel(lc)).toBe('cookie 1');
  });

  it('draws one slice per track crossed and an arrow per move between tracks', () => {
    expect([...set.slices.keys()].sort()).toEqual(['device#768/pasid#1', 'iommu#768/pasid#1', 'iommufd#768/pasid#1', 'kernel#768/pasid#1']);
    const device = set.slices.get('device#768/pasid#1')![0]!;
    expect([device.startNs, device.endNs, device.firstSeq, device.lastSeq]).toEqual([500, 8954, 2, 18]);
    // The policy saw one event of the fault: a marker, not a slice.
    expect(set.slices.has('policy#768/pasid#1')).toBe(false);
    expect(set.flows.map((f) => `${f.from.seq}>${f.to.seq}`)).toEqual(['3>4', '5>6', '9>10', '13>14', '14>15', '15>16', '16>17', '17>18']);
  });

  it('starts a new lifecycle when the same PRG index is reused after the response', () => {
    const first = oneFault().slice(0, 19);
    const again = first.filter((e) => e.grpid !== null).map((e) => ({ ...e, seq: e.seq + 100, t: e.t + 20_000, parent: e.parent === null ? null : e.parent + 100, cookie: e.cookie === null ? null : 2 }));
    const two = assembleLifecycles([...first, ...again]);
    expect(two.lifecycles.map((l) => l.cookie)).toEqual([1, 2]);
  });
});

describe('counterSeries', () => {
  const steps = (c: ReturnType<typeof counterSeries>, key: string): [number[], number[]] => {
    const s = c.get(key)!;
    return [s.startNs, s.value];
  };

  it('steps PRQ occupancy per IOMMU unit and PRI credits per device, with the queue and device rules', () => {
    const c = counterSeries(null, oneFault(), 0);
    expect([...c.keys()].sort()).toEqual(['counter#pri/dev#768', 'counter#prq/iommu#0']);
    expect(steps(c, 'counter#prq/iommu#0')).toEqual([[0, 700, 2700, 2900], [0, 2, 1, 0]]);
    expect(c.get('counter#prq/iommu#0')!.max).toBe(2);
    expect(steps(c, 'counter#pri/dev#768')).toEqual([[0, 500, 8954], [0, 2, 0]]);
  });

  it('keeps units apart, and takes an entry off the unit holding it when the event names none', () => {
    const events = oneFault().map((e) => (e.kind === 'PRQ_ENQ' ? { ...e, iommu: 1 } : e));
    const c = counterSeries(null, events, 0);
    expect(c.has('counter#prq/iommu#0')).toBe(false);
    expect(steps(c, 'counter#prq/iommu#1')).toEqual([[0, 700, 2700, 2900], [0, 2, 1, 0]]);
    // A consuming event that names another unit takes nothing from unit 1.
    const wrongUnit = events.map((e) => (e.kind === 'IOPF_GROUP' ? { ...e, iommu: 0 } : e));
    expect(steps(counterSeries(null, wrongUnit, 0), 'counter#prq/iommu#1')).toEqual([[0, 700, 2700], [0, 2, 1]]);
  });

  it('starts from the state before the window', () => {
    const base = {
      version: 2,
      seq: 3,
      t: 500,
      deliver: [],
      cookies: [],
      prq: [{ iommu: 0, entries: [{ dev: 0x300, pasid: 1, grpid: 7, seq: 1 }], overflow: false, highWater: 1 }],
      devices: [{ dev: 0x300, prgs: [{ grpid: 7, pasid: 1, requests: 3, seq: 1 }], requests: 3 }],
      partial: [],
      totals: { faultsQueued: 0, groupsRead: 0, responses: 0, autoResponses: 0, pageResponses: 0, prgResponses: 0, prqDrops: 0, fdErrors: 0 },
      objects: [],
    };
    const c = counterSeries(base, oneFault().slice(4), 600);
    expect(steps(c, 'counter#prq/iommu#0')[1]).toEqual([1, 3, 2, 1]);
    // PRG 0's requests were sent before the window: its response returns nothing it knows of.
    expect(steps(c, 'counter#pri/dev#768')).toEqual([[600], [3]]);
  });
});
