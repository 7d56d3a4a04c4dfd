/**
 * The timeline on a big session, in Debian's headless Chromium: the web host
 * serves the built renderer over the session's database, and the page itself
 * measures (performance.now, so no test-runner latency is counted):
 *   first paint   from the click on the session row to the first frame whose
 *                 visible pages have all answered
 *   frame time    while panning and zooming with the keyboard (W/S/A/D, one
 *                 key per animation frame): the painters' time per frame as
 *                 the frame scheduler measures it (data-paint-ms), and the
 *                 interval between animation frames (everything the browser
 *                 did for the frame)
 * Prints lines; never asserts (figures on a shared machine are noisy).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { openWorkbench } from '../src/node/service/open-workbench';
import { startWebHost } from '../src/node/webhost/web-host';

const ROOT = resolve(__dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const VIEWPORT = { width: 1600, height: 900 };

/*
 * Page-side code, as source text: tsx (esbuild with keepNames) would wrap
 * functions handed to page.evaluate in a helper the page does not have.
 */
const FIRST_PAINT = `(({ row, id }) => new Promise((done) => {
  const canvas = document.querySelector('[data-testid="timeline-canvas"]');
  const t0 = performance.now();
  const observer = new MutationObserver(() => {
    const d = canvas.dataset;
    if (d.sessionId !== String(id) || d.state !== 'ready' || d.loading !== '0') return;
    observer.disconnect();
    done({ ms: performance.now() - t0, mode: d.mode || '', cells: Number(d.drawnCells) });
  });
  observer.observe(canvas, { attributes: true, attributeFilter: ['data-frame'] });
  document.querySelector(row).click();
}))`;

const PAN_ZOOM = `((keys) => new Promise((done) => {
  const canvas = document.querySelector('[data-testid="timeline-canvas"]');
  const paint = [];
  const modes = [];
  const observer = new MutationObserver(() => {
    paint.push(Number(canvas.dataset.paintMs));
    modes.push(canvas.dataset.mode || '');
  });
  observer.observe(canvas, { attributes: true, attributeFilter: ['data-frame'] });
  const interval = [];
  let last = -1;
  let i = 0;
  const step = (t) => {
    if (last >= 0) interval.push(t - last);
    last = t;
    if (i < keys.length && keys[i] === 'pause') {
      // Let the answers land (not timed), then go on.
      i++;
      last = -1;
      setTimeout(() => requestAnimationFrame(step), 500);
    } else if (i < keys.length) {
      window.dispatchEvent(new KeyboardEvent('keydown', { key: keys[i++], bubbles: true }));
      requestAnimationFrame(step);
    } else {
      observer.disconnect();
      done({ paint, interval, modes });
    }
  };
  requestAnimationFrame(step);
}))`;

const call = (fn: string, arg: unknown): string => `${fn}(${JSON.stringify(arg)})`;

async function rendererDir(scratch: string): Promise<string | null> {
  const given = process.env.IOPF_RENDERER_DIR ? resolve(process.env.IOPF_RENDERER_DIR) : join(ROOT, 'out/renderer');
  if (existsSync(join(given, 'index.html'))) return given;
  const out = join(scratch, 'build');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build-renderer.mjs'), out], { cwd: ROOT, stdio: 'ignore' });
  return r.status === 0 && existsSync(join(out, 'renderer/index.html')) ? join(out, 'renderer') : null;
}

const p95 = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] ?? NaN;
};

/** Lines to print for the session `sessionId` recorded in `databasePath`. */
export async function measureTimelineInChromium(databasePath: string, sessionId: number): Promise<string[]> {
  if (!existsSync(CHROMIUM)) return [`  timeline in Chromium: skipped (${CHROMIUM} is not installed)`];
  const scratch = await mkdtemp(join(tmpdir(), 'iopf-bench-tl-'));
  const dir = await rendererDir(scratch);
  if (!dir) {
    await rm(scratch, { recursive: true, force: true });
    return ['  timeline in Chromium: skipped (no built renderer and the build failed)'];
  }
  const service = openWorkbench({ databasePath, host: 'web', workspaceDir: join(scratch, 'workspace'), exportsDir: join(scratch, 'exports') });
  const host = await startWebHost({ service, rendererDir: dir, port: 0 });
  const context = await chromium.launchPersistentContext(join(scratch, 'profile'), { executablePath: CHROMIUM, headless: true, viewport: VIEWPORT, args: CHROMIUM_ARGS });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(host.url);
    const row = `[data-testid="session-row"][data-session-id="${sessionId}"]`;
    await page.waitForSelector(row);
    const events = (await service.listSessions()).find((s) => s.id === sessionId)?.eventCount ?? 0;

    const first = (await page.evaluate(call(FIRST_PAINT, { row, id: sessionId }))) as { ms: number; mode: string; cells: number };

    // Zoom in from the whole session to a few hundred events (panning on the way),
    // pan there through raw events, then zoom back out.
    const keys: string[] = [];
    for (let i = 0; i < 32; i++) keys.push('w', 'd');
    keys.push('pause');
    for (let i = 0; i < 48; i++) keys.push('d');
    for (let i = 0; i < 32; i++) keys.push('s', 'a');
    const keyCount = keys.filter((k) => k !== 'pause').length;
    const frames = (await page.evaluate(call(PAN_ZOOM, keys))) as { paint: number[]; interval: number[]; modes: string[] };
    // data-paint-ms is written during the paint, before the scheduler stores that frame's time:
    // each value is the previous frame's, so the first one is dropped.
    const paints = frames.paint.slice(1);
    const raw = frames.modes.filter((m) => m === 'raw').length;
    return [
      `  timeline in Chromium (${events.toLocaleString('en-US')} events, ${VIEWPORT.width}×${VIEWPORT.height}): first paint of the session ${first.ms.toFixed(0)} ms, ${first.mode} mode, ${first.cells} cells (goal < 1000 ms)`,
      `  timeline pan + zoom (${keyCount} keys, one per animation frame; ${raw} of ${frames.modes.length} painted frames drew raw events, the rest bucket cells): paint p95 ${p95(paints).toFixed(1)} ms, max ${Math.max(...paints).toFixed(1)} ms (goal < 16 ms); interval between animation frames p95 ${p95(frames.interval).toFixed(1)} ms (16.7 ms = every vsync)`,
    ];
  } finally {
    await context.close().catch(() => undefined);
    await host.close().catch(() => undefined);
    service.dispose();
    await rm(scratch, { recursive: true, force: true });
  }
}
