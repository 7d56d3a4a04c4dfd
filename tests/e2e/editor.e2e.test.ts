/**
 * End to end: the scenario editor and the run bar in headless Chromium
 * against the web host and the real service. Monaco's type errors and the
 * run's diagnostics are read from the markers the editor mirrors into
 * data-markers (from monaco.editor.getModelMarkers) and from Monaco's own
 * squiggle decorations; runs are followed through the run bar's progress
 * element and the timeline canvas's report of what it drew.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startWorkbench, type Workbench } from './harness';

const EDITOR = '[data-testid="scenario-editor"]';
const CANVAS = '[data-testid="timeline-canvas"]';
const OWNER_TS = 'typescript';
const OWNER_RUN = 'iopf-run';
const SEVERITY_ERROR = 8;

/*
 * Page-side callbacks run in Chromium, but this file is compiled with the
 * Node tsconfig (no DOM lib): these name just what the callbacks touch.
 */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly textContent: string | null;
}
declare const document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): { length: number } };
declare class MutationObserver {
  constructor(cb: () => void);
  observe(target: unknown, options: { subtree: boolean; childList: boolean; attributes: boolean }): void;
}

interface Marker {
  readonly owner: string;
  readonly severity: number;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** The workspace file of test 3: the workload throws on THROW_LINE. */
const THROWING_FILE = 'throws-on-purpose.ts';
const THROWING_SOURCE = `import { scenario, vmmSetup, mapThenSuccess } from 'iopf';

export default scenario({
  name: 'throws-on-purpose',
  topology: { iommu: { vendor: 'vtd' }, devices: [{ name: '0000:03:00.0', pri: { capacity: 32 } }] },
  setup: () => vmmSetup({ pasids: [1] }),
  policy: mapThenSuccess(),
  async workload() {
    throw new Error('thrown on purpose');
  },
});
`;
const THROW_LINE = THROWING_SOURCE.split('\n').findIndex((l) => l.includes('throw new Error')) + 1;

const HAPPY_PATH_SOURCE = readFileSync(join(ROOT, 'resources/scenarios/happy-path.ts'), 'utf8');
/** `seed: 1,` — a number field of scenario(); test 1 puts a string there. */
const SEED_LINE = HAPPY_PATH_SOURCE.split('\n').findIndex((l) => /^\s*seed: \d+,\s*$/.test(l)) + 1;

async function markers(page: Page): Promise<Marker[]> {
  return JSON.parse((await page.getAttribute(EDITOR, 'data-markers')) ?? '[]') as Marker[];
}

/** Opens a file from the sidebar and waits until the editor shows it. */
async function openFromSidebar(page: Page, selector: string, fileName: string): Promise<void> {
  await page.click(selector);
  await page.waitForFunction(
    ({ sel, name }) => {
      const d = document.querySelector(sel)?.dataset;
      return d?.state === 'ready' && d.document === name;
    },
    { sel: EDITOR, name: fileName },
  );
  await page.locator(`${EDITOR} .view-lines`).waitFor();
}

/** Puts the cursor on `line` (1-based) of the focused Monaco editor. */
async function gotoLine(page: Page, line: number): Promise<void> {
  await page.click(`${EDITOR} .view-lines`);
  await page.keyboard.press('Control+Home');
  for (let i = 1; i < line; i++) await page.keyboard.press('ArrowDown');
}

/** The editor's visible text (Monaco renders lines as spans; non-breaking spaces become spaces). */
async function visibleText(page: Page): Promise<string> {
  return ((await page.locator(`${EDITOR} .view-lines`).textContent()) ?? '').replace(/\u00a0/g, ' ');
}

/** Starts recording whether the run bar's progress element appears (and its largest reported progress). */
async function watchProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen = { appeared: false, maxDone: 0, phases: [] as string[] };
    (globalThis as unknown as { __runProgressSeen: typeof seen }).__runProgressSeen = seen;
    const check = (): void => {
      const el = document.querySelector('[data-testid="run-progress"]');
      if (!el) return;
      seen.appeared = true;
      seen.maxDone = Math.max(seen.maxDone, Number(el.dataset.done ?? 0));
      const phase = el.dataset.phase ?? '';
      if (phase !== '' && !seen.phases.includes(phase)) seen.phases.push(phase);
    };
    new MutationObserver(check).observe(document.querySelector('[data-testid="run-bar"]'), { subtree: true, childList: true, attributes: true });
  });
}

