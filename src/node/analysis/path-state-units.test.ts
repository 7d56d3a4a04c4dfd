/** The fault-path state keeps one page request queue per IOMMU unit (TraceEvent.iommu). */
import { describe, expect, it } from 'vitest';
import { toEventRow, type EventRow } from '../../shared/events';
import * as api from '../../core/scenario/api/index';
import { createScriptHost } from '../../core/scenario/create-script-host';
import { MemorySink } from '../../core/trace/sink';
import { initialPathState, reducePathState } from './path-state';

const A = '0000:03:00.0';
const B = '0000:04:00.0';

async function twoUnitRun(): Promise<EventRow[]> {
  const def = api.scenario({
    name: 'two-units',
    topology: { iommu: { vendor: 'vtd', units: 2 }, devices: [{ name: A }, { name: B, iommu: 1 }] },
    setup: () => api.vmmSetup({ pasids: [1] }),
    policy: api.mapThenSuccess({ latencyNs: 1_000 }),
    async workload() {
      await Promise.all([api.dma(A, { pasid: 1, addr: 0x1000n }), api.dma(B, { pasid: 1, addr: 0x2000n })]);
    },
  });
  const sink = new MemorySink();
  await createScriptHost({ sink }).run(def, () => new Promise<void>((r) => setTimeout(r, 0)));
  return sink.events.map(toEventRow);
}

const entriesByUnit = (events: readonly EventRow[], upTo: number) =>
  Object.fromEntries(reducePathState(initialPathState(), events.slice(0, upTo + 1)).prq.map((q) => [q.iommu, q.entries.map((e) => e.dev)]));

describe('PRQ state per IOMMU unit', () => {
  it('queues each page request on its unit and takes it off that unit when io-pgfault consumes it', async () => {
    const events = await twoUnitRun();
    const enq = events.filter((e) => e.kind === 'PRQ_ENQ');
    expect(enq.map((e) => [e.dev, e.iommu])).toEqual(expect.arrayContaining([[0x300, 0], [0x400, 1]]));
    const lastEnq = Math.max(...enq.map((e) => e.seq));
    const firstConsume = events.find((e) => e.kind === 'IOPF_GROUP')!.seq;
    // Both requests are on their queues once the second arrives, if neither was consumed before.
    if (lastEnq < firstConsume) expect(entriesByUnit(events, lastEnq)).toEqual({ 0: [0x300], 1: [0x400] });
    // Each consumption empties the unit the request was on, not unit 0.
    const groupB = events.find((e) => e.kind === 'IOPF_GROUP' && e.dev === 0x400)!;
    expect(groupB.iommu).toBeNull();
    expect(entriesByUnit(events, groupB.seq)[1]).toEqual([]);
    const end = reducePathState(initialPathState(), events).prq;
    expect(end.map((q) => [q.iommu, q.entries.length, q.highWater])).toEqual([
      [0, 0, 1],
      [1, 0, 1],
    ]);
  });

  it('counts events that name no unit (recorded before schema v3) on unit 0', async () => {
    const events = (await twoUnitRun()).map((e) => ({ ...e, iommu: null }));
    const end = reducePathState(initialPathState(), events).prq;
    expect(end.map((q) => [q.iommu, q.entries.length, q.highWater])).toEqual([[0, 0, 2]]);
  });
});
