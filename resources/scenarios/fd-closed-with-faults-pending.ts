/**
 * Fault fd closed with faults pending: the VMM's fault thread reads one group,
 * then closes the fd. close() answers nothing; later faults keep queuing on the
 * fault object, which lives on (the HWPT holds it). Only destroying the path —
 * here detaching the device — answers the waiting groups INVALID.
 */
import { scenario, vmmSetup, closeFdMidFlight, dma, sleep, expect, eventCount, VFIO_DEVICE_DETACH_IOMMUFD_PT, VFIO_DEVICE_DETACH_PASID, IOMMU_DESTROY } from 'iopf';

export default scenario({
  name: 'fd-closed-with-faults-pending',
  title: 'Fault fd closed with faults pending',
  topology: { devices: [{ name: '0000:03:00.0' }] },
  setup: () => vmmSetup({ pasids: [1] }),
  policy: closeFdMidFlight({ afterFaults: 1 }),
  async workload(h) {
    const first = dma('0000:03:00.0', { pasid: 1, addr: 0x1000n });
    await sleep(50_000);
    const second = dma('0000:03:00.0', { pasid: 1, addr: 0x2000n });
    await sleep(50_000);
    expect(eventCount('FAULT_QUEUED')).toBe(2, 'the second fault queued on the fault object after close');
    expect(eventCount('PAGE_RESPONSE')).toBe(0, 'close() answered nothing');
    expect(IOMMU_DESTROY(h.iommufd, { id: h.faultId })).toFailWith('EBUSY', 'the HWPT still holds the fault object');
    VFIO_DEVICE_DETACH_IOMMUFD_PT(h.devices[0]!.vfio, { flags: VFIO_DEVICE_DETACH_PASID, pasid: 1 });
    const [a, b] = await Promise.all([first, second]);
    expect(a.ok || b.ok).toBe(false, 'both accesses end with INVALID');
  },
  checks() {
    expect(eventCount('PAGE_RESPONSE')).toBe(2, 'each group answered exactly once, at detach');
  },
});
