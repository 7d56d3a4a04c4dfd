/**
 * End to end: a session recorded through the real service is served by the
 * web host and drawn by the real renderer in Debian's headless Chromium.
 * Needs `npx electron-vite build` (out/renderer) first.
 *
 * A session this small is drawn event by event (the raw mode of the
 * level-of-detail choice). Drawing is checked twice: the canvas reports how
 * many events it painted (data-drawn-events), and the test reads the pixels
 * back and finds event colours exactly where each event should be. An empty
 * session runs the same pixel check and must find nothing, which shows the
 * check can fail.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../../src/shared/events';
import { openDatabase } from '../../src/node/db/open-database';
import { SessionStore } from '../../src/node/recorder/session-store';
import { openWorkbench } from '../../src/node/service/open-workbench';
import type { WorkbenchService } from '../../src/node/service/workbench-service';
import { startWebHost, type WebHost } from '../../src/node/webhost/web-host';
import { CHROMIUM, CHROMIUM_ARGS, RENDERER_DIR, RESULTS_DIR } from './harness';

const CANVAS = '[data-testid="timeline-canvas"]';

/**
 * The track each event must land on, as the host names tracks
 * (src/node/analysis/tracks.ts): one per layer, device and PASID, absent
 * parts left out (`device#768/pasid#1`, `iommu`, `policy`). Restated here as
 * the test's oracle rather than imported.
 */
const trackKeyOf = (e: EventRow): string => `${e.layer}${e.dev === null ? '' : `#${e.dev}`}${e.pasid === null ? '' : `/pasid#${e.pasid}`}`;

/*
 * The page-side callbacks below run in Chromium, but this file is compiled
 * with the Node tsconfig (no DOM lib). These declarations name just what the
 * callbacks touch; they exist only for the type checker.
 */
interface PageImageData {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}
interface PageCanvas {
  readonly width: number;
  readonly height: number;
  readonly clientWidth: number;
  readonly clientHeight: number;
  readonly dataset: Record<string, string | undefined>;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): PageImageData } | null;
}
declare const document: { querySelector(selector: string): unknown; readonly body: unknown };
declare function getComputedStyle(element: unknown): { readonly backgroundColor: string };
const sessionRow = (id: number): string => `[data-testid="session-row"][data-session-id="${id}"]`;

/** Geometry the canvas publishes after each paint (TimelineView.vue). */
interface CanvasReport {
  readonly sessionId: string;
  readonly state: string;
  readonly drawnEvents: number;
  readonly mode: string;
  readonly selectedSeq: string;
  readonly startNs: number;
  readonly endNs: number;
  readonly labelWidth: number;
  readonly width: number;
  readonly height: number;
  readonly tracks: readonly { key: string; top: number; height: number }[];
}

/** What the pixel readback found. */
interface PixelReport {
  /** Event-coloured pixels in the whole track area. */
  readonly total: number;
  /** Event-coloured pixels per track row, by key. */
  readonly perTrack: Record<string, number>;
  /** For each probe, whether an event-coloured pixel sits within ±2 px of its centre. */
  readonly probes: readonly boolean[];
}

/** Canvas x of a time, CSS px, with the same mapping as timeline/time-scale.ts. */
const xOf = (r: CanvasReport, t: number): number =>
  r.labelWidth + ((t - r.startNs) / (r.endNs - r.startNs)) * (r.width - r.labelWidth);

function rowOf(r: CanvasReport, e: EventRow): { top: number; height: number } {
  const row = r.tracks.find((tr) => tr.key === trackKeyOf(e));
  if (!row) throw new Error(`no track ${trackKeyOf(e)} on the canvas (tracks: ${r.tracks.map((t) => t.key).join(', ')})`);
  return row;
}

async function canvasReport(page: Page): Promise<CanvasReport> {
  return page.$eval(CANVAS, (el) => {
    const c = el as unknown as PageCanvas;
    const d = c.dataset;
    return {
      sessionId: d.sessionId ?? '',
      state: d.state ?? '',
      drawnEvents: Number(d.drawnEvents),
      mode: d.mode ?? '',
      selectedSeq: d.selectedSeq ?? '',
      startNs: Number(d.viewStartNs),
      endNs: Number(d.viewEndNs),
      labelWidth: Number(d.labelWidth),
      width: c.clientWidth,
      height: c.clientHeight,
      tracks: JSON.parse(d.tracks ?? '[]') as { key: string; top: number; height: number }[],
    };
  });
}

