/**
 * Happy path: one device behind a VT-d IOMMU touches two unmapped pages at
 * PASID 1. The page request group travels PRQ → io-pgfault → the iommufd fault
 * queue; the VMM's policy reads the two 40-byte records (one cookie), makes
 * the pages present and writes one SUCCESS response; the device retries its
 * translation and the DMA completes.
 */
import { scenario, vmmSetup, mapThenSuccess, uniform, dma, expect, eventCount } from 'iopf';

export default scenario({
  name: 'happy-path',
  title: 'Happy path: one two-page fault answered SUCCESS',
  seed: 1,
  kernel: 'upstream',
  topology: {
    iommu: { vendor: 'vtd' },
    devices: [{ name: '0000:03:00.0', pri: { capacity: 32 } }],
  },
  // The VMM: IOAS, fault queue, a nested HWPT with IOMMU_HWPT_FAULT_ID_VALID attached at PASID 1.
  setup: () => vmmSetup({ pasids: [1] }),
  // Its fault thread: wait for EPOLLIN, read, fix up, answer SUCCESS 2–8 µs later.
  policy: mapThenSuccess({ latencyNs: uniform(2_000, 8_000) }),
  async workload() {
    const r = await dma('0000:03:00.0', { pasid: 1, addr: 0xdeadb000n, pages: 2, perm: 'rw' });
    expect(r.ok).toBe(true, 'the DMA completes after the fault is handled');
    expect(r.groups).toBe(1, 'both pages went in one page request group');
  },
  checks() {
    expect(eventCount('FAULT_READ')).toBe(2, 'two fault records were read');
    expect(eventCount('PAGE_RESPONSE')).toBe(1, 'one page response for the group');
  },
});
