/**
 * End to end: session management, trace files, replay-verify, diff and
 * statistics in headless Chromium against the web host and the real service.
 * Sessions are recorded in `prepare`; what the page shows is compared with
 * what the service answers for the same sessions, never with numbers written
 * into the test.
 *
 * Covered: export and import (file input and drop), notes, refused files,
 * rename, delete, verify with and without the trust prompt, diff, statistics.
 *
 * Recorded: #1 happy-path seed 1, #2 happy-path seed 2 on v4, #3 PRQ overflow
 * (VT-d) seed 1, #4 the same on v4 with seed 7 (its responses differ), #5
 * happy-path seed 3 (deleted by a test). Imports get the next ids.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../../src/shared/events';
import type { WorkbenchService } from '../../src/node/service/workbench-service';
import { startWorkbench, type Workbench } from './harness';

const sessionRow = (id: number): string => `[data-testid="session-row"][data-session-id="${id}"]`;
const INSPECTOR = '[data-testid="inspector"]';

/*
 * Page-side callbacks run in Chromium, but this file is compiled with the
 * Node tsconfig (no DOM lib): these name just what the callbacks touch.
 */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
}
declare const document: { querySelector(selector: string): PageElement | null };

/** Every event of a session, through the same API the window uses. */
async function allEvents(service: WorkbenchService, sessionId: number): Promise<EventRow[]> {
  const out: EventRow[] = [];
  for (let fromSeq = 0; ; ) {
    const w = await service.getEvents({ sessionId, fromSeq, limit: 10_000 });
    out.push(...w.events);
    if (!w.more || w.events.length === 0) return out;
    fromSeq = w.events[w.events.length - 1]!.seq + 1;
  }
}

async function select(page: Page, id: number): Promise<void> {
  await page.click(sessionRow(id));
  await page.waitForSelector(`${sessionRow(id)}[aria-selected="true"]`);
}

/** Waits until the inspector shows event `seq` (the timeline's selection). */
async function inspectorAt(page: Page, seq: number): Promise<void> {
  await page.waitForFunction(({ sel, seq }) => document.querySelector(sel)?.dataset.seq === String(seq), { sel: INSPECTOR, seq });
}