/**
 * Reads the canvas back and counts event-coloured pixels. Event colours are
 * saturated (timeline/colors.ts) and everything else on the canvas is grey,
 * so "max channel − min channel > 60" separates them.
 */
async function readPixels(page: Page, probes: readonly { x: number; y: number }[]): Promise<PixelReport> {
  return page.$eval(
    CANVAS,
    (el, probeList) => {
      const c = el as unknown as PageCanvas;
      const ctx = c.getContext('2d');
      if (!ctx) throw new Error('no 2d context');
      const scale = c.width / c.clientWidth;
      const { data, width, height } = ctx.getImageData(0, 0, c.width, c.height);
      const coloured = (px: number, py: number): boolean => {
        const x = Math.round(px * scale);
        const y = Math.round(py * scale);
        if (x < 0 || y < 0 || x >= width || y >= height) return false;
        const i = (y * width + x) * 4;
        const r = data[i]!;
        const g = data[i + 1]!;
        const b = data[i + 2]!;
        return Math.max(r, g, b) - Math.min(r, g, b) > 60;
      };
      const labelWidth = Number(c.dataset.labelWidth);
      const tracks = JSON.parse(c.dataset.tracks ?? '[]') as { key: string; top: number; height: number }[];
      // Below the axis and the alert strip (whose alert markers are red on purpose).
      const axisBottom = tracks[0]?.top ?? 46;
      let total = 0;
      for (let y = axisBottom; y < c.clientHeight; y++) {
        for (let x = labelWidth; x < c.clientWidth; x++) if (coloured(x, y)) total++;
      }
      const perTrack: Record<string, number> = {};
      for (const t of tracks) {
        let n = 0;
        for (let y = t.top; y < t.top + t.height; y++) {
          for (let x = labelWidth; x < c.clientWidth; x++) if (coloured(x, y)) n++;
        }
        perTrack[t.key] = n;
      }
      const probes = probeList.map((p) => {
        for (let dx = -2; dx <= 2; dx++) for (let dy = -2; dy <= 2; dy++) if (coloured(p.x + dx, p.y + dy)) return true;
        return false;
      });
      return { total, perTrack, probes };
    },
    probes,
  );
}

async function selectSession(page: Page, id: number): Promise<CanvasReport> {
  await page.click(sessionRow(id));
  await page.waitForFunction(
    ({ sel, id }) => {
      const d = (document.querySelector(sel) as PageCanvas | null)?.dataset;
      // Ready: the session is loaded and every visible page answered.
      return d?.state === 'ready' && d.sessionId === String(id) && d.loading === '0';
    },
    { sel: CANVAS, id },
  );
  return canvasReport(page);
}

