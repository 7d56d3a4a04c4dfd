/**
 * End to end: the whole window at a laptop's 1280×720, in the dark and in the
 * light theme. Every centre view opens without page errors while the panels
 * around it stay visible, inside the window and apart; the run bar's and the
 * timeline bar's controls stay whole; the right column scrolls; `?` lists
 * every binding of the keymap over any view and Escape closes it; the status
 * bar keeps its height while jobs come and go and shows one finished outcome.
 *
 * Recorded in `prepare`: #1 happy-path seed 1, #2 prq-overflow-vtd seed 1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startWorkbench, type Workbench } from './harness';

const VIEWPORT = { width: 1280, height: 720 };

/** Each centre view and an element it shows once open. */
const VIEWS = [
  { tab: 'editor', shows: '[data-testid="scenario-editor"]' },
  { tab: 'timeline', shows: '[data-testid="timeline-canvas"]' },
  { tab: 'stats', shows: '[data-testid="stats-view"]' },
  { tab: 'diff', shows: '[data-testid="diff-view"]' },
] as const;

/** The panels around the centre, which every view leaves in place. */
const FRAME = ['run-bar', 'session-list', 'scenario-files', 'inspector', 'state-panel', 'player-bar', 'status-bar'] as const;

/** The keymap's binding ids, read from its source (it names DOM types this Node-compiled file cannot load). */
const KEYMAP_IDS = [...readFileSync(join(ROOT, 'src/renderer/src/keyboard/keymap.ts'), 'utf8').matchAll(/\{ id: '([a-z]+\.[A-Za-z]+)'/g)].map((m) => m[1]!);

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const testid = (id: string): string => `[data-testid="${id}"]`;

async function boxOf(page: Page, selector: string): Promise<Box> {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`${selector} is not displayed`);
  return box;
}

/** Overlap of two boxes in px² (sub-pixel borders shared by neighbours do not count). */
function overlapArea(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 1 && h > 1 ? w * h : 0;
}

function insideWindow(b: Box): boolean {
  return b.x >= 0 && b.y >= 0 && b.x + b.width <= VIEWPORT.width + 0.5 && b.y + b.height <= VIEWPORT.height + 0.5;
}

/** True when `inner` lies within `outer` (half a pixel of rounding allowed). */
function within(inner: Box, outer: Box): boolean {
  return inner.x >= outer.x - 0.5 && inner.y >= outer.y - 0.5 && inner.x + inner.width <= outer.x + outer.width + 0.5 && inner.y + inner.height <= outer.y + outer.height + 0.5;
}

