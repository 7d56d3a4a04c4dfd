/**
 * Response Failure on one VF disables PRI for its PF: under the v4 series user
 * space could still write IOMMUFD_PAGE_RESP_FAILURE. VT-d puts the kernel enum
 * (2) raw into the 4-bit response field (0010b, reserved), which this function
 * treats as Response Failure: RF latches in the PRI capability the PF and its
 * VFs share, and the other VF can no longer page-fault. (Upstream removed
 * FAILURE from the uAPI and refuses IOPF on VFs for this reason.)
 */
import { scenario, vmmSetup, readable, read, decodeFaults, write, encodeResponses, dma, expect, eventCount, IOMMUFD_PAGE_RESP_FAILURE, sleep } from 'iopf';

export default scenario({
  name: 'vf-response-failure',
  title: 'Response Failure on one VF disables PRI for its PF',
  kernel: 'v4',
  topology: {
    devices: [{ name: '0000:08:00.0', vfs: ['0000:08:00.1', '0000:08:00.2'], reservedCodeHandling: 'asFailure' }],
  },
  // The PF first: a VF's PRI can only be enabled once its PF's is (drivers/pci/ats.c).
  setup: () => vmmSetup({ devices: ['0000:08:00.0', '0000:08:00.1', '0000:08:00.2'], pasids: [1] }),
  async policy(h) {
    await readable(h.faultFd);
    const [f] = decodeFaults(read(h.faultFd, 40).bytes);
    // The VMM's mistake: answer FAILURE.
    write(h.faultFd, encodeResponses([{ cookie: f!.cookie, code: IOMMUFD_PAGE_RESP_FAILURE, dev_id: f!.dev_id, pasid: f!.pasid, grpid: f!.grpid }]));
  },
  async workload() {
    const first = await dma('0000:08:00.1', { pasid: 1, addr: 0x1000n });
    expect(first.ok).toBe(false, 'the VF1 access failed with Response Failure');
    await sleep(10_000);
    const second = await dma('0000:08:00.2', { pasid: 1, addr: 0x2000n });
    expect(second.ok).toBe(false, 'VF2 cannot page-fault any more: PRI is disabled for the PF');
  },
  checks() {
    expect(eventCount('RF_LATCH')).toBe(1, 'RF latched once, in the shared PRI capability');
    expect(eventCount('FAULT_READ')).toBe(1, 'only VF1 ever reached user space');
  },
});
