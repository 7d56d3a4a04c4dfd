/**
 * Verified replay of TypeScript sessions streams: the scenario worker posts
 * packed batches, the comparison reads recorded rows a page at a time, stops
 * the worker at the first divergence, holds a bounded number of events
 * whatever the session's length, and a cancel ends the worker.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../../shared/events';
import { openDatabase } from '../db/open-database';
import type { SqlDatabase } from '../db/sql-database';
import { iterateEvents, PAGE_ROWS } from '../recorder/event-rows';
import { prepareRecorderDb } from '../recorder/recorder-db';
import { STREAM_DEFAULTS } from '../scenario-runtime/event-stream';
import { runScenarioScript } from '../scenario-runtime/run-scenario-script';
import { streamScenario } from '../scenario-runtime/testing/stream-scenario';
import { COMPARED_FIELDS, ReplayCancelledError, runVerifiedReplay, verifyReplay } from './replay';

const dir = mkdtempSync(join(tmpdir(), 'iopf-replay-stream-'));
const dbPath = join(dir, 'w.db');
let db: SqlDatabase;

async function record(source: string, seed?: number): Promise<number> {
  const r = await runScenarioScript({ source, filename: 'long-stream.ts', ...(seed !== undefined ? { seed } : {}), record: { databasePath: dbPath } });
  expect(r.error).toBeUndefined();
  return r.sessionId!;
}

/** The first difference between two recorded sessions, as the replay names it (the oracle for a changed source or seed). */
function firstDifference(a: number, b: number): { seq: number; kind: string; field: string; recorded: string; replayed: string } {
  const show = (v: unknown) => (v === null ? 'null' : String(v));
  const ra = iterateEvents(db, a);
  const rb = iterateEvents(db, b);
  for (;;) {
    const x = ra.next();
    const y = rb.next();
    if (x.done || y.done) throw new Error('no difference');
    const field = COMPARED_FIELDS.find((f) => (x.value as EventRow)[f] !== (y.value as EventRow)[f]);
    if (field) return { seq: x.value.seq, kind: x.value.kind, field, recorded: show(x.value[field]), replayed: show(y.value[field]) };
  }
}

