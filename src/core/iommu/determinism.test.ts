import { describe, expect, it } from 'vitest';
import { toEventRow } from '../../shared/events';
import { ns } from '../../shared/time';
import type { VendorId } from '../kernel/iommu-core';
import { buildTopology, makeEnv, mapThenSucceed, pcieFn } from './testing/harness';

/** An overflow-heavy run with random PRG indices and RNG-drawn issue times. */
function run(vendor: VendorId, seed: number): string {
  const env = makeEnv(seed);
  const topo = buildTopology(env, vendor, {
    profile: { queueDepth: 8, irqThreadNs: 1_500n, perEntryNs: 300n },
    functions: [0x0800, 0x0808].map((rid) => pcieFn(rid, { prgIndexPolicy: 'random', maxRetries: 6 })),
    pasids: [5],
  });
  env.iopf.policy = mapThenSucceed(topo.domain, 700n);
  for (let i = 0; i < 12; i++) {
    const dma = topo.dmas[i % 2]!;
    const at = BigInt(env.rng.int(0, 5_000));
    env.sched.at(ns(at), () => dma.issue({ pasid: 5, addr: BigInt(i) * 0x3000n, pages: 1 + (i % 3), perm: 1 }));
  }
  env.sched.runUntilIdle();
  return JSON.stringify(env.sink.events.map(toEventRow));
}

describe('determinism', () => {
  it.each(['vtd', 'amd'] as const)('%s: same seed and inputs → byte-identical event stream; another seed → a different one', (vendor) => {
    const a = run(vendor, 42);
    expect(a.length).toBeGreaterThan(1000);
    expect(run(vendor, 42)).toBe(a);
    expect(run(vendor, 43)).not.toBe(a);
  });

  it('smmuv3 stall masters: identical streams for identical seeds', () => {
    const once = (): string => {
      const env = makeEnv(9);
      const topo = buildTopology(env, 'smmuv3', {
        profile: { eventQueueDepth: 2, irqThreadNs: 3_000n },
        functions: [0x0100, 0x0101].map((rid) => ({ rid, ats: false, pasid: null, pri: null })),
        canStall: true,
      });
      env.iopf.policy = mapThenSucceed(topo.domain, 500n);
      for (let i = 0; i < 8; i++) topo.dmas[i % 2]!.issue({ pasid: null, addr: BigInt(i % 3) * 0x1000n + 0x10n, pages: 1, perm: 1 + (i % 2) });
      env.sched.runUntilIdle();
      return JSON.stringify(env.sink.events.map(toEventRow));
    };
    expect(once()).toBe(once());
  });
});
