/**
 * The end-to-end rig: a fresh database with the real WorkbenchService, the
 * local web host serving the built renderer, and Debian's headless Chromium
 * driven by playwright-core. Every e2e file starts one with startWorkbench()
 * and closes it in afterAll.
 *
 * The renderer comes from out/renderer (`npx electron-vite build`), or from
 * IOPF_RENDERER_DIR when set (scripts/build-renderer.mjs builds elsewhere).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { openWorkbench, type OpenWorkbenchOptions } from '../../src/node/service/open-workbench';
import type { WorkbenchService } from '../../src/node/service/workbench-service';
import { startWebHost, type WebHost } from '../../src/node/webhost/web-host';

export const ROOT = resolve(__dirname, '../..');
export const RENDERER_DIR = process.env.IOPF_RENDERER_DIR ? resolve(process.env.IOPF_RENDERER_DIR) : join(ROOT, 'out/renderer');
export const RESULTS_DIR = join(ROOT, 'test-results');
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface Workbench {
  /** Scratch directory holding the database and the browser profile; removed by close(). */
  readonly dir: string;
  readonly databasePath: string;
  readonly service: WorkbenchService;
  readonly host: WebHost;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Page errors, failed loads and CSP violations seen so far (console errors). */
  readonly pageErrors: string[];
  /** Saves a PNG of the page as test-results/<name>.png. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Runs before the page loads: record sessions, write files… */
  readonly prepare?: (service: WorkbenchService, dir: string) => Promise<void> | void;
  readonly viewport?: { width: number; height: number };
  readonly colorScheme?: 'dark' | 'light';
  /** Passed through to openWorkbench (everything but the database path and host). */
  readonly workbench?: Partial<Omit<OpenWorkbenchOptions, 'databasePath' | 'host'>>;
}

export async function startWorkbench(options: StartOptions = {}): Promise<Workbench> {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    throw new Error(`${RENDERER_DIR}/index.html is missing: run \`npx electron-vite build\` (or scripts/build-renderer.mjs with IOPF_RENDERER_DIR) first`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'iopf-e2e-'));
  const databasePath = join(dir, 'workbench.db');
  const service = openWorkbench({ ...options.workbench, databasePath, host: 'web' });
  await options.prepare?.(service, dir);
  const host = await startWebHost({ service, rendererDir: RENDERER_DIR, port: 0 });
  await mkdir(RESULTS_DIR, { recursive: true });
  const context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: options.viewport ?? { width: 1400, height: 820 },
    colorScheme: options.colorScheme ?? 'dark',
    args: CHROMIUM_ARGS,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
  });
  await page.goto(host.url);
  return {
    dir,
    databasePath,
    service,
    host,
    context,
    page,
    pageErrors,
    async screenshot(name: string): Promise<string> {
      const path = join(RESULTS_DIR, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    async close(): Promise<void> {
      await context.close().catch(() => undefined);
      await host.close().catch(() => undefined);
      service.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
