/**
 * Multi-page PRG: one access to 8 unmapped pages becomes one page request
 * group of 8 requests (L=1 on the last). io-pgfault holds the 7 partial
 * requests until the last arrives; user space reads 8 records sharing one
 * cookie and answers once.
 */
import { scenario, vmmSetup, mapThenSuccess, dma, expect, eventCount, constant } from 'iopf';

export default scenario({
  name: 'multi-page-prg',
  title: 'Multi-page PRG: 8 requests, one group, one cookie, one response',
  topology: { devices: [{ name: '0000:03:00.0', pri: { capacity: 64 } }] },
  setup: () => vmmSetup({ pasids: [7] }),
  policy: mapThenSuccess({ batch: 64, latencyNs: constant(3_000) }),
  async workload() {
    const r = await dma('0000:03:00.0', { pasid: 7, addr: 0x40000000n, pages: 8 });
    expect(r.ok).toBe(true, 'the 8-page access completes');
  },
  checks() {
    expect(eventCount('PR_SEND')).toBe(8, 'eight page requests');
    expect(eventCount('IOPF_PARTIAL')).toBe(7, 'seven held as partial faults');
    expect(eventCount('IOPF_GROUP')).toBe(1, 'one group when the last arrives');
    expect(eventCount('FAULT_READ')).toBe(8, 'eight records read');
    expect(eventCount('RESPONSE_WRITE')).toBe(1, 'one response for the group');
  },
});
