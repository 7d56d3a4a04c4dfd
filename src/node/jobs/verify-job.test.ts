/**
 * The verify job in a job process: its progress counts compared events out of
 * the recorded total, and cancelling it ends the job's process and with it the
 * scenario worker it started.
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

const threads = (pid: number | 'self'): number => Number(/^Threads:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
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
    "cancelling mid-comparison kills the job's process, its scenario worker with it",
    async () => {
      const progress: JobProgress[] = [];
      const runner = new JobRunner((p) => progress.push(p));
      const job = runner.start('v2', { kind: 'verify', databasePath, sessionId, trusted: false });
      const end = Date.now() + 30_000;
      while (!progress.some((p) => p.phase === 'replaying' && p.done > 0) && Date.now() < end) await sleep(2);
      const pid = job.pid()!;
      expect(pid).not.toBe(process.pid);
      // The comparison runs in the job's process: the host's thread count does not include the scenario worker.
      const during = threads(pid);
      expect(runner.cancel('v2')).toBe(true);
      await expect(job.result).rejects.toThrow(JobCancelledError);
      const last = progress.at(-1)!;
      expect(last).toMatchObject({ phase: 'cancelled', finished: true });
      expect(last.done).toBeGreaterThan(0);
      expect(last.done).toBeLessThan(recorded);
      expect(during).toBeGreaterThan(1);
      // Settled means the process was reaped: nothing is left running.
      expect(alive(pid)).toBe(false);
    },
    60_000,
  );
});