for (const theme of ['dark', 'light'] as const) {
  describe(`the window at 1280×720 in the ${theme} theme`, () => {
    let wb: Workbench;
    const ids: number[] = [];
    const shot = (name: string): Promise<string> => wb.screenshot(`window-${theme}-${name}`);

    beforeAll(async () => {
      wb = await startWorkbench({
        viewport: VIEWPORT,
        colorScheme: theme,
        prepare: async (service) => {
          for (const r of [
            { scenarioId: 'happy-path', seed: 1 },
            { scenarioId: 'prq-overflow-vtd', seed: 1 },
          ]) {
            const result = await service.runScenario(r);
            if (result.sessionId === null) throw new Error(`${r.scenarioId} recorded nothing: ${result.error}`);
            ids.push(result.sessionId);
          }
        },
      });
      const { page } = wb;
      await page.waitForSelector(`${testid('session-row')}[data-session-id="${ids[1]}"]`);
      await page.click(`${testid('session-row')}[data-session-id="${ids[1]}"]`);
      await page.waitForSelector(`${testid('session-row')}[aria-selected="true"][data-session-id="${ids[1]}"]`);
    });

    afterEach(async (ctx) => {
      if (ctx.task.result?.state === 'fail') await shot(`failed-${ctx.task.name.slice(0, 24).replace(/\W+/g, '-')}`);
    });

    afterAll(async () => {
      await wb?.close();
    });

    it('follows the colour scheme', async () => {
      expect(await wb.page.getAttribute('html', 'data-theme')).toBe(theme);
    });

    for (const view of VIEWS) {
      it(`opens the ${view.tab} view with every panel around it visible, inside the window and apart`, async () => {
        const { page } = wb;
        await page.click(testid(`tab-${view.tab}`));
        await page.waitForSelector(view.shows, { state: 'visible' });
        await page.waitForTimeout(300); // Let the view lay out and paint before measuring.
        const centre = await boxOf(page, view.shows);
        expect(centre.width).toBeGreaterThan(300);
        expect(centre.height).toBeGreaterThan(300);
        const boxes: [string, Box][] = [[`${view.tab} view`, centre]];
        for (const id of FRAME) boxes.push([id, await boxOf(page, testid(id))]);
        for (const [name, b] of boxes) expect(insideWindow(b), `${name} ${JSON.stringify(b)}`).toBe(true);
        const overlaps: string[] = [];
        for (let i = 0; i < boxes.length; i++)
          for (let j = i + 1; j < boxes.length; j++) if (overlapArea(boxes[i]![1], boxes[j]![1]) > 0) overlaps.push(`${boxes[i]![0]} × ${boxes[j]![0]}`);
        expect(overlaps).toEqual([]);
        if (view.tab === 'stats') {
          // The histogram's bars are drawn in the theme's colours, not lost in its background.
          const filledBar = 'rect.bar:not([height="0"])';
          await page.waitForSelector(`${testid('stats-histogram')} ${filledBar}`);
          const colours = await page.$eval(
            testid('stats-view'),
            (el, selector) => {
              const w = globalThis as unknown as { getComputedStyle(e: unknown): { fill: string; backgroundColor: string } };
              const bar = (el as unknown as { querySelector(s: string): unknown }).querySelector(selector);
              return { bar: w.getComputedStyle(bar).fill, background: w.getComputedStyle(el).backgroundColor };
            },
            filledBar,
          );
          expect(colours.bar).toMatch(/^rgb/);
          expect(colours.bar).not.toBe(colours.background);
          // The percentile tables fit the centre column: the view never scrolls sideways, no table sticks out.
          await page.waitForSelector(`${testid('stats-by-pasid')} ${testid('stats-row')}`);
          const overflow = await page.$eval(testid('stats-view'), (el) => {
            const e = el as unknown as { scrollWidth: number; clientWidth: number; getBoundingClientRect(): { right: number }; querySelectorAll(s: string): ArrayLike<{ getBoundingClientRect(): { right: number } }> };
            const right = e.getBoundingClientRect().right;
            return { scrollWidth: e.scrollWidth, clientWidth: e.clientWidth, tablesOut: Array.from(e.querySelectorAll('table')).filter((t) => t.getBoundingClientRect().right > right + 0.5).length };
          });
          expect(overflow.scrollWidth, JSON.stringify(overflow)).toBeLessThanOrEqual(overflow.clientWidth);
          expect(overflow.tablesOut).toBe(0);
          // The mean left its column for each latency's tooltip.
          expect(await page.getAttribute(`${testid('stats-by-device')} ${testid('stats-row')} [data-stat="p50"]`, 'title')).toMatch(/^p50 .+; mean queued → response .+/);
        }
        if (view.tab === 'diff') {
          // Every column of the comparison fits the centre: no horizontal scrolling to read a change.
          await page.waitForSelector(`${testid('diff-row')}`);
          const heads = page.locator(`${testid('diff-view')} .col-head`);
          const last = await heads.nth((await heads.count()) - 1).boundingBox();
          expect(last!.x + last!.width).toBeLessThanOrEqual(centre.x + centre.width);
        }
        await shot(view.tab);
      });
    }

    it('keeps every run bar control whole, left of the theme button; the example picker reads Examples…', async () => {
      const { page } = wb;
      const bar = await boxOf(page, testid('run-bar'));
      const theme = await boxOf(page, testid('theme-toggle'));
      for (const id of ['document-name', 'save-button', 'save-as-button', 'scenario-picker', 'profile-picker', 'vendor-picker', 'seed-input', 'run-button', 'stop-button']) {
        const b = await boxOf(page, testid(id));
        expect(within(b, bar), id).toBe(true);
        expect(b.x + b.width, id).toBeLessThanOrEqual(theme.x);
      }
      // A long example title no longer shows cut short in the picker.
      expect(await page.$eval(testid('scenario-picker'), (s) => (s as unknown as { selectedOptions: { text: string }[] }).selectedOptions[0]!.text)).toBe('Examples…');
    });

    it("keeps the selected session's toolbar on one line of named icon buttons inside the list", async () => {
      const { page } = wb;
      const list = await boxOf(page, testid('session-list'));
      const buttons = page.locator(`${testid('session-toolbar')} button`);
      expect(await buttons.count()).toBe(6);
      const tops = new Set<number>();
      for (let i = 0; i < 6; i++) {
        const b = (await buttons.nth(i).boundingBox())!;
        tops.add(Math.round(b.y));
        expect(within(b, list), `button ${i}`).toBe(true);
        expect(await buttons.nth(i).getAttribute('aria-label')).toMatch(/\w/);
        expect(await buttons.nth(i).getAttribute('title')).toMatch(/\w/);
      }
      expect([...tops]).toHaveLength(1);
      expect(await page.getAttribute(testid('session-action-delete'), 'aria-label')).toBe('Delete');
    });

    it('draws selects and text inputs as fields, not as buttons', async () => {
      const { page } = wb;
      await page.click(testid('tab-diff'));
      await page.waitForSelector(testid('diff-pick-a'), { state: 'visible' });
      const look = (selector: string): Promise<{ background: string; border: string }> =>
        page.$eval(selector, (el) => {
          const s = (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string; borderTopColor: string } }).getComputedStyle(el);
          return { background: s.backgroundColor, border: s.borderTopColor };
        });
      const button = await look(testid('save-button'));
      const profile = await look(testid('profile-picker'));
      const diffPick = await look(testid('diff-pick-a'));
      expect(profile.background).not.toBe(button.background);
      expect(profile.border).not.toBe(button.border);
      // One field style wherever a select sits.
      expect(diffPick).toEqual(profile);
      await shot('fields');
    });

    it('keeps the timeline bar whole: search, filter and help sit inside the view', async () => {
      const { page } = wb;
      await page.click(testid('tab-timeline'));
      await page.waitForSelector(testid('timeline-canvas'), { state: 'visible' });
      const view = await boxOf(page, testid('timeline-canvas'));
      expect(view.width).toBeGreaterThan(300);
      for (const id of ['timeline-search', 'timeline-filter', 'timeline-help-button']) {
        const b = await boxOf(page, testid(id));
        expect(b.x + b.width, id).toBeLessThanOrEqual(view.x + view.width);
        expect(b.width, id).toBeGreaterThan(10);
      }
      expect((await boxOf(page, testid('timeline-search'))).width).toBeGreaterThanOrEqual(140);
    });

    it('scrolls the right column: the state panel holds more than it shows', async () => {
      const { page } = wb;
      await page.click(testid('tab-timeline'));
      await page.click(testid('player-end'));
      await page.waitForSelector(`${testid('inspector')}:not([data-seq=""])`);
      await page.waitForSelector(testid('state-totals'));
      for (const id of ['inspector', 'state-panel']) {
        const scroll = await page.$eval(testid(id), (el) => {
          const e = el as unknown as { scrollTop: number; scrollHeight: number; clientHeight: number };
          e.scrollTop = e.scrollHeight;
          return { top: e.scrollTop, height: e.scrollHeight, client: e.clientHeight };
        });
        // Content taller than the panel can be scrolled to; content that fits needs no scrolling.
        if (scroll.height > scroll.client + 1) expect(scroll.top, id).toBeGreaterThan(0);
        if (id === 'state-panel') expect(scroll.height, 'the state at the last event is taller than half the column').toBeGreaterThan(scroll.client);
      }
      await shot('right-column');
    });

    it('lists every key of the keymap with ? over any view, and Escape closes the list', async () => {
      const { page } = wb;
      expect(KEYMAP_IDS.length).toBeGreaterThan(20);
      for (const tab of ['stats', 'editor'] as const) {
        await page.click(testid(`tab-${tab}`));
        await page.keyboard.press('?');
        const help = await boxOf(page, testid('keyboard-help'));
        expect(help.width, tab).toBeGreaterThan(300);
        const listed = await page.$$eval(`${testid('keyboard-help')} [data-binding]`, (rows) => rows.map((r) => (r as unknown as { dataset: { binding: string } }).dataset.binding));
        expect(listed.slice().sort()).toEqual(KEYMAP_IDS.slice().sort());
        if (tab === 'stats') await shot('help');
        await page.keyboard.press('Escape');
        await page.waitForSelector(testid('keyboard-help'), { state: 'detached' });
      }
    });

    it('keeps the status bar one line high while jobs run, and shows only the latest outcome', async () => {
      const { page } = wb;
      const before = await boxOf(page, testid('status-bar'));
      const playerBefore = await boxOf(page, testid('player-bar'));
      const rows = page.locator(testid('session-row'));
      const count = await rows.count();
      await page.click(testid('run-button'));
      await expect.poll(() => rows.count()).toBe(count + 1);
      await page.click(testid('session-action-verify'));
      await page.waitForSelector(testid('verify-identical'));
      const jobs = await page.$$eval(testid('job-status'), (els) =>
        els.map((e) => (e as unknown as { dataset: { jobKind: string; finished: string } }).dataset).map((d) => `${d.jobKind}:${d.finished}`),
      );
      expect(jobs).toEqual(['verify:true']);
      const after = await boxOf(page, testid('status-bar'));
      expect(after.height).toBe(before.height);
      expect((await boxOf(page, testid('player-bar'))).y).toBe(playerBefore.y);
      await shot('status-after-jobs');
      await page.keyboard.press('Escape');
      await page.waitForSelector(testid('verify-dialog'), { state: 'detached' });
    });

    it('shows the export dialog inside the window', async () => {
      const { page } = wb;
      await page.click(testid('session-action-export'));
      const dialog = await boxOf(page, testid('export-dialog'));
      expect(insideWindow(dialog)).toBe(true);
      await shot('export-dialog');
      await page.keyboard.press('Escape');
      await page.waitForSelector(testid('export-dialog'), { state: 'detached' });
    });

    it('raised no page errors or CSP violations', () => {
      expect(wb.pageErrors).toEqual([]);
    });
  });
}

