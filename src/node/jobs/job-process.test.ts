/**
 * A TypeScript run as a job in its own process: cancelling kills the process
 * (nothing left running), and a process that dies under the run is reported
 * with how it ended and the last scenario line it passed, its session marked
 * aborted with the events it committed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../shared/api/workbench';
import { openDatabase } from '../db/open-database';
import { SessionStore } from '../recorder/session-store';
import { LONG_SCENARIO } from '../service/testing';
import { SCENARIO_MEMORY_MB } from './job-protocol';
import { JobCancelledError, JobProcessDiedError, JobRunner } from './job-runner';
import { runScriptJob } from './script-job';

const dir = mkdtempSync(join(tmpdir(), 'iopf-job-process-'));
const databasePath = join(dir, 'w.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const longRun = { kind: 'run-ts', databasePath, source: LONG_SCENARIO, fileName: 'long.ts', memoryMb: SCENARIO_MEMORY_MB } as const;

async function untilRunning(progress: JobProgress[], jobId: string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!progress.some((p) => p.jobId === jobId && p.phase === 'running' && p.done > 0)) {
    if (Date.now() > end) throw new Error('the run never reported events');
    await sleep(10);
  }
}

function session(id: number) {
  const db = openDatabase(databasePath, { readonly: true });
  try {
    const s = new SessionStore(db).get(id)!;
    const n = Number(db.prepare('SELECT count(*) AS n FROM events WHERE session_id = ?').get(id)!.n);
    return { status: s.status, eventCount: s.eventCount, stored: n };
  } finally {
    db.close();
  }
}

describe('TypeScript runs in a job process', () => {
  it('cancel kills the run’s process: nothing is left running', async () => {
    const progress: JobProgress[] = [];
    const runner = new JobRunner((p) => progress.push(p));
    const job = runner.start('long', longRun);
    await untilRunning(progress, 'long');
    const pid = job.pid()!;
    expect(alive(pid)).toBe(true);
    expect(runner.cancel('long')).toBe(true);
    await expect(job.result).rejects.toThrow(JobCancelledError);
    expect(alive(pid)).toBe(false);
    expect(runner.has('long')).toBe(false);
  }, 60_000);

  it('a process that dies under the run is reported with its signal and last line; the session is aborted with its events', async () => {
    const progress: JobProgress[] = [];
    const runner = new JobRunner((p) => progress.push(p));
    const job = runner.start('killed', longRun);
    await untilRunning(progress, 'killed');
    // Killed from outside (as the OS would kill it), not cancelled: a death the runner did not ask for.
    process.kill(job.pid()!, 'SIGKILL');
    const e = await job.result.then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(JobProcessDiedError);
    const death = (e as JobProcessDiedError).death;
    expect(death).toMatchObject({ signal: 'SIGKILL', outOfMemory: false });
    expect(death.at?.line).toBeGreaterThan(0);
    expect((e as Error).message).toBe("the job's process was terminated by SIGKILL");
  }, 60_000);

  it('runScriptJob turns such a death into the run’s error and aborts its session, keeping what was committed', async () => {
    const progress: JobProgress[] = [];
    const runner = new JobRunner((p) => progress.push(p));
    const running = runScriptJob(runner, 'dies', { databasePath, source: LONG_SCENARIO, fileName: 'long.ts' });
    await untilRunning(progress, 'dies');
    process.kill(runner.pidOf('dies')!, 'SIGKILL');
    const r = await running;
    expect(r).toMatchObject({ ok: false, cancelled: false, error: { kind: 'internal', file: 'long.ts', message: "the scenario's process was terminated by SIGKILL" } });
    expect(r.error!.line).toBeGreaterThan(0);
    const s = session(r.sessionId!);
    expect(s.status).toBe('aborted');
    expect(s.eventCount).toBe(s.stored);
    expect(r.events).toBe(s.stored);
  }, 60_000);
});
