/**
 * End to end: the timeline's keyboard map (Perfetto's keys) on a recorded
 * session in headless Chromium. Every assertion reads what the canvas
 * reports after a paint (data-view-start-ns, data-selected-seq, …) and is
 * checked against the events the service recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../../src/shared/events';
import { startWorkbench, type Workbench } from './harness';

const CANVAS = '[data-testid="timeline-canvas"]';

interface PageCanvas {
  readonly dataset: Record<string, string | undefined>;
}
declare const document: { querySelector(selector: string): unknown };

const trackKeyOf = (e: EventRow): string => `${e.layer}${e.dev === null ? '' : `#${e.dev}`}${e.pasid === null ? '' : `/pasid#${e.pasid}`}`;

describe('timeline keys in headless Chromium', () => {
  let wb: Workbench;
  let events: EventRow[];
  let sessionId: number;

  const report = async (): Promise<{ startNs: number; endNs: number; selected: number | null; marks: number }> => {
    const d = await wb.page.$eval(CANVAS, (el) => ({ ...(el as unknown as PageCanvas).dataset }));
    return { startNs: Number(d.viewStartNs), endNs: Number(d.viewEndNs), selected: d.selectedSeq ? Number(d.selectedSeq) : null, marks: Number(d.marks) };
  };
  const selected = async (): Promise<number | null> => (await report()).selected;

  beforeAll(async () => {
    wb = await startWorkbench({
      prepare: async (service) => {
        const run = await service.runScenario({ scenarioId: 'happy-path' });
        sessionId = run.sessionId!;
        events = [...(await service.getEvents({ sessionId, fromSeq: 0, limit: 100_000 })).events];
      },
    });
    await wb.page.click(`[data-testid="session-row"][data-session-id="${sessionId}"]`);
    await wb.page.waitForFunction(
      ({ sel, id }) => {
        const d = (document.querySelector(sel) as PageCanvas | null)?.dataset;
        return d?.state === 'ready' && d.sessionId === String(id) && d.loading === '0';
      },
      { sel: CANVAS, id: sessionId },
    );
  });

  afterAll(async () => {
    await wb?.close();
  });

  it('D pans right, A back; W narrows the window, S widens it', async () => {
    const before = await report();
    await wb.page.keyboard.press('d');
    await expect.poll(async () => (await report()).startNs).toBeGreaterThan(before.startNs);
    const panned = await report();
    expect(panned.endNs - panned.startNs).toBeCloseTo(before.endNs - before.startNs, 3);
    await wb.page.keyboard.press('a');
    await expect.poll(async () => (await report()).startNs).toBeCloseTo(before.startNs, 3);
    await wb.page.keyboard.press('w');
    await expect.poll(async () => {
      const r = await report();
      return r.endNs - r.startNs;
    }).toBeLessThan((before.endNs - before.startNs) * 0.9);
    await wb.page.keyboard.press('s');
    await expect.poll(async () => {
      const r = await report();
      return r.endNs - r.startNs;
    }).toBeCloseTo(before.endNs - before.startNs, 0);
    await wb.screenshot('timeline-keys-pan-zoom');
  });

  it('. selects the next event on the selected track and , goes back', async () => {
    await wb.page.keyboard.press('Escape');
    await wb.page.keyboard.press('f');
    await expect.poll(selected).toBeNull();
    // Nothing selected: . takes the first event in view.
    await wb.page.keyboard.press('.');
    await expect.poll(selected).not.toBeNull();
    const start = (await selected())!;
    const first = events.find((e) => e.seq === start)!;
    expect(start).toBe(Math.min(...events.map((e) => e.seq)));
    const sameTrack = events.filter((e) => trackKeyOf(e) === trackKeyOf(first) && e.seq > start);
    expect(sameTrack.length, 'the first track holds a second event').toBeGreaterThan(0);
    await wb.page.keyboard.press('.');
    await expect.poll(selected).toBe(sameTrack[0]!.seq);
    await wb.page.keyboard.press(',');
    await expect.poll(selected).toBe(start);
    await wb.screenshot('timeline-keys-next-prev');
  });

  it('/ opens the search; Enter selects the next match, Shift+Enter the previous', async () => {
    await wb.page.keyboard.press('Escape');
    await wb.page.keyboard.press('/');
    const search = wb.page.locator('[data-testid="timeline-search"]');
    await expect.poll(() => search.evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement)).toBe(true);
    const beforeTyping = await report();
    await wb.page.keyboard.type('kind:FAULT_READ');
    const reads = events.filter((e) => e.kind === 'FAULT_READ').map((e) => e.seq);
    expect(reads.length).toBeGreaterThanOrEqual(2);
    await wb.page.keyboard.press('Enter');
    await expect.poll(selected).toBe(reads[0]);
    await wb.page.keyboard.press('Enter');
    await expect.poll(selected).toBe(reads[1]);
    await wb.page.keyboard.press('Shift+Enter');
    await expect.poll(selected).toBe(reads[0]);
    expect(await wb.page.locator('[data-testid="timeline-search-status"]').textContent()).toBe(`#${reads[0]} FAULT_READ`);
    // Typing in the search box is not a command: the d of "kind" did not pan, the box holds it.
    expect(await search.inputValue()).toBe('kind:FAULT_READ');
    expect((await report()).endNs - (await report()).startNs).toBe(beforeTyping.endNs - beforeTyping.startNs);
    await wb.screenshot('timeline-keys-search');
    await wb.page.keyboard.press('Escape');
  });

  it('[ follows the flow to the cause, ] to the effect', async () => {
    const write = events.find((e) => e.kind === 'RESPONSE_WRITE' && e.parent !== null)!;
    const search = wb.page.locator('[data-testid="timeline-search"]');
    await search.fill('kind:RESPONSE_WRITE');
    await search.press('Enter');
    await expect.poll(selected).toBe(write.seq);
    await search.press('Escape');
    await wb.page.keyboard.press('[');
    await expect.poll(selected).toBe(write.parent);
    await wb.page.keyboard.press(']');
    // Forward from the parent: one of its children (the write is one of them).
    const children = events.filter((e) => e.parent === write.parent).map((e) => e.seq);
    await expect.poll(async () => children.includes((await selected()) ?? -1)).toBe(true);
  });

  it('M marks the selection; ? lists the keymap', async () => {
    await wb.page.keyboard.press('m');
    await expect.poll(async () => (await report()).marks).toBe(1);
    await wb.page.keyboard.press('Shift+M');
    await expect.poll(async () => (await report()).marks).toBe(0);
    await wb.page.keyboard.press('m');
    await wb.page.keyboard.press('?');
    const help = wb.page.locator('[data-testid="keyboard-help"]');
    await help.waitFor();
    expect(await help.locator('[data-binding="timeline.nextEvent"]').textContent()).toContain('Next event');
    expect(await help.locator('[data-binding="timeline.zoomIn"]').textContent()).toContain('W');
    await wb.screenshot('timeline-keys-help');
    await wb.page.keyboard.press('Escape');
    await expect.poll(() => help.count()).toBe(0);
  });

  it('raised no page errors', () => {
    expect(wb.pageErrors).toEqual([]);
  });
});
