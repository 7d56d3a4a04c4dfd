/**
 * End to end: what the timeline shows beyond the raw events, in headless
 * Chromium over the real service.
 *   - counters at the whole-session zoom of a ~55k-event session (the host's
 *     per-bucket envelope): coloured pixels in the counter rows
 *   - the filter zoomed out says it applies only when zoomed in, and zoomed
 *     in it reaches the drawing
 *   - M marks are session notes: they survive switching sessions
 *   - a session still recording grows on screen (events written through the
 *     recorder's SessionStore/SqliteSink while the page shows it), follows
 *     its end when fitted, leaves a view elsewhere alone, and drops its
 *     `running` badge when it completes
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../src/core/engine/run-scenario';
import type { EventKind, Layer } from '../../src/shared/events';
import { ns } from '../../src/shared/time';
import { openDatabase } from '../../src/node/db/open-database';
import type { SqlDatabase } from '../../src/node/db/sql-database';
import { yieldToScript } from '../../src/node/recorder/record-run';
import { SessionStore } from '../../src/node/recorder/session-store';
import { SqliteSink } from '../../src/node/recorder/sqlite-sink';
import { manyFaults } from '../../bench/workload';
import { startWorkbench, type Workbench } from './harness';

const CANVAS = '[data-testid="timeline-canvas"]';
const sessionRow = (id: number): string => `[data-testid="session-row"][data-session-id="${id}"]`;

/* Page-side types (this file compiles without the DOM lib). */
interface PageImageData {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}
interface PageCanvas {
  readonly width: number;
  readonly clientWidth: number;
  readonly dataset: Record<string, string | undefined>;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): PageImageData } | null;
}
declare const document: { querySelector(selector: string): unknown };

interface Report {
  readonly state: string;
  readonly sessionId: string;
  readonly loading: string;
  readonly mode: string;
  readonly status: string;
  readonly eventCount: number;
  readonly drawnEvents: number;
  readonly marks: number;
  readonly filterScope: string;
  readonly startNs: number;
  readonly endNs: number;
  readonly tracks: { key: string; top: number; height: number }[];
}

const DEV = 0x300;

/** `faults` five-event faults on 03:00.0 PASID 1 from `seq`, 100 ns apart, through the recorder's sink. */
function writeFaults(sink: SqliteSink, seq: number, faults: number): number {
  const emit = (kind: EventKind, layer: Layer, grpid: number, iommu: number | null): void => {
    sink.emit({ seq, t: ns(1_000 + seq * 100), kind, layer, dev: DEV, pasid: 1, grpid, cookie: null, addr: 0x1000n, perm: 1, code: null, errno: null, parent: null, raw: null, note: null, line: null, iommu });
    seq++;
  };
  for (let i = 0; i < faults; i++) {
    const grpid = (seq / 5) % 256;
    emit('PR_SEND', 'device', grpid, null);
    emit('PRQ_ENQ', 'iommu', grpid, 0);
    emit('IOPF_GROUP', 'kernel', grpid, null);
    emit('FAULT_QUEUED', 'iommufd', grpid, null);
    emit('PRG_RESP_RECV', 'device', grpid, null);
  }
  sink.flush();
  return seq;
}

