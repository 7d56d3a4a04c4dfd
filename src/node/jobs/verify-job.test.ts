/**
 * The verify job on a job worker: its progress counts compared events out of
 * the recorded total, and cancelling it ends the job worker and the scenario
 * worker it started.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../shared/api/workbench';
import { runScenarioScript } from '../scenario-runtime/run-scenario-script';
import { streamScenario } from '../scenario-runtime/testing/stream-scenario';
import { JobCancelledError, JobRunner } from './job-runner';

const dir = mkdtempSync(join(tmpdir(), 'iopf-verify-job-'));
const databasePath = join(dir, 'w.db');
let sessionId: number;
let recorded: number;

beforeAll(async () => {
  const r = await runScenarioScript({ source: streamScenario(5000), filename: 'long-stream.ts', record: { databasePath } });
  expect(r.error).toBeUndefined();
  sessionId = r.sessionId!;
  recorded = r.events;
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const threads = (): number => Number(/^Threads:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('verify job', () => {
  it('reports progress as events compared out of the recorded total, ending at the total', async () => {
    const progress: JobProgress[] = [];
    const runner = new JobRunner((p) => progress.push(p));
    const job = runner.start('v1', { kind: 'verify', databasePath, sessionId, trusted: false });
    const r = await job.result;
    expect(r).toMatchObject({ identical: true, compared: recorded, recordedEvents: recorded });
    const replaying = progress.filter((p) => p.phase === 'replaying');
    expect(replaying.length).toBeGreaterThan(1);
    expect(replaying.every((p) => p.total === recorded)).toBe(true);
    const done = replaying.map((p) => p.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ phase: 'done', finished: true, done: recorded, total: recorded });
  }, 60_000);

  it.runIf(existsSync('/proc/self/status'))(
    'cancelling mid-comparison ends the job worker and its scenario worker',
    async () => {
      let before = threads();
      for (let i = 0; i < 10; i++) {
        await sleep(30);
        before = Math.min(before, threads());
      }
      const progress: JobProgress[] = [];
      const runner = new JobRunner((p) => progress.push(p));
      let during = 0;
      const job = runner.start('v2', { kind: 'verify', databasePath, sessionId, trusted: false });
      const end = Date.now() + 30_000;
      while (!progress.some((p) => p.phase === 'replaying' && p.done > 0) && Date.now() < end) await sleep(2);
      during = threads();
      expect(runner.cancel('v2')).toBe(true);
      await expect(job.result).rejects.toThrow(JobCancelledError);
      const last = progress.at(-1)!;
      expect(last).toMatchObject({ phase: 'cancelled', finished: true });
      expect(last.done).toBeGreaterThan(0);
      expect(last.done).toBeLessThan(recorded);
      // Both threads ran: the job worker and, inside it, the scenario worker.
      expect(during).toBeGreaterThanOrEqual(before + 2);
      const gone = Date.now() + 5000;
      while (threads() > before && Date.now() < gone) await sleep(20);
      expect(threads()).toBeLessThanOrEqual(before);
    },
    60_000,
  );
});
