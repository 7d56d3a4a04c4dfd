/**
 * The verify job in a job process: its progress counts compared events out of
 * the recorded total, and cancelling it ends the job's process and with it the
 * scenario worker it started; a replayed scenario that brings the job's
 * process down is reported as the runaway allocation it is.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../shared/api/workbench';
import { runScenarioScript } from '../scenario-runtime/run-scenario-script';
import { streamScenario } from '../scenario-runtime/testing/stream-scenario';
import { JobCancelledError, JobProcessDiedError, JobRunner } from './job-runner';
import { runScriptJob } from './script-job';

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

/**
 * Asks for three arrays of 100 M elements in one statement, before it emits an event: past any scenario heap,
 * before a guard can see it. The recording dies the same way (its session is aborted, with no events), so the
 * replay has nothing to diverge from before it allocates.
 */
const ALLOCATION_BOMB = `import { scenario } from 'iopf';
export default scenario({ name: 'bomb', async main() {
  const keep: unknown[] = [];
  keep.push([new Array(100_000_000).fill(1), new Array(100_000_000).fill(2), new Array(100_000_000).fill(3)]);
} });
`;

describe('verify job of a scenario that allocates past its heap', () => {
  it("says the replayed scenario's process ran out of memory, at the last line it passed", async () => {
    // Recorded in a job process too, where it brings that process down.
    const recording = await runScriptJob(new JobRunner(() => undefined), 'record-bomb', { databasePath, source: ALLOCATION_BOMB, fileName: 'bomb.ts' });
    expect(recording.error?.message).toMatch(/^runaway allocation: the scenario's process ran out of memory/);

    const job = new JobRunner(() => undefined).start('verify-bomb', { kind: 'verify', databasePath, sessionId: recording.sessionId!, trusted: false });
    const e = await job.result.then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(JobProcessDiedError);
    expect((e as JobProcessDiedError).death.outOfMemory).toBe(true);
    // The line the re-run's guard last reported: main, the function it was in. The file is named after the stored scenario.
    expect((e as Error).message).toMatch(
      /^bomb\.ts:2:\d+: runaway allocation: the replayed scenario's process ran out of memory \(limit 1024 MB\) and was terminated; this is the last line it passed$/,
    );
  }, 120_000);
});