describe('timeline beyond raw events, in headless Chromium', () => {
  let wb: Workbench;
  let bigId: number;
  let bigEvents: number;
  let happyA: number;
  let happyB: number;
  let liveId: number;
  let liveDb: SqlDatabase;
  let liveStore: SessionStore;
  let liveSink: SqliteSink;
  let liveSeq = 0;

  const report = async (): Promise<Report> =>
    wb.page.$eval(CANVAS, (el) => {
      const d = (el as unknown as PageCanvas).dataset;
      return {
        state: d.state ?? '',
        sessionId: d.sessionId ?? '',
        loading: d.loading ?? '',
        mode: d.mode ?? '',
        status: d.status ?? '',
        eventCount: Number(d.eventCount),
        drawnEvents: Number(d.drawnEvents),
        marks: Number(d.marks),
        filterScope: d.filterScope ?? '',
        startNs: Number(d.viewStartNs),
        endNs: Number(d.viewEndNs),
        tracks: JSON.parse(d.tracks ?? '[]') as { key: string; top: number; height: number }[],
      };
    });

  const show = async (id: number): Promise<Report> => {
    await wb.page.click(sessionRow(id));
    await wb.page.waitForFunction(
      ({ sel, id }) => {
        const d = (document.querySelector(sel) as PageCanvas | null)?.dataset;
        return d?.state === 'ready' && d.sessionId === String(id) && d.loading === '0';
      },
      { sel: CANVAS, id },
    );
    return report();
  };

  /** Coloured (saturated) pixels in a row of the track area; the canvas's greys and text never count. */
  const colouredIn = async (row: { top: number; height: number }): Promise<number> =>
    wb.page.$eval(
      CANVAS,
      (el, r) => {
        const c = el as unknown as PageCanvas;
        const ctx = c.getContext('2d')!;
        const scale = c.width / c.clientWidth;
        const labelWidth = Number(c.dataset.labelWidth);
        const x0 = Math.round(labelWidth * scale);
        const y0 = Math.round(r.top * scale);
        const img = ctx.getImageData(x0, y0, c.width - x0, Math.max(1, Math.round(r.height * scale)));
        let n = 0;
        for (let i = 0; i < img.data.length; i += 4) {
          const [red, green, blue] = [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
          if (Math.max(red, green, blue) - Math.min(red, green, blue) > 60) n++;
        }
        return n;
      },
      row,
    );

  /** Scrolls the track list until the row `key` is on the canvas. */
  const scrollTo = async (key: string): Promise<{ key: string; top: number; height: number }> => {
    for (let y = 0; y <= 2_000; y += 100) {
      const row = (await report()).tracks.find((t) => t.key === key);
      if (row) return row;
      await wb.page.$eval('[data-testid="timeline-vscroll"]', (el, top) => ((el as unknown as { scrollTop: number }).scrollTop = top), y + 100);
      await wb.page.waitForTimeout(80);
    }
    throw new Error(`the row ${key} never came into view`);
  };

  beforeAll(async () => {
    wb = await startWorkbench({
      viewport: { width: 1400, height: 900 },
      prepare: async (service, dir) => {
        happyA = (await service.runScenario({ scenarioId: 'happy-path' })).sessionId!;
        happyB = (await service.runScenario({ scenarioId: 'happy-path' })).sessionId!;
        // ~55k events of the bench workload through the real recorder, on a second connection to the same file.
        const db = openDatabase(join(dir, 'workbench.db'));
        const store = new SessionStore(db);
        const spec = manyFaults(2_500);
        bigId = store.create({ name: 'many-faults', scenarioName: spec.name, scenarioSource: '{}', scenarioHash: '0', seed: spec.seed, kernelProfile: spec.kernelProfile, vendor: spec.vendor, appVersion: 'e2e' });
        const sink = new SqliteSink(db, bigId);
        const summary = await runScenario(spec, sink, { yieldToScript });
        sink.flush();
        bigEvents = summary.eventCount;
        store.finish(bigId, 'complete', { eventCount: summary.eventCount, endNs: summary.endNs, passed: summary.passed, failed: summary.failed, summary: 'e2e' });
        db.close();
        // A session that is still recording: 300 events so far, more while the page shows it.
        liveDb = openDatabase(join(dir, 'workbench.db'));
        liveStore = new SessionStore(liveDb);
        liveId = liveStore.create({ name: 'still-recording', scenarioName: 'live', scenarioSource: '{}', scenarioHash: '0', seed: 1, kernelProfile: 'upstream', vendor: 'vtd', appVersion: 'e2e' });
        liveSink = new SqliteSink(liveDb, liveId, 10_000, 32, { threadAfter: Infinity });
        liveSeq = writeFaults(liveSink, 0, 60);
      },
    });
  });

  afterAll(async () => {
    liveDb?.close();
    await wb?.close();
  });

  it('draws the counters at the whole-session zoom of a ~55k-event session', async () => {
    expect(bigEvents).toBeGreaterThanOrEqual(50_000);
    const r = await show(bigId);
    expect(r.mode).toBe('lod');
    expect(r.eventCount).toBe(bigEvents);
    for (const key of ['counter#prq/iommu#0', `counter#pri/dev#${DEV}`]) {
      const row = await scrollTo(key);
      await wb.page.waitForFunction((sel) => (document.querySelector(sel) as PageCanvas | null)?.dataset.loading === '0', CANVAS);
      expect((await report()).mode).toBe('lod');
      // The counter's bars, in colour, across the row (before, a zoomed-out counter row held only grey text).
      expect(await colouredIn(row), key).toBeGreaterThan(200);
    }
    await wb.screenshot('timeline-live-counters-zoomed-out');
  });

  it('zoomed out the filter says it applies when zoomed in; zoomed in it reaches the drawing', async () => {
    await show(bigId);
    await wb.page.fill('[data-testid="timeline-search"]', 'kind:PRQ_ENQ');
    await wb.page.selectOption('[data-testid="timeline-filter"]', 'dim');
    const scope = wb.page.locator('[data-testid="timeline-filter-scope"]');
    await expect.poll(async () => (await report()).filterScope).toBe('zoom-in');
    expect(await scope.textContent()).toBe('filter applies when zoomed in');
    await wb.screenshot('timeline-live-filter-zoomed-out');
    await wb.page.focus(CANVAS);
    for (let i = 0; i < 40 && (await report()).filterScope === 'zoom-in'; i++) {
      await wb.page.keyboard.press('w');
      await wb.page.waitForTimeout(120);
    }
    await expect.poll(async () => (await report()).filterScope).not.toBe('zoom-in');
    expect(['per bucket', 'per event']).toContain(await scope.textContent());
    await wb.screenshot('timeline-live-filter-zoomed-in');
    await wb.page.selectOption('[data-testid="timeline-filter"]', 'off');
    await expect.poll(() => scope.count()).toBe(0);
  });

  it('M marks are session notes: they survive switching sessions, and unmarking removes the note', async () => {
    await show(happyA);
    await wb.page.focus(CANVAS);
    await wb.page.keyboard.press('.');
    await expect.poll(async () => (await wb.page.$eval(CANVAS, (el) => (el as unknown as PageCanvas).dataset.selectedSeq)) ?? '').not.toBe('');
    await wb.page.keyboard.press('m');
    await expect.poll(async () => (await report()).marks).toBe(1);
    const notes = await wb.service.listNotes(happyA);
    expect(notes.map((n) => n.text)).toEqual([expect.stringMatching(/^mark #\d+ [A-Z_]+$/)]);
    expect(await wb.page.locator('[data-testid="timeline-clear-marks"]').textContent()).toContain('1 mark');

    expect((await show(happyB)).marks).toBe(0);
    await show(happyA);
    await expect.poll(async () => (await report()).marks).toBe(1);
    await wb.screenshot('timeline-live-marks-restored');
    // The selection is gone after the switch; select the marked event again and unmark it.
    await wb.page.focus(CANVAS);
    await wb.page.keyboard.press('.');
    await expect.poll(async () => (await wb.page.$eval(CANVAS, (el) => (el as unknown as PageCanvas).dataset.selectedSeq)) ?? '').toBe(String(notes[0]!.seq));
    await wb.page.keyboard.press('m');
    await expect.poll(async () => (await report()).marks).toBe(0);
    expect(await wb.service.listNotes(happyA)).toEqual([]);
  });

  it('a session still recording grows on screen, follows its end when fitted, and drops its badge when it completes', async () => {
    const first = await show(liveId);
    const badge = wb.page.locator('[data-testid="timeline-session-status"]');
    expect(await badge.textContent()).toBe('running');
    expect(first.status).toBe('running');
    expect(first.eventCount).toBe(300);
    expect(first.drawnEvents).toBe(300);
    expect(await wb.page.locator('[data-testid="timeline-event-count"]').textContent()).toBe('300');

    // Fitted: the view takes the new events in.
    liveSeq = writeFaults(liveSink, liveSeq, 60);
    await expect.poll(async () => (await report()).eventCount, { timeout: 5_000 }).toBe(600);
    await expect.poll(async () => (await report()).drawnEvents, { timeout: 5_000 }).toBe(600);
    const grown = await report();
    expect(grown.endNs).toBeGreaterThan(first.endNs);
    expect(grown.endNs).toBeGreaterThanOrEqual(1_000 + 599 * 100);
    expect(await wb.page.locator('[data-testid="timeline-event-count"]').textContent()).toBe('600');
    // The session's row in the list counts along (the list itself refreshes only when a run starts or ends).
    await expect
      .poll(() => wb.page.locator(`[data-testid="session-row"][data-session-id="${liveId}"] [data-testid="session-event-count"]`).textContent(), { timeout: 5_000 })
      .toBe('600 events');
    await wb.screenshot('timeline-live-running-grown');

    // Zoomed into the middle: more events do not move the view.
    await wb.page.focus(CANVAS);
    for (let i = 0; i < 3; i++) await wb.page.keyboard.press('w');
    await expect.poll(async () => (await report()).endNs - (await report()).startNs).toBeLessThan((grown.endNs - grown.startNs) * 0.6);
    const middle = await report();
    liveSeq = writeFaults(liveSink, liveSeq, 20);
    await expect.poll(async () => (await report()).eventCount, { timeout: 5_000 }).toBe(700);
    const after = await report();
    expect([after.startNs, after.endNs]).toEqual([middle.startNs, middle.endNs]);

    // The run ends: the badge goes, the status says complete.
    liveStore.finish(liveId, 'complete', { eventCount: liveSeq, endNs: BigInt(1_000 + (liveSeq - 1) * 100), passed: 0, failed: 0, summary: 'e2e' });
    await expect.poll(async () => (await report()).status, { timeout: 5_000 }).toBe('complete');
    await expect.poll(() => badge.count(), { timeout: 5_000 }).toBe(0);
    await wb.screenshot('timeline-live-running-complete');
  });

  it('raised no page errors', () => {
    expect(wb.pageErrors).toEqual([]);
  });
});
