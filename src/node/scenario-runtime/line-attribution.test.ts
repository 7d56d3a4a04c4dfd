/**
 * TraceEvent.line end to end: a scenario run in the sandboxed worker records,
 * on every event, the line of the scenario whose call caused it — the DMA's
 * line on the fault's path through the IOMMU, io-pgfault and iommufd, the
 * policy's read and write lines on what they did, and the line a built-in
 * policy was created on for what it does.
 */
import { describe, expect, it } from 'vitest';
import type { EventKind, TraceEvent } from '../../shared/events';
import { runScenarioScript } from './run-scenario-script';

const OWN_POLICY = [
  "import { scenario, vmmSetup, readable, read, write, decodeFaults, encodeResponses, dma, IOMMUFD_PAGE_RESP_SUCCESS } from 'iopf';", // 1
  'export default scenario({', // 2
  "  name: 'lines',", // 3
  '  setup: () => vmmSetup({ pasids: [1] }),', // 4
  '  async policy(h) {', // 5
  '    await readable(h.faultFd);', // 6
  '    const r = read(h.faultFd, 40 * 4);', // 7
  '    const faults = decodeFaults(r.bytes);', // 8
  '    for (const f of faults) h.fixup(f);', // 9
  '    const last = faults[faults.length - 1]!;', // 10
  '    write(h.faultFd, encodeResponses([{ cookie: last.cookie, code: IOMMUFD_PAGE_RESP_SUCCESS, dev_id: last.dev_id, pasid: last.pasid, grpid: last.grpid }]));', // 11
  '  },', // 12
  '  async workload() {', // 13
  "    const r = await dma('0000:03:00.0', {", // 14
  '      pasid: 1,', // 15
  '      addr: BigInt(0xdeadb000),', // 16
  '      pages: 2,', // 17
  '    });', // 18
  '    if (!r.ok) throw new Error("the DMA failed");', // 19
  '  },', // 20
  '});', // 21
].join('\n');

const BUILT_IN_POLICY = [
  "import { scenario, vmmSetup, mapThenSuccess, dma, expect } from 'iopf';", // 1
  'export default scenario({', // 2
  "  name: 'lines-built-in',", // 3
  '  setup: () => vmmSetup({ pasids: [1] }),', // 4
  '  policy: mapThenSuccess({ latencyNs: 1_000 }),', // 5
  '  async workload() {', // 6
  '    await Promise.resolve();', // 7
  "    const r = await dma('0000:03:00.0', { pasid: 1, addr: 0x1000n });", // 8
  "    expect(r.ok).toBe(true, 'completes');", // 9
  '  },', // 10
  '});', // 11
].join('\n');

async function collect(source: string): Promise<readonly TraceEvent[]> {
  const r = await runScenarioScript({ source, filename: 'lines.ts', collect: true });
  expect(r.error).toBeUndefined();
  return r.collected!;
}

const linesOf = (events: readonly TraceEvent[], kind: EventKind): (number | null)[] => events.filter((e) => e.kind === kind).map((e) => e.line);

describe('line attribution', () => {
  it('gives the fault path the DMA call line and the policy actions the lines of the calls that made them', async () => {
    const events = await collect(OWN_POLICY);
    // The DMA call spans lines 14–18, with a call of its own on line 16: the DMA is line 14's.
    for (const kind of ['DMA_ISSUE', 'PR_SEND', 'PRQ_ENQ', 'DRV_CONSUME', 'IOPF_GROUP', 'FAULT_QUEUED'] as const) {
      expect(linesOf(events, kind).length, kind).toBeGreaterThan(0);
      expect(new Set(linesOf(events, kind)), kind).toEqual(new Set([14]));
    }
    expect(new Set(linesOf(events, 'FAULT_READ'))).toEqual(new Set([7]));
    expect(linesOf(events, 'SYS_READ')).toEqual([7]);
    expect(new Set(linesOf(events, 'POLICY_MAP'))).toEqual(new Set([9]));
    // The write answers the group: its response, the kernel's page response and the device's PRG response.
    expect(linesOf(events, 'RESPONSE_WRITE')).toEqual([11]);
    expect(linesOf(events, 'PAGE_RESPONSE')).toEqual([11]);
    expect(linesOf(events, 'PRG_RESP_RECV')).toEqual([11]);
    // The setup's ioctls are line 4's.
    expect(new Set(linesOf(events, 'IOCTL'))).toEqual(new Set([4]));
    // Every event of this run has a cause in the script.
    expect(events.filter((e) => e.line === null).map((e) => e.kind)).toEqual([]);
  });

  it('gives a built-in policy the line it was created on, and checks the line of the assertion', async () => {
    const events = await collect(BUILT_IN_POLICY);
    expect(new Set(linesOf(events, 'PR_SEND'))).toEqual(new Set([8]));
    expect(new Set(linesOf(events, 'FAULT_QUEUED'))).toEqual(new Set([8]));
    for (const kind of ['POLICY_WAKE', 'FAULT_READ', 'RESPONSE_WRITE', 'PAGE_RESPONSE'] as const) expect(new Set(linesOf(events, kind)), kind).toEqual(new Set([5]));
    expect(linesOf(events, 'ASSERT_PASS')).toEqual([9]);
  });

  it('records the same lines on every run of the same source and seed', async () => {
    const a = await collect(BUILT_IN_POLICY);
    const b = await collect(BUILT_IN_POLICY);
    expect(b.map((e) => [e.seq, e.kind, e.line])).toEqual(a.map((e) => [e.seq, e.kind, e.line]));
  });
});
