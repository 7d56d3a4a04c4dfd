/**
 * Declarative (JSON) scenarios: pure data — devices, accesses at given times,
 * the built-in responder and expectations — turned into a scenario definition
 * run by the same engine as TypeScript scenarios. Being data, they never run
 * code, which makes them safe to embed and exchange.
 */
import { IOMMUFD_PAGE_RESP_SUCCESS } from '../../shared/uapi/iommufd';
import * as api from './api/index';
import { run } from './api/run-context';
import type { ScenarioDefinition } from './api/types';
import type { ScenarioSpec } from './spec';

export function definitionFromSpec(spec: ScenarioSpec): ScenarioDefinition {
  const pasids = [...new Set(spec.workload.map((a) => a.pasid).filter((p): p is number => p !== null))].sort((a, b) => a - b);
  const needsRid = spec.workload.some((a) => a.pasid === null);
  const names = spec.devices.map((d) => d.name);
  return api.scenario({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    seed: spec.seed,
    kernel: spec.kernelProfile,
    topology: {
      iommu: { vendor: spec.vendor, queueDepth: spec.prqDepth },
      devices: spec.devices.map((d) => ({ name: d.name, pri: { capacity: d.priAllocation } })),
    },
    setup: () => api.vmmSetup({ pasids, attachRid: needsRid || pasids.length === 0 }),
    policy: api.mapThenSuccess({ batch: spec.policy.batch, latencyNs: api.uniform(spec.policy.minLatencyNs, spec.policy.maxLatencyNs) }),
    async workload() {
      const { ok, total } = await accessesOnTime(spec, names);
      if (spec.expect.allDmaComplete) api.expect(total - ok).toBe(0, `every DMA access completes (${ok}/${total})`);
    },
    checks() {
      const e = spec.expect;
      const responses = api.eventCount('PAGE_RESPONSE');
      if (e.pageResponses !== undefined) api.expect(responses).toBe(e.pageResponses, `expected ${e.pageResponses} page response(s), saw ${responses}`);
      if (e.allSuccess) {
        const success = api.eventCount('PAGE_RESPONSE', { code: IOMMUFD_PAGE_RESP_SUCCESS });
        api.expect(success).toBe(responses, `every page response is SUCCESS (${responses - success} not)`);
      }
    },
  });
}

/**
 * Starts each access of the workload at its time and resolves once all have
 * completed. The same as `sleep` then `dma` per access (every sleep is
 * scheduled now, in workload order; each access starts in its own step), but
 * without a promise and a script turn per access: data needs no continuations.
 */
function accessesOnTime(spec: ScenarioSpec, names: readonly string[]): Promise<{ ok: number; total: number }> {
  const r = run();
  const sched = r.system.sched;
  const now = sched.now;
  const total = spec.workload.length;
  if (total === 0) return Promise.resolve({ ok: 0, total });
  return r.scriptPromise<{ ok: number; total: number }>((resolve) => {
    let ok = 0;
    let done = 0;
    const onDone = (w: { ok: boolean }): void => {
      if (w.ok) ok++;
      if (++done === total) resolve({ ok, total });
    };
    for (const a of spec.workload) {
      const d = BigInt(a.atNs) - now;
      sched.after(d < 0n ? 0n : d, () => {
        r.system.device(names[a.device]!).dma.issue({ pasid: a.pasid, addr: a.addr, pages: a.pages, perm: a.perm }, null, onDone);
      });
    }
  });
}
