import { describe, expect, it } from 'vitest';
import { recordRun } from '../recorder/record-run';
import { freshDb, manyFaultsSource, useTempDatabases } from '../recorder/testing/fixtures';
import { listFaults } from './faults';
import { sessionStats } from './stats';

useTempDatabases();

describe('statistics histograms', () => {
  it('count every answered fault once, in the power-of-two bucket of its latency', async () => {
    const { db } = freshDb();
    const { sessionId } = await recordRun(db, manyFaultsSource({ accesses: 30 }), 'test.json', { appVersion: 't' });
    const s = sessionStats(db, sessionId);
    const latencies = listFaults(db, sessionId)
      .map((f) => f.latencyNs)
      .filter((v): v is number => v !== null);
    const h = s.overall.latencyHistogram!;
    expect(h.counts.reduce((a, n) => a + n, 0) + h.zeros).toBe(latencies.length);
    const max = Math.max(...latencies);
    // The last bucket is the one holding the largest latency.
    expect(2 ** (h.firstLog2 + h.counts.length - 1)).toBeLessThanOrEqual(max);
    expect(2 ** (h.firstLog2 + h.counts.length)).toBeGreaterThan(max);
    for (const g of s.byDevice) {
      const n = g.latencyHistogram!.counts.reduce((a, c) => a + c, 0) + g.latencyHistogram!.zeros;
      expect(n).toBe(g.latency!.count);
    }
    expect(s.overall.deviceLatencyHistogram).not.toBeNull();
  });
});
