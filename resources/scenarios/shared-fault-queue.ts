/**
 * Two devices sharing one fault queue: each device's nested HWPT reports to
 * the same fault object. Records carry dev_id so one queue can serve both.
 * Cookies: upstream has one cookie space per fault object (1, 2); the v4
 * series had one per device (1, 1) — and routed responses by dev_id + cookie.
 */
import { scenario, vmmSetup, mapThenSuccess, dma, expect, eventCount, kernel, readable, read, decodeFaults, write, encodeResponses, IOMMUFD_PAGE_RESP_SUCCESS, sleep } from 'iopf';

export default scenario({
  name: 'shared-fault-queue',
  title: 'Two devices, one fault queue: v4 vs upstream cookies',
  topology: { devices: [{ name: '0000:03:00.0' }, { name: '0000:04:00.0' }] },
  setup: () => vmmSetup({ pasids: [1] }),
  async policy(h) {
    // Let both faults queue, read them in one call, check the cookies, answer both.
    await readable(h.faultFd);
    await sleep(10_000);
    const faults = decodeFaults(read(h.faultFd, 80).bytes);
    const want = kernel().profile === 'upstream' ? [1, 2] : [1, 1];
    expect(faults.map((f) => f.cookie)).toEqual(want, `${kernel().profile}: cookies ${want.join(', ')}`);
    expect(new Set(faults.map((f) => f.dev_id)).size).toBe(2, 'each record names its device');
    for (const f of faults) h.fixup(f);
    write(h.faultFd, encodeResponses(faults.map((f) => ({ cookie: f.cookie, code: IOMMUFD_PAGE_RESP_SUCCESS, dev_id: f.dev_id, pasid: f.pasid, grpid: f.grpid }))));
    await mapThenSuccess()(h);
  },
  async workload() {
    const [a, b] = await Promise.all([
      dma('0000:03:00.0', { pasid: 1, addr: 0x1000n }),
      dma('0000:04:00.0', { pasid: 1, addr: 0x1000n }),
    ]);
    expect(a.ok && b.ok).toBe(true, 'both devices complete');
  },
  checks() {
    expect(eventCount('PAGE_RESPONSE')).toBe(2, 'one response per device');
  },
});
