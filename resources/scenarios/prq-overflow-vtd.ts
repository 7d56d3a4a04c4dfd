/**
 * VT-d PRQ overflow: a 4-entry page request queue and a burst of 12 accesses
 * from two devices. The queue fills, PRS.PRO is set and later requests are
 * dropped; the hardware auto-answers dropped requests that close a group
 * (LPIG) with Success, so the devices re-translate and fault again; the
 * driver clears PRO once the queue is empty and discards partial faults. The
 * retries land in the still-overflowed queue until the IRQ thread runs.
 */
import { scenario, vmmSetup, mapThenSuccess, dma, expect, eventCount, sleep } from 'iopf';

export default scenario({
  name: 'prq-overflow-vtd',
  title: 'VT-d PRQ overflow: drops, auto-responses, recovery',
  topology: {
    iommu: { vendor: 'vtd', queueDepth: 4 },
    // Devices that keep re-faulting after an auto-Success until the queue recovers.
    devices: [{ name: '0000:03:00.0', maxRetries: 50 }, { name: '0000:04:00.0', maxRetries: 50 }],
  },
  setup: () => vmmSetup({ pasids: [1] }),
  policy: mapThenSuccess({ latencyNs: 2_000 }),
  async workload() {
    const all = [];
    for (let i = 0; i < 6; i++) {
      all.push(dma('0000:03:00.0', { pasid: 1, addr: 0x100000n + BigInt(i) * 0x1000n }));
      all.push(dma('0000:04:00.0', { pasid: 1, addr: 0x200000n + BigInt(i) * 0x1000n }));
      await sleep(10);
    }
    const results = await Promise.all(all);
    expect(results.filter((r) => r.ok).length).toBe(12, 'every access completes in the end');
  },
  checks() {
    expect(eventCount('PRQ_OVF_SET') > 0).toBe(true, 'the PRQ overflowed');
    expect(eventCount('PRQ_DROP') > 0).toBe(true, 'requests were dropped while PRO was set');
    expect(eventCount('AUTO_RESP') > 0).toBe(true, 'dropped last requests were auto-answered');
    expect(eventCount('PRQ_OVF_CLEAR') > 0).toBe(true, 'the driver cleared PRO once the queue was empty');
  },
});
