/**
 * Replace with outstanding faults: two groups are outstanding (one read, one
 * still queued) when the VMM replaces the device's fault-capable HWPT with the
 * plain nest parent. Upstream answers both INVALID at the replace; under v4
 * iommufd answers nothing and the groups are answered INVALID only because
 * disabling IOPF removes the device from the iopf queue.
 */
import { scenario, vmmSetup, dma, sleep, read, readable, expect, eventCount, VFIO_DEVICE_ATTACH_IOMMUFD_PT, VFIO_DEVICE_ATTACH_PASID, kernel } from 'iopf';

export default scenario({
  name: 'replace-with-outstanding-faults',
  title: 'Replace with outstanding faults',
  topology: { devices: [{ name: '0000:03:00.0' }] },
  setup: () => vmmSetup({ pasids: [1] }),
  async policy(h) {
    await readable(h.faultFd);
    read(h.faultFd, 40); // take the first group, answer nothing
  },
  async workload(h) {
    const a = dma('0000:03:00.0', { pasid: 1, addr: 0xa000n });
    await sleep(20_000);
    const b = dma('0000:03:00.0', { pasid: 1, addr: 0xb000n });
    await sleep(20_000);
    const d = h.devices[0]!;
    expect(VFIO_DEVICE_ATTACH_IOMMUFD_PT(d.vfio, { pt_id: d.parentHwptId, flags: VFIO_DEVICE_ATTACH_PASID, pasid: 1 })).toSucceed('replace to the nest parent');
    const results = await Promise.all([a, b]);
    expect(results.every((r) => !r.ok)).toBe(true, 'both accesses were refused');
  },
  checks() {
    const up = kernel().profile === 'upstream';
    expect(eventCount('AUTO_RESPONSE')).toBe(up ? 2 : 0, up ? 'upstream: iommufd auto-answered both groups' : 'v4: iommufd answered nothing');
    expect(eventCount('PAGE_RESPONSE')).toBe(2, 'each group got exactly one response');
  },
});