async function progressSeen(page: Page): Promise<{ appeared: boolean; maxDone: number; phases: string[] }> {
  return page.evaluate(() => (globalThis as unknown as { __runProgressSeen: { appeared: boolean; maxDone: number; phases: string[] } }).__runProgressSeen);
}

describe('scenario editor in headless Chromium', () => {
  let wb: Workbench;
  let page: Page;

  beforeAll(async () => {
    wb = await startWorkbench({
      prepare: async (service) => {
        await service.writeScenarioFile({ fileName: THROWING_FILE, text: THROWING_SOURCE });
      },
    });
    page = wb.page;
    expect(SEED_LINE).toBeGreaterThan(1);
    expect(THROW_LINE).toBeGreaterThan(1);
  });

  afterAll(async () => {
    await wb?.close();
  });

  it('shows a type error as a marker on the line where it was typed', async () => {
    await openFromSidebar(page, '[data-testid="example-file"][data-id="happy-path"]', 'happy-path.ts');
    expect(await page.getAttribute('[data-testid="tab-editor"]', 'aria-selected')).toBe('true');
    // The example type-checks against the scenario typings: `import … from 'iopf'` resolves, no errors.
    await page.waitForTimeout(1500);
    expect((await markers(page)).filter((m) => m.owner === OWNER_TS)).toEqual([]);

    // `seed: 1,` → `seed: 'one',` (Monaco closes the quote it opens and types over it).
    await gotoLine(page, SEED_LINE);
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Backspace');
    await page.keyboard.type("'one'");
    expect(await page.getAttribute('[data-testid="document-name"]', 'data-dirty')).toBe('true');

    await expect
      .poll(async () => (await markers(page)).filter((m) => m.owner === OWNER_TS && m.severity === SEVERITY_ERROR).map((m) => m.line), { timeout: 20_000 })
      .toEqual([SEED_LINE]);
    const [marker] = (await markers(page)).filter((m) => m.owner === OWNER_TS);
    expect(marker!.message).toMatch(/string.*not assignable.*number/i);
    // Monaco draws it: a squiggle decoration and the run bar's count.
    await page.locator(`${EDITOR} .squiggly-error`).first().waitFor();
    expect(await page.textContent('[data-testid="type-error-count"]')).toContain('1');
    await wb.screenshot('editor-1-type-error');

    // Undo puts the text back: the marker goes and the document is clean again.
    for (let i = 0; i < 8 && (await page.getAttribute('[data-testid="document-name"]', 'data-dirty')) === 'true'; i++) await page.keyboard.press('Control+z');
    await expect.poll(async () => (await markers(page)).filter((m) => m.owner === OWNER_TS).length, { timeout: 20_000 }).toBe(0);
    expect(await page.getAttribute('[data-testid="document-name"]', 'data-dirty')).toBe('false');
  });

  it('runs the open scenario with a progress bar, then shows its faults on the timeline', async () => {
    await openFromSidebar(page, '[data-testid="example-file"][data-id="happy-path"]', 'happy-path.ts');
    const before = new Set((await wb.service.listSessions()).map((s) => s.id));
    // The run bar's choices override the scenario's own (happy-path: seed 1, upstream, vtd).
    await page.selectOption('[data-testid="profile-picker"]', { label: 'kernel v4' });
    await page.selectOption('[data-testid="vendor-picker"]', { label: 'iommu amd' });
    await page.fill('[data-testid="seed-input"]', '7');
    await watchProgress(page);
    await page.click('[data-testid="run-button"]');

    // A clean run switches to the timeline and selects the new session.
    await expect
      .poll(async () => (await wb.service.listSessions()).filter((s) => !before.has(s.id)).map((s) => s.status), { timeout: 30_000 })
      .toEqual(['complete']);
    const session = (await wb.service.listSessions()).find((s) => !before.has(s.id))!;
    expect(session.eventCount).toBeGreaterThan(0);
    expect({ seed: session.seed, kernelProfile: session.kernelProfile, vendor: session.vendor }).toEqual({ seed: 7, kernelProfile: 'v4', vendor: 'amd' });
    await page.waitForFunction(
      ({ sel, id }) => {
        const d = document.querySelector(sel)?.dataset;
        return d?.state === 'ready' && d.sessionId === String(id);
      },
      { sel: CANVAS, id: session.id },
      { timeout: 30_000 },
    );
    expect(await page.getAttribute('[data-testid="tab-timeline"]', 'aria-selected')).toBe('true');
    expect(await page.getAttribute(`[data-testid="session-row"][data-session-id="${session.id}"]`, 'aria-selected')).toBe('true');

    const seen = await progressSeen(page);
    expect(seen.appeared).toBe(true);
    // The host's progress messages for this job reached the bar (it names their phases).
    expect(seen.phases.length).toBeGreaterThan(0);
    // The progress element is gone once the run finished.
    expect(await page.locator('[data-testid="run-progress"]').count()).toBe(0);

    // Every recorded event is drawn, the fault path's among them.
    const faults = (await wb.service.getEvents({ sessionId: session.id, fromSeq: 0, limit: 100_000 })).events.filter((e) =>
      ['PR_SEND', 'FAULT_QUEUED', 'FAULT_READ', 'PAGE_RESPONSE'].includes(e.kind),
    );
    expect(faults.length).toBeGreaterThan(0);
    await expect.poll(async () => Number(await page.getAttribute(CANVAS, 'data-drawn-events'))).toBe(session.eventCount);
    await wb.screenshot('editor-2-run-to-timeline');
  });

  it('marks the line a scenario threw on and keeps the editor in view', async () => {
    await page.click('[data-testid="tab-editor"]');
    await openFromSidebar(page, `[data-testid="workspace-file"][data-name="${THROWING_FILE}"]`, THROWING_FILE);
    await page.click('[data-testid="run-button"]');

    await expect
      .poll(async () => (await markers(page)).filter((m) => m.owner === OWNER_RUN).map((m) => m.line), { timeout: 30_000 })
      .toEqual([THROW_LINE]);
    const [marker] = (await markers(page)).filter((m) => m.owner === OWNER_RUN);
    expect(marker!.severity).toBe(SEVERITY_ERROR);
    expect(marker!.message).toContain('thrown on purpose');
    expect(await page.textContent('[data-testid="run-error"]')).toContain('thrown on purpose');
    expect(await page.getAttribute('[data-testid="tab-editor"]', 'aria-selected')).toBe('true');
    expect(await page.getAttribute(`[data-testid="run-problem"][data-line="${THROW_LINE}"]`, 'data-line')).toBe(String(THROW_LINE));
    await wb.screenshot('editor-3-runtime-error-marker');

    // The problem list under the editor reveals its line (through layout-store's reveal request).
    expect(await page.getAttribute(EDITOR, 'data-revealed-line')).toBe('');
    await page.click(`[data-testid="run-problem"][data-line="${THROW_LINE}"]`);
    await expect.poll(() => page.getAttribute(EDITOR, 'data-revealed-line')).toBe(String(THROW_LINE));

    // Editing that line clears its run marker.
    await gotoLine(page, THROW_LINE);
    await page.keyboard.press('End');
    await page.keyboard.type(' // edited');
    await expect.poll(async () => (await markers(page)).filter((m) => m.owner === OWNER_RUN).length).toBe(0);
  });

  it('saves an example under a new name and reopens it from the workspace list', async () => {
    // The throwing file has an unsaved edit: opening another document asks first.
    page.once('dialog', (d) => void d.accept());
    await openFromSidebar(page, '[data-testid="example-file"][data-id="happy-path"]', 'happy-path.ts');
    await gotoLine(page, 1);
    await page.keyboard.press('Home');
    await page.keyboard.type('// saved from the editor\n');
    await page.keyboard.press('Control+s'); // an example has no workspace file: Save asks for a name
    await page.locator('[data-testid="save-as-dialog"]').waitFor();

    await page.fill('[data-testid="save-as-name"]', 'bad name!');
    expect(await page.textContent('[data-testid="save-as-error"]')).toMatch(/letters, digits/);
    expect(await page.isDisabled('[data-testid="save-as-confirm"]')).toBe(true);
    await page.fill('[data-testid="save-as-name"]', 'my-policy');
    await wb.screenshot('editor-4a-save-as-prompt');
    await page.click('[data-testid="save-as-confirm"]');
    await page.locator('[data-testid="save-as-dialog"]').waitFor({ state: 'detached' });

    expect(await page.textContent('[data-testid="document-name"]')).toContain('my-policy.ts');
    expect(await page.getAttribute('[data-testid="document-name"]', 'data-dirty')).toBe('false');
    expect(await page.getAttribute('[data-testid="document-name"]', 'data-origin')).toBe('workspace');
    const saved = await wb.service.readScenarioFile('my-policy.ts');
    expect(saved.text).toBe(`// saved from the editor\n${HAPPY_PATH_SOURCE}`);

    // Away to another document, then back through the workspace list.
    // (a declarative example: JSON, with Monaco's JSON worker)
    await openFromSidebar(page, '[data-testid="example-file"][data-id="declarative-happy-path"]', 'declarative-happy-path.json');
    expect(await page.getAttribute(EDITOR, 'data-language')).toBe('json');
    expect(await visibleText(page)).not.toContain('saved from the editor');
    await openFromSidebar(page, '[data-testid="workspace-file"][data-name="my-policy.ts"]', 'my-policy.ts');
    expect(await visibleText(page)).toContain('// saved from the editor');
    expect(await page.getAttribute('[data-testid="document-name"]', 'data-dirty')).toBe('false');
    expect(await page.getAttribute('[data-testid="recent-file"][data-kind="workspace"]', 'data-name')).toBe('my-policy.ts');
    await wb.screenshot('editor-4b-reopened-from-workspace');
  });

  it("reveals an event's scenario line, opening the session's scenario when another document is open", async () => {
    // The editor shows my-policy.ts (test 4), whose text is not the recorded happy-path.
    expect(await page.getAttribute(EDITOR, 'data-document')).toBe('my-policy.ts');
    const run = await wb.service.runScenario({ scenarioId: 'happy-path' });
    const sessionId = run.sessionId!;
    const withLine = (await wb.service.getEvents({ sessionId, fromSeq: 0, limit: 100_000 })).events.find((e) => e.line !== null && e.line > 1);
    expect(withLine).toBeDefined();
    const line = withLine!.line!;

    await page.click(`[data-testid="session-row"][data-session-id="${sessionId}"]`);
    await page.fill('[data-testid="player-seek-input"]', `#${withLine!.seq}`);
    await page.click('[data-testid="player-seek"]');
    await page.waitForSelector(`[data-testid="inspector-line-link"][data-line="${line}"]`);
    await page.click('[data-testid="inspector-line-link"]');

    await expect.poll(() => page.getAttribute(EDITOR, 'data-revealed-line')).toBe(String(line));
    expect(await page.getAttribute(EDITOR, 'data-document')).toBe('happy-path.ts');
    expect(await page.getAttribute('[data-testid="document-name"]', 'data-origin')).toBe('session');
    expect(await page.textContent('[data-testid="session-scenario-banner"]')).toContain(`session ${sessionId}`);
    expect(await page.getAttribute('[data-testid="tab-editor"]', 'aria-selected')).toBe('true');
    // The revealed line is in view and flashed.
    await page.locator(`${EDITOR} .iopf-revealed-line`).first().waitFor();
    await wb.screenshot('editor-6-revealed-session-line');
  });

  it('follows the theme: vs-dark in dark, vs in light', async () => {
    expect(await page.locator(`${EDITOR} .monaco-editor.vs-dark`).count()).toBe(1);
    await page.emulateMedia({ colorScheme: 'light' });
    try {
      await page.locator(`${EDITOR} .monaco-editor.vs`).waitFor();
      expect(await page.locator(`${EDITOR} .monaco-editor.vs-dark`).count()).toBe(0);
      await page.waitForTimeout(300); // token colours repaint a frame after the theme class changes
      await wb.screenshot('editor-5-light-theme');
    } finally {
      await page.emulateMedia({ colorScheme: 'dark' });
    }
  });

  it('raised no page errors or CSP violations', () => {
    expect(wb.pageErrors).toEqual([]);
  });
});