describe('sessions, trace files, replay-verify and diff in headless Chromium', () => {
  let wb: Workbench;
  const ids: number[] = [];
  /** The .iopftrace the first test downloads. */
  let exportedPath = '';

  beforeAll(async () => {
    wb = await startWorkbench({
      viewport: { width: 1500, height: 900 },
      prepare: async (service) => {
        const runs = [
          { scenarioId: 'happy-path', seed: 1 },
          { scenarioId: 'happy-path', seed: 2, kernelProfile: 'v4' as const },
          { scenarioId: 'prq-overflow-vtd', seed: 1 },
          { scenarioId: 'prq-overflow-vtd', seed: 7, kernelProfile: 'v4' as const },
          { scenarioId: 'happy-path', seed: 3 },
        ];
        for (const r of runs) {
          const result = await service.runScenario(r);
          if (result.sessionId === null) throw new Error(`${r.scenarioId} recorded nothing: ${result.error}`);
          ids.push(result.sessionId);
        }
      },
    });
    await wb.page.waitForSelector(sessionRow(ids[4]!));
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await wb.screenshot(`sessions-failed-${ctx.task.name.slice(0, 20).replace(/\W+/g, '-')}`);
  });

  afterAll(async () => {
    await wb?.close();
  });

  it('exports a session as .iopftrace, imports the file back through the file input, and gets the same events', async () => {
    const { page, service } = wb;
    const original = ids[0]!;
    await select(page, original);
    await page.click('[data-testid="session-action-export"]');
    await page.waitForSelector('[data-testid="export-dialog"]');
    await page.check('[data-testid="export-format-iopftrace"]');
    await page.click('[data-testid="export-start"]');
    await page.waitForSelector('[data-testid="export-result"]');
    const fileName = (await page.textContent('[data-testid="export-file-name"]'))!.trim();
    expect(fileName).toMatch(/\.iopftrace$/);
    expect(await page.textContent('[data-testid="export-file-size"]')).toMatch(/\d/);
    await wb.screenshot('sessions-export-dialog');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-download"]')]);
    expect(download.suggestedFilename()).toBe(fileName);
    const saved = join(wb.dir, fileName);
    await download.saveAs(saved);
    exportedPath = saved;
    expect((await readFile(saved, 'utf8')).split('\n', 1)[0]).toContain('"format":"iopftrace"');
    await page.click('[data-testid="export-dialog"] >> text=Close');

    const before = new Set((await service.listSessions()).map((s) => s.id));
    await page.setInputFiles('[data-testid="trace-file-input"]', saved);
    // The imported session appears and is selected.
    await page.waitForFunction(
      (known) => {
        const row = document.querySelector('[data-testid="session-row"][aria-selected="true"]');
        return row !== null && !known.includes(Number(row.dataset.sessionId));
      },
      [...before],
    );
    const importedId = Number(await page.getAttribute('[data-testid="session-row"][aria-selected="true"]', 'data-session-id'));
    ids.push(importedId);
    const shownCount = async (id: number): Promise<string> => (await page.textContent(`${sessionRow(id)} [data-testid="session-event-count"]`))!.trim();
    expect(await shownCount(importedId)).toBe(await shownCount(original));
    const [a, b] = await Promise.all([allEvents(service, original), allEvents(service, importedId)]);
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
    expect((await service.getSession(importedId)).importedFrom).toBe(fileName);
    expect(await page.$('[data-testid="import-error"]')).toBeNull();
    await wb.screenshot('sessions-imported');
  });

  it('imports a trace file dropped on the window', async () => {
    const { page, service } = wb;
    const original = ids[0]!;
    const text = await readFile(exportedPath, 'utf8');
    const before = (await service.listSessions()).map((s) => s.id);
    // A real drop: dragenter, dragover and drop carrying a File, aimed at the centre of the window.
    await page.evaluate(
      ({ text, name }) => {
        const w = globalThis as unknown as {
          DataTransfer: new () => { items: { add(f: unknown): void } };
          File: new (parts: string[], name: string) => unknown;
          DragEvent: new (type: string, init: object) => unknown;
          document: { elementFromPoint(x: number, y: number): { dispatchEvent(e: unknown): boolean } | null };
          innerWidth: number;
          innerHeight: number;
        };
        const dt = new w.DataTransfer();
        dt.items.add(new w.File([text], name));
        const target = w.document.elementFromPoint(w.innerWidth / 2, w.innerHeight / 2)!;
        for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new w.DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
      },
      { text, name: 'dropped.iopftrace' },
    );
    await page.waitForFunction(
      (known) => {
        const row = document.querySelector('[data-testid="session-row"][aria-selected="true"]');
        return row !== null && !known.includes(Number(row.dataset.sessionId));
      },
      before,
    );
    const droppedId = Number(await page.getAttribute('[data-testid="session-row"][aria-selected="true"]', 'data-session-id'));
    expect((await service.getSession(droppedId)).importedFrom).toBe('dropped.iopftrace');
    expect(await allEvents(service, droppedId)).toEqual(await allEvents(service, original));
    expect(await page.$('[data-testid="drop-overlay"]')).toBeNull();
    // Leave the list as the later tests expect it.
    await service.removeSession(droppedId);
    await page.waitForSelector(sessionRow(droppedId), { state: 'detached' });
  });

  it('adds a note to a session and its badge counts it', async () => {
    const { page, service } = wb;
    const id = ids[0]!;
    await select(page, id);
    expect(await page.$(`${sessionRow(id)} [data-testid="session-notes-badge"]`)).toBeNull();
    await page.click('[data-testid="session-action-notes"]');
    await page.waitForSelector('[data-testid="notes-popover"]');
    await page.fill('[data-testid="note-input"]', 'cookie 1 answered late');
    await page.click('[data-testid="note-add"]');
    await page.waitForSelector('[data-testid="note-item"]');
    const badge = await page.waitForSelector(`${sessionRow(id)} [data-testid="session-notes-badge"]`);
    expect((await badge.textContent())!).toContain('1');
    expect((await service.listNotes(id)).map((n) => n.text)).toEqual(['cookie 1 answered late']);
    await wb.screenshot('sessions-notes');
    await page.click('[data-testid="session-action-notes"]');
    await page.waitForSelector('[data-testid="notes-popover"]', { state: 'detached' });
  });

  it('refuses a file that is not a trace with the reason, and imports nothing', async () => {
    const { page, service } = wb;
    const count = (await service.listSessions()).length;
    await page.setInputFiles('[data-testid="trace-file-input"]', {
      name: 'broken.iopftrace',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('{"format":"something-else"}\n'),
    });
    const error = await page.waitForSelector('[data-testid="import-error"]');
    expect(await error.textContent()).toMatch(/^broken\.iopftrace: .+/);
    // The user's file name, once, and never the host's temporary upload folder.
    expect(await error.textContent()).not.toMatch(/iopf-uploads-|\/tmp\/|broken\.iopftrace: broken\.iopftrace/);
    expect((await service.listSessions()).length).toBe(count);
    await wb.screenshot('sessions-import-refused');
    await page.click('[data-testid="import-error"] button');
  });

  it('renames a session in place', async () => {
    const { page, service } = wb;
    const id = ids[1]!;
    await select(page, id);
    await page.click('[data-testid="session-action-rename"]');
    await page.fill('[data-testid="session-rename-input"]', 'v4 baseline');
    await page.press('[data-testid="session-rename-input"]', 'Enter');
    await page.waitForFunction(
      (sel) => (document.querySelector(sel) as unknown as { textContent: string } | null)?.textContent === 'v4 baseline',
      `${sessionRow(id)} [data-testid="session-name"]`,
    );
    expect((await service.getSession(id)).name).toBe('v4 baseline');
    // The filter finds it by its new name.
    await page.fill('[data-testid="session-filter"]', 'baseline');
    expect(await page.$$eval('[data-testid="session-row"]', (rows) => rows.map((r) => Number((r as unknown as PageElement).dataset.sessionId)))).toEqual([id]);
    await wb.screenshot('sessions-renamed');
    await page.fill('[data-testid="session-filter"]', '');
  });

  it('deletes a session only after confirmation', async () => {
    const { page, service } = wb;
    const id = ids[4]!;
    await select(page, id);
    await page.click('[data-testid="session-action-delete"]');
    await page.waitForSelector('[data-testid="confirm-delete"]');
    await page.click('[data-testid="confirm-delete-cancel"]');
    expect(await page.$('[data-testid="confirm-delete"]')).toBeNull();
    expect((await service.listSessions()).some((s) => s.id === id)).toBe(true);

    await page.click('[data-testid="session-action-delete"]');
    await page.waitForSelector('[data-testid="confirm-delete"]');
    await wb.screenshot('sessions-confirm-delete');
    await page.click('[data-testid="confirm-delete-ok"]');
    await page.waitForSelector(sessionRow(id), { state: 'detached' });
    expect((await service.listSessions()).some((s) => s.id === id)).toBe(false);
  });

  it('replay-verifies a recorded session as identical', async () => {
    const { page, service } = wb;
    const id = ids[0]!;
    await select(page, id);
    await page.click('[data-testid="session-action-verify"]');
    const identical = await page.waitForSelector('[data-testid="verify-identical"]', { timeout: 60_000 });
    const expected = (await service.getSession(id)).eventCount;
    expect((await identical.textContent())!.trim()).toBe(`identical (${expected} events)`);
    expect(await page.$('[data-testid="trust-dialog"]')).toBeNull();
    await wb.screenshot('sessions-verify-identical');
    await page.click('[data-testid="verify-dialog"] >> text=Close');
  });

  it('asks before replaying the imported TypeScript scenario, and replays only after "Trust and replay"', async () => {
    const { page, service } = wb;
    const imported = ids[5]!;
    const details = await service.getSession(imported);
    expect(details.scenarioFormat).toBe('ts');
    await select(page, imported);
    await page.click('[data-testid="session-action-verify"]');
    await page.waitForSelector('[data-testid="trust-dialog"]');
    expect((await page.textContent('[data-testid="trust-file"]'))!.trim()).toBe(details.importedFrom);
    expect(await page.textContent('[data-testid="trust-source"]')).toBe(details.scenarioSource);
    await wb.screenshot('sessions-trust-prompt');
    await page.click('[data-testid="trust-cancel"]');
    expect(await page.$('[data-testid="trust-dialog"]')).toBeNull();
    expect(await page.$('[data-testid="verify-identical"]')).toBeNull();

    await page.click('[data-testid="session-action-verify"]');
    await page.click('[data-testid="trust-accept"]');
    const identical = await page.waitForSelector('[data-testid="verify-identical"]', { timeout: 60_000 });
    expect((await identical.textContent())!.trim()).toBe(`identical (${details.eventCount} events)`);
    await page.click('[data-testid="verify-dialog"] >> text=Close');
  });

  it('diffs two runs with different seeds and profiles, and a row leads to the fault on the timeline', async () => {
    const { page, service } = wb;
    const [a, b] = [ids[2]!, ids[3]!];
    const expected = await service.diffSessions({ a, b });
    expect(expected.flipCount).toBeGreaterThan(0);
    await select(page, b);
    await page.click('[data-testid="session-action-diff"]');
    await page.waitForSelector('[data-testid="diff-summary"]');
    expect(await page.inputValue('[data-testid="diff-pick-a"]')).toBe(String(a));
    expect(await page.inputValue('[data-testid="diff-pick-b"]')).toBe(String(b));
    expect((await page.textContent('[data-testid="diff-flip-count"]'))!.trim()).toBe(String(expected.flipCount));
    const flipRows = await page.$$('[data-testid="diff-row"][data-kind="flip"]');
    expect(flipRows.length).toBe(expected.flips.length);
    const first = expected.flips[0]!;
    expect(await flipRows[0]!.textContent()).toContain(`#${first.seqB}`);
    await wb.screenshot('sessions-diff');

    // A's side of the first flip: session A is shown with that fault's first event selected.
    await page.click('[data-testid="diff-row"][data-kind="flip"] >> nth=0 >> [data-testid="diff-row-a"]');
    await page.waitForSelector(`${sessionRow(a)}[aria-selected="true"]`);
    await inspectorAt(page, first.seqA);
    expect(await page.getAttribute('[data-testid="tab-timeline"]', 'aria-selected')).toBe('true');
  });

  it('shows statistics with histograms matching the service, for the session and for the visible window', async () => {
    const { page, service } = wb;
    const id = ids[2]!;
    await select(page, id);
    await page.click('[data-testid="tab-stats"]');
    await page.waitForSelector('[data-testid="stats-summary"]');
    const stats = await service.getStats({ sessionId: id });
    expect((await page.textContent('[data-testid="stats-events"]'))!.trim()).toBe(String(stats.events));
    expect((await page.textContent('[data-testid="stats-faults"]'))!.trim()).toBe(String(stats.faults));
    const histogramTotal = await page.getAttribute('[data-testid="stats-summary"] ~ .charts [data-testid="stats-histogram"] >> nth=0', 'data-total');
    expect(Number(histogramTotal)).toBe(stats.overall.latency!.count);
    expect(await page.$$('[data-testid="stats-by-device"] [data-testid="stats-row"]')).toHaveLength(stats.byDevice.length);
    await wb.screenshot('sessions-stats');

    await page.click('[data-testid="stats-use-window"]');
    await page.waitForFunction(() => /^events #\d+–#\d+/.test((document.querySelector('[data-testid="stats-scope"]') as unknown as { textContent: string }).textContent));
    const scope = (await page.textContent('[data-testid="stats-scope"]'))!;
    const [, from, to] = /^events #(\d+)–#(\d+)/.exec(scope)!;
    const ranged = await service.getStats({ sessionId: id, fromSeq: Number(from), toSeq: Number(to) });
    await page.waitForFunction((n) => (document.querySelector('[data-testid="stats-events"]') as unknown as { textContent: string }).textContent.trim() === String(n), ranged.events);
    expect((await page.textContent('[data-testid="stats-faults"]'))!.trim()).toBe(String(ranged.faults));
  });

  it('met no page errors', () => {
    expect(wb.pageErrors).toEqual([]);
  });
});
