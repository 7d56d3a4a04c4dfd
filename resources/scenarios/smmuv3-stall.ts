/**
 * SMMUv3 stall model: a platform master (no PCIe PRI) whose faulting
 * transaction stalls. The event record (Stall=1, STAG) becomes a single-fault
 * group in io-pgfault, user space answers SUCCESS, and the driver resumes the
 * stalled transaction with CMD_RESUME Retry; the access then completes.
 */
import { scenario, vmmSetup, mapThenSuccess, dma, expect, eventCount } from 'iopf';

export default scenario({
  name: 'smmuv3-stall',
  title: 'SMMUv3 stall: event, IOPF, CMD_RESUME retry',
  topology: {
    iommu: { vendor: 'smmuv3' },
    devices: [{ name: '0000:00:01.0', stall: true, ats: false, pri: false }],
  },
  setup: () => vmmSetup({ pasids: [3] }),
  policy: mapThenSuccess({ latencyNs: 4_000 }),
  async workload() {
    const r = await dma('0000:00:01.0', { pasid: 3, addr: 0x7000n, perm: 'w' });
    expect(r.ok).toBe(true, 'the stalled write completes after CMD_RESUME retry');
  },
  checks() {
    expect(eventCount('STALL_HOLD') > 0).toBe(true, 'the transaction stalled');
    expect(eventCount('STALL_RETRY') > 0).toBe(true, 'CMD_RESUME retried it');
    expect(eventCount('FAULT_READ')).toBe(1, 'one record reached user space');
  },
});
