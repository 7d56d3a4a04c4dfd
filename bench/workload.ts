/** A scenario of `accesses` one-page faults spread over 8 PASIDs, for benches. */
import { parseScenario, type ScenarioSpec } from '../src/core/scenario/spec';

export function manyFaults(accesses: number): ScenarioSpec {
  return parseScenario({
    name: 'bench-many-faults',
    seed: 1,
    devices: [{ name: '0000:03:00.0', priAllocation: 0xffff }],
    workload: Array.from({ length: accesses }, (_, i) => ({
      atNs: i * 1000,
      device: 0,
      pasid: 1 + (i % 8),
      addr: `0x${(0x10000000 + i * 4096).toString(16)}`,
      pages: 1,
      perm: 'rw',
    })),
    policy: { kind: 'map-then-success', batch: 64, minLatencyNs: 500, maxLatencyNs: 2000 },
    expect: { pageResponses: accesses, allSuccess: true },
  });
}