describe('the window on an empty database at 1280×720', () => {
  let wb: Workbench;

  beforeAll(async () => {
    wb = await startWorkbench({ viewport: VIEWPORT, colorScheme: 'light' });
    await wb.page.waitForSelector(testid('session-list'));
  });

  afterAll(async () => {
    await wb?.close();
  });

  it('says what to do in every view instead of showing errors', async () => {
    const { page } = wb;
    await expect.poll(() => page.textContent(testid('session-list'))).toMatch(/No sessions yet/);
    await page.click(testid('tab-stats'));
    expect(await page.textContent(testid('stats-view'))).toMatch(/Select a session/);
    await page.click(testid('tab-diff'));
    // Fewer than two sessions is a starting point, not a failure: a hint, and nothing to press.
    await page.waitForSelector(testid('diff-empty'));
    expect(await page.$(testid('diff-error'))).toBeNull();
    expect(await page.isDisabled(testid('diff-compare'))).toBe(true);
    await wb.screenshot('window-empty-diff');
    await page.click(testid('tab-timeline'));
    expect(await page.textContent(testid('inspector'))).toMatch(/Select an event/);
    await wb.screenshot('window-empty-timeline');
  });

  it('raised no page errors or CSP violations', () => {
    expect(wb.pageErrors).toEqual([]);
  });
});
