/** Read figures on a big session: window queries, seek, statistics; exports in a child process. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stateAtSeq } from '../src/node/analysis/state-at';
import { sessionStats } from '../src/node/analysis/stats';
import { timelineWindow } from '../src/node/analysis/timeline';
import { faultLifecycle } from '../src/node/analysis/lifecycle';
import type { BigSession } from './big-session';

/** Median wall time of `runs` calls, ms (one warm-up call first). */
export function medianMs(runs: number, fn: (i: number) => unknown): number {
  fn(-1);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export interface ReadFigures {
  readonly windowFullMs: number;
  readonly windowZoomMs: number;
  readonly window10kMs: number;
  readonly seekMs: number;
  readonly statsMs: number;
  readonly lifecycleMs: number;
}

export function measureReads(s: BigSession): ReadFigures {
  const { db, sessionId, events } = s;
  // The fault under way at a seq (probes can land on syscall events that belong to no fault).
  const faultAt = (seq: number): number => Number(db.prepare('SELECT id FROM faults WHERE session_id = ? AND first_seq <= ? ORDER BY first_seq DESC LIMIT 1').get(sessionId, seq)?.id ?? 1);
  const seqAt = (i: number): number => Math.floor(((i + 3) * 0.137 % 1) * (events - 20_000));
  return {
    // The whole session at 1500 px.
    windowFullMs: medianMs(7, () => timelineWindow(db, { sessionId, by: 'seq', from: 0, to: events, buckets: 1500 })),
    // A tenth of it (100k events) at 1500 px.
    windowZoomMs: medianMs(7, (i) => timelineWindow(db, { sessionId, by: 'seq', from: seqAt(i), to: seqAt(i) + events / 10, buckets: 1500 })),
    // 10k events at 1500 px (grouped from the events themselves).
    window10kMs: medianMs(7, (i) => timelineWindow(db, { sessionId, by: 'seq', from: seqAt(i), to: seqAt(i) + 10_000, buckets: 1500 })),
    seekMs: medianMs(7, (i) => stateAtSeq(db, sessionId, seqAt(i) + 4000)),
    statsMs: medianMs(5, () => sessionStats(db, sessionId)),
    lifecycleMs: medianMs(7, (i) => faultLifecycle(db, sessionId, { faultId: faultAt(seqAt(i)) })),
  };
}

export interface ExportFigure {
  readonly format: string;
  readonly ms: number;
  readonly bytes: number;
  readonly peakRssBytes: number;
}

export function measureExport(dbPath: string, sessionId: number, format: string, dir: string): ExportFigure {
  const root = join(__dirname, '..');
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/export-child.ts'), dbPath, String(sessionId), format, join(dir, `big.${format}`)], {
    cwd: root,
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`export child failed: ${child.stderr}`);
  const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { ms: number; bytes: number; peakRssBytes: number };
  return { format, ...r };
}
