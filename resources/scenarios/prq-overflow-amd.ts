/**
 * AMD PPR log overflow: an 8-entry log and a burst from one device. The log
 * overflows, the driver restarts it, and the entries lost meanwhile do not come
 * back: nobody answers them, so their accesses wait for a response that never
 * arrives (AMD's driver does not discard partial faults either).
 */
import { scenario, vmmSetup, mapThenSuccess, dma, expect, eventCount, sleep } from 'iopf';

export default scenario({
  name: 'prq-overflow-amd',
  title: 'AMD PPR log overflow: restart, lost entries',
  topology: {
    iommu: { vendor: 'amd', queueDepth: 8 },
    devices: [{ name: '0000:03:00.0', pri: { capacity: 64 } }],
  },
  setup: () => vmmSetup({ pasids: [1] }),
  policy: mapThenSuccess({ latencyNs: 1_000 }),
  async workload() {
    for (let i = 0; i < 24; i++) {
      void dma('0000:03:00.0', { pasid: 1, addr: 0x300000n + BigInt(i) * 0x1000n });
      await sleep(5);
    }
  },
  checks() {
    expect(eventCount('PRQ_OVF_SET') > 0).toBe(true, 'the PPR log overflowed');
    expect(eventCount('PRQ_OVF_CLEAR') > 0).toBe(true, 'the driver restarted the log');
    expect(eventCount('PRQ_DROP') > 0).toBe(true, 'entries were lost');
    expect(eventCount('DMA_COMPLETE') < 24).toBe(true, 'the accesses whose requests were lost never complete');
  },
});
