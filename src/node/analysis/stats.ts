/**
 * Session statistics from the faults table: fault counts by outcome and
 * latency percentiles (nearest-rank p50/p90/p99 and max, ns) overall, per
 * device, per (device, PASID) and per response code, for both latencies:
 * FAULT_QUEUED → response written (`latency`) and page request → PRG response
 * at the device (`deviceLatency`).
 */
import { kindFromCode } from '../../shared/events';
import { latencyHistogram } from '../../shared/latency-histogram';
import { spellResponseCode } from '../../shared/uapi/iommufd';
import type { SqlDatabase } from '../db/sql-database';
import { pairKey } from './keys';
import { ensureIndexed } from './session-index';
import type { LatencyStats, StatsGroup, SessionStats } from '../../shared/api/analysis';
export type { LatencyStats, StatsGroup, SessionStats };

export class StatsError extends Error {
  override readonly name = 'StatsError';
}

/** Nearest-rank percentiles of `values` (ns). */
export function latencyStats(values: readonly number[]): LatencyStats | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: sorted.length, p50: rank(50), p90: rank(90), p99: rank(99), max: sorted[sorted.length - 1]!, mean: sum / sorted.length };
}

class Group {
  faults = 0;
  readonly lat: number[] = [];
  readonly dev: number[] = [];
  add(lat: number | null, devLat: number | null): void {
    this.faults++;
    if (lat !== null) this.lat.push(lat);
    if (devLat !== null) this.dev.push(devLat);
  }
  done(key: Omit<StatsGroup, 'faults' | 'latency' | 'deviceLatency'>): StatsGroup {
    return {
      ...key,
      faults: this.faults,
      latency: latencyStats(this.lat),
      deviceLatency: latencyStats(this.dev),
      latencyHistogram: latencyHistogram(this.lat),
      deviceLatencyHistogram: latencyHistogram(this.dev),
    };
  }
}

/** Inclusive seq bounds; either end may be open. */
export interface SeqRange {
  readonly fromSeq?: number;
  readonly toSeq?: number;
}

/**
 * Statistics of a session, or of a seq range of it: the events in
 * [fromSeq, toSeq] and the faults whose first event lies there (a fault that
 * starts in the range counts whole, even when it ends after it).
 */
export function sessionStats(db: SqlDatabase, sessionId: number, range: SeqRange = {}): SessionStats {
  const info = ensureIndexed(db, sessionId);
  if (!info) throw new StatsError(`session ${sessionId} is still recording; statistics are computed when it stops`);
  const ranged = range.fromSeq !== undefined || range.toSeq !== undefined;
  const from = Math.max(0, range.fromSeq ?? 0);
  const to = Math.min(info.eventCount - 1, range.toSeq ?? Number.MAX_SAFE_INTEGER);
  const overall = new Group();
  const byDevice = new Map<number, Group>();
  const byPasid = new Map<number | string, { dev: number; pasid: number | null; g: Group }>();
  const byCode = new Map<number | null, Group>();
  const outcomes: Record<string, number> = {};
  // Arrays, not objects: this reads one row per fault.
  const rows = ranged
    ? db
        .prepare('SELECT dev, pasid, code, outcome, latency_ns, device_latency_ns FROM faults WHERE session_id = ? AND first_seq BETWEEN ? AND ?')
        .values(sessionId, from, to)
    : db.prepare('SELECT dev, pasid, code, outcome, latency_ns, device_latency_ns FROM faults WHERE session_id = ?').values(sessionId);
  for (const r of rows) {
    const dev = Number(r[0]);
    const pasid = r[1] === null ? null : Number(r[1]);
    const code = r[2] === null ? null : Number(r[2]);
    const outcome = String(r[3]);
    const lat = r[4] === null ? null : Number(r[4]);
    const devLat = r[5] === null ? null : Number(r[5]);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    overall.add(lat, devLat);
    let d = byDevice.get(dev);
    if (!d) byDevice.set(dev, (d = new Group()));
    d.add(lat, devLat);
    const pk = pairKey(dev, pasid ?? -1);
    let p = byPasid.get(pk);
    if (!p) byPasid.set(pk, (p = { dev, pasid, g: new Group() }));
    p.g.add(lat, devLat);
    let c = byCode.get(code);
    if (!c) byCode.set(code, (c = new Group()));
    c.add(lat, devLat);
  }
  return {
    sessionId,
    events: ranged ? Math.max(0, to - from + 1) : info.eventCount,
    kindCounts: ranged ? kindCountsIn(db, sessionId, from, to) : info.kindCounts,
    faults: rows.length,
    outcomes,
    overall: overall.done({}),
    byDevice: [...byDevice.entries()].sort(([a], [b]) => a - b).map(([dev, g]) => g.done({ dev })),
    byPasid: [...byPasid.values()]
      .sort((a, b) => a.dev - b.dev || (a.pasid ?? -1) - (b.pasid ?? -1))
      .map(({ dev, pasid, g }) => g.done({ dev, pasid })),
    byCode: [...byCode.entries()]
      .sort(([a], [b]) => (a ?? -1) - (b ?? -1))
      .map(([code, g]) => g.done({ code, codeName: code === null ? 'none' : spellResponseCode(code) })),
  };
}

/** Events per kind in [from, to]: one range scan of the clustered key. */
function kindCountsIn(db: SqlDatabase, sessionId: number, from: number, to: number): Record<string, number> {
  const out: Record<string, number> = {};
  if (to < from) return out;
  const rows = db.prepare('SELECT kind, count(*) FROM events WHERE session_id = ? AND seq BETWEEN ? AND ? GROUP BY kind').values(sessionId, from, to);
  for (const [kind, n] of rows) {
    const name = kindFromCode(Number(kind));
    if (name) out[name] = Number(n);
  }
  return out;
}
