/**
 * Declarative (JSON) scenarios: pure data — devices, accesses at given times,
 * the built-in responder and expectations — turned into a scenario definition
 * run by the same engine as TypeScript scenarios. Being data, they never run
 * code, which makes them safe to embed and exchange.
 */
import { IOMMUFD_PAGE_RESP_SUCCESS } from '../../shared/uapi/iommufd';
import * as api from './api/index';
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
      const results = await Promise.all(
        spec.workload.map(async (a) => {
          await api.sleep(BigInt(a.atNs) - api.now());
          return api.dma(names[a.device]!, { ...(a.pasid !== null ? { pasid: a.pasid } : {}), addr: a.addr, pages: a.pages, perm: a.perm });
        }),
      );
      if (spec.expect.allDmaComplete) api.expect(results.filter((r) => !r.ok).length).toBe(0, `every DMA access completes (${results.filter((r) => r.ok).length}/${results.length})`);
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