const threads = (): number => Number(/^Threads:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Fewest threads seen over a short while (writer threads of a finished recording may still be ending). */
async function settledThreads(): Promise<number> {
  let least = threads();
  for (let i = 0; i < 10; i++) {
    await sleep(30);
    least = Math.min(least, threads());
  }
  return least;
}
async function until(what: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

beforeAll(() => {
  db = prepareRecorderDb(openDatabase(dbPath));
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('verified replay of a TypeScript session', () => {
  // 200 accesses: about 4 600 events, several batches of the stream and two pages of recorded rows.
  const SOURCE = streamScenario(200);

  it('says identical for an untouched session, every event compared', async () => {
    const id = await record(SOURCE, 4);
    const r = await verifyReplay(db, id);
    expect(r).toMatchObject({ identical: true, divergence: null, sourceHashMatches: true, seed: 4 });
    expect(r.recordedEvents).toBeGreaterThan(4096);
    expect(r.compared).toBe(r.recordedEvents);
  });

  it('names a tampered row deep in the stream (past the first batch and page) and compared exactly the events before it', async () => {
    const id = await record(SOURCE);
    const target = [...iterateEvents(db, id, 4200, 5000)].find((e) => e.kind === 'RESPONSE_WRITE')!;
    db.prepare('UPDATE events SET code = 1 WHERE session_id = ? AND seq = ?').run(id, target.seq);
    expect(await verifyReplay(db, id)).toMatchObject({
      identical: false,
      compared: target.seq,
      divergence: { seq: target.seq, kind: 'RESPONSE_WRITE', field: 'code', recorded: '1', replayed: '0' },
    });
  });

  it('names the first diverging event when the stored seed was changed', async () => {
    const id = await record(SOURCE, 1);
    const other = await record(SOURCE, 2);
    const expected = firstDifference(id, other);
    db.prepare('UPDATE sessions SET seed = 2 WHERE id = ?').run(id);
    const r = await verifyReplay(db, id);
    expect(r).toMatchObject({ identical: false, seed: 2, sourceHashMatches: true, compared: expected.seq });
    expect(r.divergence).toEqual(expected);
  });

  it('names the first diverging event when the stored source was edited, and flags the hash', async () => {
    const id = await record(SOURCE, 3);
    const edited = streamScenario(200, [2_000, 9_000]);
    const other = await record(edited, 3);
    const expected = firstDifference(id, other);
    db.prepare('UPDATE sessions SET scenario_source = ? WHERE id = ?').run(edited, id);
    const r = await verifyReplay(db, id);
    expect(r).toMatchObject({ identical: false, sourceHashMatches: false, compared: expected.seq });
    expect(r.divergence).toEqual(expected);
    // The latency is the first thing the edit changes: a policy event's time.
    expect(expected.field).toBe('t');
  });

  it('stops the re-run at the first divergence: a stored source that would run for hours returns at once', async () => {
    const id = await record(SOURCE, 5);
    // The same scenario with a hundred million accesses: identical up to where the recording's workload ended.
    db.prepare('UPDATE sessions SET scenario_source = ? WHERE id = ?').run(streamScenario(100_000_000), id);
    const r = await verifyReplay(db, id);
    expect(r.recordedEvents).toBeGreaterThan(4096);
    expect(r).toMatchObject({ identical: false, compared: r.recordedEvents, divergence: { seq: r.recordedEvents, field: 'event', recorded: '(none: the recording ends here)' } });
  });

  it('reports a recording cut short as a divergence at its end', async () => {
    const id = await record(SOURCE);
    db.prepare('DELETE FROM events WHERE session_id = ? AND seq >= 3000').run(id);
    const r = await verifyReplay(db, id);
    expect(r).toMatchObject({ compared: 3000, recordedEvents: 3000, divergence: { seq: 3000, field: 'event', recorded: '(none: the recording ends here)' } });
  });

  describe('a session of over 100 000 events', () => {
    let big: number;
    let total: number;
    beforeAll(async () => {
      big = await record(streamScenario(5000));
      total = Number(db.prepare('SELECT count(*) AS n FROM events WHERE session_id = ?').get(big)!.n);
    }, 60_000);

    it('is compared whole while at most a bounded number of events is held at once', async () => {
      expect(total).toBeGreaterThanOrEqual(100_000);
      const seen: number[] = [];
      const { verification, heldHighWater } = await runVerifiedReplay(db, big, { onProgress: (n) => seen.push(n) });
      expect(verification).toMatchObject({ identical: true, compared: total, recordedEvents: total });
      // A few batches in flight plus one page of recorded rows, never the session.
      expect(heldHighWater).toBeGreaterThanOrEqual(STREAM_DEFAULTS.batchEvents);
      expect(heldHighWater).toBeLessThan(50_000);
      expect(heldHighWater).toBeLessThanOrEqual(STREAM_DEFAULTS.maxInFlight * STREAM_DEFAULTS.batchEvents + PAGE_ROWS);
      // Progress counts compared events, rising, ending at the total.
      expect(seen.length).toBeGreaterThan(10);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(seen.at(-1)).toBe(total);
    }, 60_000);

    it.runIf(existsSync('/proc/self/status'))(
      'a cancel during the comparison terminates the scenario worker',
      async () => {
        const before = await settledThreads();
        const controller = new AbortController();
        let during = 0;
        let at = 0;
        const replay = runVerifiedReplay(db, big, {
          signal: controller.signal,
          onProgress: (n) => {
            if (n > 0 && at === 0) {
              at = n;
              during = threads();
              controller.abort();
            }
          },
        });
        await expect(replay).rejects.toThrow(ReplayCancelledError);
        expect(at).toBeGreaterThan(0);
        expect(at).toBeLessThan(total);
        expect(during).toBeGreaterThan(before); // the scenario worker was running
        expect(await until(() => threads() <= before, 5000)).toBe(true);
      },
      60_000,
    );
  });
});