describe('timeline in headless Chromium', () => {
  let tmp: string;
  let service: WorkbenchService | undefined;
  let host: WebHost | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let sessionId: number;
  let emptySessionId: number;
  let events: EventRow[];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
      throw new Error(`${RENDERER_DIR}/index.html is missing: run \`npx electron-vite build\` before the e2e tests`);
    }
    tmp = await mkdtemp(join(tmpdir(), 'iopf-e2e-'));
    const databasePath = join(tmp, 'workbench.db');
    service = openWorkbench({ databasePath, host: 'web' });
    const run = await service.runScenario({ scenarioId: 'happy-path' });
    expect(run.sessionId).not.toBeNull();
    sessionId = run.sessionId!;
    events = [...(await service.getEvents({ sessionId, fromSeq: 0, limit: 100_000 })).events];
    expect(events.length).toBe(run.eventCount);
    expect(events.length).toBeGreaterThan(0);

    // A finished session with no events, written through the recorder's own store.
    const db = openDatabase(databasePath);
    const store = new SessionStore(db);
    emptySessionId = store.create({
      name: 'empty-session',
      scenarioName: 'empty',
      scenarioSource: '{}',
      scenarioHash: '0',
      seed: 0,
      kernelProfile: 'upstream',
      vendor: 'vtd',
      appVersion: 'e2e',
    });
    store.finish(emptySessionId, 'complete', { eventCount: 0, endNs: 0n, passed: 0, failed: 0, summary: 'no events' });
    db.close();

    host = await startWebHost({ service, rendererDir: RENDERER_DIR, port: 0 });
    await mkdir(RESULTS_DIR, { recursive: true });
    context = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 820 },
      // The product's default scheme; a later test switches to light.
      colorScheme: 'dark',
      args: CHROMIUM_ARGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      // CSP violations and failed loads are reported as console errors.
      if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
    });
    await page.goto(host.url);
  });

  afterAll(async () => {
    await context?.close();
    await host?.close();
    service?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('lists the recorded sessions with status and event count', async () => {
    const row = page.locator(sessionRow(sessionId));
    await row.waitFor();
    await expect.poll(() => row.locator('.name').textContent()).toBe('happy-path');
    expect(await row.locator('[data-testid="session-status"]').textContent()).toBe('complete');
    expect(await row.locator('[data-testid="session-event-count"]').textContent()).toBe(`${events.length} events`);
    expect(await page.locator(sessionRow(emptySessionId)).count()).toBe(1);
    await expect.poll(() => page.locator('[data-testid="app-host"]').textContent()).toBe('web');
  });

  it('draws every event of the selected session, in its track, in its colour', async () => {
    const report = await selectSession(page, sessionId);
    expect(report.mode).toBe('raw');
    expect(report.drawnEvents).toBe(events.length);

    const expectedTracks = new Set(events.map((e) => trackKeyOf(e)));
    // Event tracks, plus the hardware group's counters: PRQ occupancy per IOMMU unit, PRI credits per device.
    expect(new Set(report.tracks.map((t) => t.key).filter((k) => !k.startsWith('counter#')))).toEqual(expectedTracks);
    const counterKeys = new Set([
      ...events.filter((e) => e.kind === 'PRQ_ENQ').map((e) => `counter#prq/iommu#${e.iommu ?? 0}`),
      ...events.filter((e) => e.kind === 'PR_SEND').map((e) => `counter#pri/dev#${e.dev}`),
    ]);
    expect(counterKeys.size).toBeGreaterThanOrEqual(2);
    expect(new Set(report.tracks.filter((t) => t.key.startsWith('counter#')).map((t) => t.key))).toEqual(counterKeys);

    const probes = events.map((e) => {
      const row = rowOf(report, e);
      return { x: xOf(report, e.t), y: row.top + row.height / 2 };
    });
    const pixels = await readPixels(page, probes);
    const missing = events.filter((_, i) => !pixels.probes[i]).map((e) => `#${e.seq} ${e.kind} @${e.t}`);
    expect(missing).toEqual([]);
    for (const key of expectedTracks) expect(pixels.perTrack[key], key).toBeGreaterThan(20);
    await page.screenshot({ path: join(RESULTS_DIR, 'timeline.png') });
  });

  it('draws nothing for a session without events, and the pixel check sees that', async () => {
    const report = await selectSession(page, emptySessionId);
    expect(report.drawnEvents).toBe(0);
    expect(report.tracks).toEqual([]);
    // The probes of the happy-path events, now over an empty canvas: all must miss.
    const probes = events.map((e) => ({ x: xOf(report, e.t), y: 46 + 15 }));
    const pixels = await readPixels(page, probes);
    expect(pixels.total).toBe(0);
    expect(pixels.probes.every((hit) => !hit)).toBe(true);
    await page.screenshot({ path: join(RESULTS_DIR, 'timeline-empty.png') });
  });

  it('selects a clicked event, and the inspector shows it decoded', async () => {
    const report = await selectSession(page, sessionId);
    // A fault record read by the policy: it carries a cookie and the raw uAPI struct.
    const target = events.find((e) => e.kind === 'FAULT_READ' && e.raw !== null);
    expect(target, 'happy-path records a FAULT_READ with its raw record').toBeDefined();
    const e = target!;
    const row = rowOf(report, e);
    const box = (await page.locator(CANVAS).boundingBox())!;
    await page.mouse.click(box.x + xOf(report, e.t), box.y + row.top + row.height / 2);

    // Stacked events at one spot are ordered by seq: the first click selects the lowest.
    const sameSpot = events.filter((o) => o.t === e.t && trackKeyOf(o) === trackKeyOf(e)).sort((a, b) => a.seq - b.seq);
    const first = sameSpot[0]!;
    expect(first.kind, 'the first event at the spot is a fault record').toBe('FAULT_READ');
    await expect.poll(async () => (await canvasReport(page)).selectedSeq).toBe(String(first.seq));
    // The inspector fetches the selected seq from the host and decodes its record.
    const inspector = page.locator('[data-testid="inspector"]');
    await expect.poll(() => inspector.getAttribute('data-seq')).toBe(String(first.seq));
    expect(await page.locator('[data-testid="inspector-kind"]').textContent()).toBe('FAULT_READ');
    await expect.poll(() => page.locator('[data-testid="inspector-struct"]').getAttribute('data-struct')).toBe('iommu_hwpt_pgfault');
    // …its fields by name, and the recorded bytes in hex, byte for byte.
    expect(first.raw, 'the selected fault record carries its raw bytes').toMatch(/^[0-9a-f]{16,}$/);
    expect(await page.locator('[data-testid="inspector-struct-field"]').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('cookie')]),
    );
    await expect.poll(async () => (await page.locator('[data-testid="hex-byte"]').allTextContents()).join('')).toBe(first.raw);
    await page.screenshot({ path: join(RESULTS_DIR, 'timeline-selected.png') });

    if (sameSpot.length > 1) {
      await page.mouse.click(box.x + xOf(report, e.t), box.y + row.top + row.height / 2);
      await expect.poll(async () => (await canvasReport(page)).selectedSeq).toBe(String(sameSpot[1]!.seq));
    }
  });

  it('follows the light colour scheme and still draws every event', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    try {
      const report = await selectSession(page, sessionId);
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).toBe('rgb(247, 248, 250)');
      const probes = events.map((e) => {
        const row = rowOf(report, e);
        return { x: xOf(report, e.t), y: row.top + row.height / 2 };
      });
      await expect.poll(async () => (await readPixels(page, probes)).probes.every(Boolean)).toBe(true);
      await page.screenshot({ path: join(RESULTS_DIR, 'timeline-light.png') });
    } finally {
      await page.emulateMedia({ colorScheme: 'dark' });
    }
  });

  it('zooms with W and fits with F', async () => {
    await selectSession(page, sessionId);
    const before = await canvasReport(page);
    await page.keyboard.press('w');
    await page.keyboard.press('w');
    await expect
      .poll(async () => {
        const r = await canvasReport(page);
        return r.endNs - r.startNs;
      })
      .toBeLessThan((before.endNs - before.startNs) * 0.7);
    // Nothing selected: F fits the whole session.
    await page.keyboard.press('Escape');
    await page.keyboard.press('f');
    await expect.poll(async () => (await canvasReport(page)).drawnEvents).toBe(events.length);
  });

  it('runs a scenario from the toolbar and shows the new session', async () => {
    const rows = page.locator('[data-testid="session-row"]');
    const before = await rows.count();
    await page.selectOption('[data-testid="scenario-picker"]', 'happy-path');
    await page.click('[data-testid="run-button"]');
    await expect.poll(() => rows.count()).toBe(before + 1);
    const sessions = await service!.listSessions();
    const newest = sessions.reduce((a, b) => (b.id > a.id ? b : a));
    await page.waitForFunction(
      ({ sel, id }) => (document.querySelector(sel) as PageCanvas | null)?.dataset.sessionId === String(id),
      { sel: CANVAS, id: newest.id },
    );
    expect(await page.locator(sessionRow(newest.id)).getAttribute('aria-selected')).toBe('true');
    await expect.poll(async () => (await canvasReport(page)).drawnEvents).toBe(newest.eventCount);
  });

  it('raised no page errors or CSP violations', () => {
    expect(pageErrors).toEqual([]);
  });
});
