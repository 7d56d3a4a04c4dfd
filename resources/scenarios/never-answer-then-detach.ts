/**
 * Never answer, then detach: the policy reads faults and never responds, so
 * the device waits (no timeout anywhere in the kernel path). At 100 µs the
 * VMM detaches the device's PASID: upstream answers every group of that
 * attachment INVALID (iommufd_auto_response_faults), the device gives up the
 * access, and a late response with the old cookie is EINVAL.
 */
import { scenario, vmmSetup, neverRespond, dma, sleep, expect, eventCount, VFIO_DEVICE_DETACH_IOMMUFD_PT, VFIO_DEVICE_DETACH_PASID, write, encodeResponses, IOMMUFD_PAGE_RESP_SUCCESS, kernel } from 'iopf';

export default scenario({
  name: 'never-answer-then-detach',
  title: 'Never answer, then detach: auto-INVALID',
  kernel: 'upstream',
  topology: { devices: [{ name: '0000:03:00.0' }] },
  setup: () => vmmSetup({ pasids: [1] }),
  policy: neverRespond(),
  async workload(h) {
    const pending = dma('0000:03:00.0', { pasid: 1, addr: 0x9000n, pages: 2 });
    await sleep(100_000);
    expect(eventCount('PAGE_RESPONSE')).toBe(0, 'nothing answered the group for 100 µs');
    VFIO_DEVICE_DETACH_IOMMUFD_PT(h.devices[0]!.vfio, { flags: VFIO_DEVICE_DETACH_PASID, pasid: 1 });
    const r = await pending;
    expect(r.ok).toBe(false, 'the access fails after the INVALID auto-response');
    const late = write(h.faultFd, encodeResponses([{ cookie: 1, code: IOMMUFD_PAGE_RESP_SUCCESS }]));
    if (kernel().profile === 'upstream') expect(late).toFailWith('EINVAL', 'a late response for an auto-answered cookie is EINVAL');
  },
  checks() {
    expect(eventCount('AUTO_RESPONSE') > 0 || kernel().profile === 'v4').toBe(true, 'upstream auto-answered at detach');
    expect(eventCount('PAGE_RESPONSE')).toBe(1, 'exactly one response for the group');
  },
});
