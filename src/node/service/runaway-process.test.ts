/**
 * A scenario that allocates past its heap in one statement (before any guard
 * call can see it) makes V8 abort the whole process it runs in. That process
 * is the run's job process, never the host: the run resolves with a clear
 * error, its session is aborted with its committed events, and the service
 * goes on serving.
 */
import { describe, expect, it } from 'vitest';
import { useTempDatabases } from '../recorder/testing/fixtures';
import { testWorkbench, useTestWorkbenches } from './testing';

useTempDatabases();
useTestWorkbenches();

/** Records 3000 DMAs, then asks for three arrays of 100 M elements in one statement. */
export const ALLOCATION_BOMB = `import { scenario, vmmSetup, mapThenSuccess, dma } from 'iopf';
export default scenario({
  name: 'allocation-bomb',
  topology: { iommu: { vendor: 'vtd' }, devices: [{ name: '0000:03:00.0', pri: { capacity: 32 } }] },
  setup: () => vmmSetup({ pasids: [1] }),
  policy: mapThenSuccess({ latencyNs: 1000 }),
  async workload() {
    for (let i = 0; i < 3000; i++) await dma('0000:03:00.0', { pasid: 1, addr: 0x10000000n + BigInt(i) * 0x1000n, pages: 1, perm: 'rw' });
    const keep: unknown[] = [];
    keep.push([new Array(100_000_000).fill(1), new Array(100_000_000).fill(2), new Array(100_000_000).fill(3)]);
  },
});
`;

describe('WorkbenchService: a scenario that brings its process down', () => {
  it('resolves with a runaway-allocation error, aborts the session keeping its events, and serves the next run', async () => {
    const w = testWorkbench();
    const r = await w.service.runScenario({ jobId: 'bomb', source: { fileName: 'bomb.ts', text: ALLOCATION_BOMB } });
    expect(r.cancelled).toBe(false);
    expect(r.error).toMatch(/^bomb\.ts:\d+:\d+: runaway allocation: the scenario's process ran out of memory \(limit 1024 MB\) and was terminated; this is the last line it passed$/);
    // The last line its guard reported: the DMA loop it had just left.
    const loopLine = ALLOCATION_BOMB.split('\n').findIndex((l) => l.includes('for (let i = 0; i < 3000')) + 1;
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ source: 'runtime', severity: 'error', line: loopLine }));

    const s = await w.service.getSession(r.sessionId!);
    expect(s.status).toBe('aborted');
    // 3000 DMAs were recorded before the allocation: every committed event is kept and counted.
    expect(s.eventCount).toBeGreaterThan(3000);
    expect(r.eventCount).toBe(s.eventCount);
    const kept = await w.service.getEvents({ sessionId: s.id, fromSeq: 0, limit: 100_000 });
    expect(kept.events).toHaveLength(s.eventCount);
    expect(of(w, 'bomb').at(-1)).toMatchObject({ finished: true });

    const next = await w.service.runScenario({ scenarioId: 'happy-path' });
    expect(next).toMatchObject({ error: null, failed: 0 });
    expect((await w.service.getSession(next.sessionId!)).status).toBe('complete');
  }, 120_000);
});

function of(w: ReturnType<typeof testWorkbench>, jobId: string) {
  return w.progress.filter((p) => p.jobId === jobId);
}
