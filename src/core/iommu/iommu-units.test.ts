/**
 * TraceEvent.iommu: hardware and driver events name the IOMMU unit they
 * concern, on a topology with two units of the same vendor; events of other
 * layers name none.
 */
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../shared/events';
import * as api from '../scenario/api/index';
import { createScriptHost } from '../scenario/create-script-host';
import { ScenarioError } from '../scenario/spec';
import { MemorySink } from '../trace/sink';

const yieldToScript = () => new Promise<void>((r) => setTimeout(r, 0));

const A = '0000:03:00.0';
const B = '0000:04:00.0';

function twoUnits(vendor: 'vtd' | 'amd' | 'smmuv3', units = 2, bIommu = 1) {
  return api.scenario({
    name: 'two-iommus',
    topology: { iommu: { vendor, units }, devices: [{ name: A }, { name: B, iommu: bIommu }] },
    setup: () => api.vmmSetup({ pasids: [1] }),
    policy: api.mapThenSuccess({ latencyNs: 1_000 }),
    async workload() {
      const [a, b] = await Promise.all([api.dma(A, { pasid: 1, addr: 0x1000n }), api.dma(B, { pasid: 1, addr: 0x2000n })]);
      api.expect(a.ok && b.ok).toBe(true, 'both complete');
    },
  });
}

async function run(def: unknown): Promise<TraceEvent[]> {
  const sink = new MemorySink();
  const outcome = await createScriptHost({ sink }).run(def, yieldToScript);
  expect(outcome.failed).toBe(0);
  return sink.events;
}

/** The unit of each event of `kind`, per device RID (bus 3 → A, bus 4 → B). */
function unitsByDevice(events: TraceEvent[], kind: TraceEvent['kind']): Record<string, (number | null)[]> {
  const out: Record<string, (number | null)[]> = {};
  for (const e of events.filter((x) => x.kind === kind)) (out[e.dev === 0x300 ? 'A' : e.dev === 0x400 ? 'B' : String(e.dev)] ??= []).push(e.iommu);
  return out;
}

describe('IOMMU unit of an event', () => {
  it.each(['vtd', 'amd'] as const)('%s: each function’s PRQ entries, driver work and page responses carry its unit', async (vendor) => {
    const events = await run(twoUnits(vendor));
    for (const kind of ['PRQ_ENQ', 'DRV_CONSUME', 'PAGE_RESPONSE'] as const) expect(unitsByDevice(events, kind), kind).toEqual({ A: [0], B: [1] });
    // Unit-wide events (the page request interrupt) name their unit too.
    const irqs = events.filter((e) => e.kind === 'PR_EVENT_IRQ' || e.kind === 'CMD_RESP').map((e) => e.iommu);
    expect(irqs.length).toBeGreaterThan(0);
    expect(irqs.every((u) => u === 0 || u === 1)).toBe(true);
    // Device, io-pgfault, iommufd and policy events concern no unit.
    for (const layer of ['device', 'iommufd', 'policy', 'check'] as const) expect(events.filter((e) => e.layer === layer && e.iommu !== null).map((e) => e.kind), layer).toEqual([]);
    expect(events.filter((e) => (e.kind === 'IOPF_GROUP' || e.kind === 'IOPF_PARTIAL') && e.iommu !== null)).toEqual([]);
  });

  it('puts every function behind unit 0 by default', async () => {
    const events = await run(twoUnits('vtd', 1, 0));
    expect(unitsByDevice(events, 'PRQ_ENQ')).toEqual({ A: [0], B: [0] });
  });

  it('refuses a function behind a unit the topology does not have', async () => {
    await expect(run(twoUnits('vtd', 2, 2))).rejects.toThrow(ScenarioError);
    await expect(run(twoUnits('vtd', 2, 2))).rejects.toThrow(/names IOMMU unit 2, but the topology has 2/);
    await expect(run(twoUnits('vtd', 0))).rejects.toThrow(/topology.iommu.units: expected an integer in 1..64/);
  });
});
