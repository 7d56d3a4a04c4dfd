/**
 * SMMUv3 PRI queue overflow: a 4-entry PRIQ. While it is overflowed the SMMU
 * writes nothing at all (unlike its event queue): requests with Last=1 get an
 * automatic PRG response (Success when the STE is readable, §8.1), Last=0
 * requests are silently ignored. Mainline Linux never enables PCIe PRI on
 * SMMUv3, so this scenario follows the unmerged PRI series, which reports PRIQ
 * entries as I/O page faults — and grants each function as many credits as the
 * queue has entries ("TODO: find a good inflight PPR number"), so three
 * functions together overcommit it.
 */
import { scenario, vmmSetup, mapThenSuccess, dma, expect, eventCount, sleep } from 'iopf';

export default scenario({
  name: 'prq-overflow-smmuv3',
  title: 'SMMUv3 PRIQ overflow: writes inhibited, Last requests auto-answered',
  topology: {
    iommu: { vendor: 'smmuv3', queueDepth: 4, smmuPri: 'unmergedSeries' },
    devices: ['0000:03:00.0', '0000:04:00.0', '0000:05:00.0'].map((name) => ({ name, maxRetries: 50, pri: { capacity: 64 } })),
  },
  setup: () => vmmSetup({ pasids: [1] }),
  policy: mapThenSuccess({ latencyNs: 2_000 }),
  async workload() {
    const all = [];
    for (let i = 0; i < 4; i++) {
      for (const d of ['0000:03:00.0', '0000:04:00.0', '0000:05:00.0'])
        all.push(dma(d, { pasid: 1, addr: 0x500000n + BigInt(i) * 0x2000n, pages: 2 }));
      await sleep(5);
    }
    const results = await Promise.all(all);
    expect(results.every((r) => r.ok)).toBe(true, 'every access completes once the queue recovers');
  },
  checks() {
    expect(eventCount('PRQ_OVF_SET') > 0).toBe(true, 'the PRIQ overflowed');
    expect(eventCount('AUTO_RESP') > 0).toBe(true, 'the SMMU auto-answered Last requests during overflow');
    expect(eventCount('PRQ_DROP') > 0).toBe(true, 'Last=0 requests were ignored while overflowed');
  },
});
