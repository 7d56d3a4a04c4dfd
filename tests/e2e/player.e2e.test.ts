/**
 * End to end: the player, the inspector and the state panel in headless
 * Chromium against the web host and the real service. A built-in scenario
 * with many faults (VT-d PRQ overflow: several page request groups, cookies
 * handed out and answered by a map-then-success policy) is recorded in
 * `prepare`; what the page shows is compared with what the service answers
 * for the same (session, seq) — never with numbers written into the test.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PathState } from '../../src/shared/api/analysis';
import type { EventRow } from '../../src/shared/events';
import { startWorkbench, type Workbench } from './harness';

const SCENARIO = 'prq-overflow-vtd';
const INSPECTOR = '[data-testid="inspector"]';
const STATE = '[data-testid="state-panel"]';
const sessionRow = (id: number): string => `[data-testid="session-row"][data-session-id="${id}"]`;

/*
 * Page-side callbacks run in Chromium, but this file is compiled with the
 * Node tsconfig (no DOM lib): these name just what the callbacks touch.
 */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly textContent: string | null;
}
declare const document: { querySelector(selector: string): PageElement | null; readonly activeElement: { blur(): void } | null };

/** Waits until the inspector and the state panel both show `seq`, with no request pending. */
async function settledAt(page: Page, seq: number): Promise<void> {
  await page.waitForFunction(
    ({ panels, seq }) =>
      panels.every((sel) => {
        const d = document.querySelector(sel)?.dataset;
        return d?.seq === String(seq) && d.loading === 'false';
      }),
    { panels: [INSPECTOR, STATE], seq },
  );
}

async function seekTo(page: Page, seq: number): Promise<void> {
  await page.fill('[data-testid="player-seek-input"]', `#${seq}`);
  await page.press('[data-testid="player-seek-input"]', 'Enter');
  await settledAt(page, seq);
}

async function cursorOf(page: Page): Promise<number> {
  const text = (await page.textContent('[data-testid="player-position"]')) ?? '';
  const m = /#(\d+)/.exec(text);
  if (!m) throw new Error(`player shows no cursor: "${text}"`);
  return Number(m[1]);
}

/** The fault queue as the state panel shows it. */
async function shownQueue(page: Page): Promise<{ deliver: { dev: number; grpid: number; seq: number }[]; cookies: number[] }> {
  const deliver = await page.$$eval('[data-testid="state-deliver-row"]', (rows) =>
    rows.map((r) => {
      const d = (r as unknown as PageElement).dataset;
      return { dev: Number(d.dev), grpid: Number(d.grpid), seq: Number(d.seq) };
    }),
  );
  const cookies = await page.$$eval('[data-testid="state-cookie-row"]', (rows) => rows.map((r) => Number((r as unknown as PageElement).dataset.cookie)));
  return { deliver, cookies };
}

const expectedQueue = (s: PathState): { deliver: { dev: number; grpid: number; seq: number }[]; cookies: number[] } => ({
  deliver: s.deliver.map((g) => ({ dev: g.dev, grpid: g.grpid, seq: g.seq })),
  cookies: s.cookies.map((c) => c.cookie),
});

describe('player, inspector and state panel in headless Chromium', () => {
  let wb: Workbench;
  let sessionId = 0;
  let events: EventRow[] = [];

  beforeAll(async () => {
    wb = await startWorkbench({
      prepare: async (service) => {
        const run = await service.runScenario({ scenarioId: SCENARIO });
        if (run.sessionId === null) throw new Error(`${SCENARIO} recorded no session: ${run.error}`);
        sessionId = run.sessionId;
      },
    });
    events = [...(await wb.service.getEvents({ sessionId, fromSeq: 0, limit: 100_000 })).events];
    await wb.page.click(sessionRow(sessionId));
    await wb.page.waitForFunction(
      (last) => (document.querySelector('[data-testid="player-position"]')?.textContent ?? '').includes(`/ ${last}`),
      events.length - 1,
    );
  });

  afterAll(async () => {
    await wb?.close();
  });

  /** A cookie with its FAULT_READ, its RESPONSE_WRITE and the FAULT_QUEUED of its group. */
  function cookieStory(): { cookie: number; queued: EventRow; read: EventRow; response: EventRow } {
    for (const read of events.filter((e) => e.kind === 'FAULT_READ' && e.cookie !== null)) {
      const response = events.find((e) => e.kind === 'RESPONSE_WRITE' && e.cookie === read.cookie && e.seq > read.seq);
      const queued = events.filter((e) => e.kind === 'FAULT_QUEUED' && e.dev === read.dev && e.grpid === read.grpid && e.seq < read.seq).at(-1);
      // Leave room on both sides for stepping.
      if (response && queued && queued.seq > 0) return { cookie: read.cookie!, queued, read, response };
    }
    throw new Error(`${SCENARIO}: no cookie with a queued group, a read and a response`);
  }

  it('shows the selected FAULT_READ decoded as iommu_hwpt_pgfault with its bytes, and its fault’s story', async () => {
    const { page } = wb;
    const { read, cookie } = cookieStory();
    const detail = await wb.service.getEventDetail({ sessionId, seq: read.seq });
    expect(detail.decoded?.struct).toBe('iommu_hwpt_pgfault');

    await seekTo(page, read.seq);
    expect(await page.textContent('[data-testid="inspector-kind"]')).toBe('FAULT_READ');
    expect(await page.getAttribute('[data-testid="inspector-struct"]', 'data-struct')).toBe('iommu_hwpt_pgfault');
    expect((await page.textContent('[data-testid="inspector-columns"] [data-column="cookie"]'))?.trim()).toBe(String(cookie));

    // Every decoded field, with the host's values.
    const shownFields = await page.$$eval('[data-testid="inspector-struct-field"]', (rows) =>
      rows.map((r) => ({
        name: (r as unknown as PageElement).dataset.field,
        value: (r.querySelector('[data-testid="inspector-struct-value"]') as unknown as PageElement).textContent,
      })),
    );
    expect(shownFields).toEqual(detail.decoded!.fields.map((f) => ({ name: f.name, value: f.value })));
    expect(shownFields.find((f) => f.name === 'cookie')?.value).toBe(String(cookie));

    // The hex dump holds exactly the recorded bytes, 16 to a row.
    const bytes = await page.$$eval('[data-testid="hex-byte"]', (els) => els.map((e) => (e as unknown as PageElement).textContent));
    expect(bytes.join('')).toBe(read.raw);
    expect(await page.locator('[data-testid="hex-dump"] [role="row"]').count()).toBe(Math.ceil(read.raw!.length / 2 / 16));

    // Hovering the cookie field lights exactly its bytes.
    const cookieField = detail.decoded!.fields.find((f) => f.name === 'cookie')!;
    await page.hover('[data-testid="inspector-struct-field"][data-field="cookie"]');
    const lit = await page.$$eval('[data-testid="hex-byte"].lit', (els) => els.map((e) => Number((e as unknown as PageElement).dataset.offset)));
    expect(lit).toEqual(Array.from({ length: cookieField.size }, (_, i) => cookieField.offset + i));

    // Parent link, scenario line, and the fault's lifecycle as the host tells it.
    if (read.parent !== null) expect(await page.getAttribute('[data-testid="inspector-parent"]', 'data-seq')).toBe(String(read.parent));
    if (read.line !== null) expect(await page.getAttribute('[data-testid="inspector-line-link"]', 'data-line')).toBe(String(read.line));
    const lifecycle = await wb.service.getLifecycle({ sessionId, query: { seq: read.seq } });
    const shownStory = await page.$$eval('[data-testid="inspector-lifecycle-event"]', (els) =>
      els.map((e) => ({ seq: Number((e as unknown as PageElement).dataset.seq), role: (e as unknown as PageElement).dataset.role })),
    );
    expect(shownStory).toEqual(lifecycle.events.map((e) => ({ seq: e.seq, role: e.role })));
    await wb.screenshot('player-inspector-fault-read');

    // A link in the story selects the response: 8 bytes decoded as the page response, code spelled.
    const response = lifecycle.events.find((e) => e.kind === 'RESPONSE_WRITE' && e.cookie === cookie)!;
    await page.click(`[data-testid="inspector-lifecycle-event"][data-seq="${response.seq}"]`);
    await settledAt(page, response.seq);
    const responseDetail = await wb.service.getEventDetail({ sessionId, seq: response.seq });
    expect(await page.textContent('[data-testid="inspector-kind"]')).toBe('RESPONSE_WRITE');
    expect(await page.getAttribute('[data-testid="inspector-struct"]', 'data-struct')).toBe(responseDetail.decoded!.struct);
    const codeField = responseDetail.decoded!.fields.find((f) => f.name === 'code')!;
    expect(await page.textContent('[data-testid="inspector-struct-field"][data-field="code"]')).toContain(codeField.meaning!);
    expect(await page.textContent('[data-testid="inspector-struct-field"][data-field="cookie"] [data-testid="inspector-struct-value"]')).toBe(String(cookie));
    expect(await cursorOf(page)).toBe(response.seq);

    // A note on the response is stored in the session against its seq, and listed under it.
    const text = `answered cookie ${cookie}`;
    await page.fill('[data-testid="inspector-note-input"]', text);
    await page.click('[data-testid="inspector-note-add"]');
    await page.locator('[data-testid="inspector-note"]', { hasText: text }).waitFor();
    const stored = await wb.service.listNotes(sessionId);
    expect(stored.map((n) => ({ seq: n.seq, text: n.text }))).toEqual([{ seq: response.seq, text }]);
    await wb.screenshot('player-inspector-response-write');
    expect(wb.pageErrors).toEqual([]);
  });

  it('stepping moves the state panel through queued → read → answered, as getStateAt says', async () => {
    const { page } = wb;
    const { cookie, queued, read, response } = cookieStory();
    const stateAt = async (seq: number): Promise<PathState> => (await wb.service.getStateAt({ sessionId, seq })).state;

    // Before and after FAULT_QUEUED: the group joins the deliver list.
    await seekTo(page, queued.seq - 1);
    const before = await stateAt(queued.seq - 1);
    expect(await shownQueue(page)).toEqual(expectedQueue(before));
    expect(before.deliver.some((g) => g.seq === queued.seq)).toBe(false);

    await page.click('[data-testid="player-step-forward"]');
    await settledAt(page, queued.seq);
    const atQueued = await stateAt(queued.seq);
    expect(atQueued.deliver.some((g) => g.seq === queued.seq && g.grpid === queued.grpid)).toBe(true);
    expect(await shownQueue(page)).toEqual(expectedQueue(atQueued));
    expect((await shownQueue(page)).deliver.some((g) => g.seq === queued.seq)).toBe(true);
    await wb.screenshot('player-state-queued');

    await page.click('[data-testid="player-step-back"]');
    await settledAt(page, queued.seq - 1);
    expect(await shownQueue(page)).toEqual(expectedQueue(before));

    // FAULT_READ hands the cookie out.
    await seekTo(page, read.seq - 1);
    await page.click('[data-testid="player-step-forward"]');
    await settledAt(page, read.seq);
    const atRead = await stateAt(read.seq);
    expect(atRead.cookies.some((c) => c.cookie === cookie)).toBe(true);
    expect(await shownQueue(page)).toEqual(expectedQueue(atRead));
    await wb.screenshot('player-state-read');

    // RESPONSE_WRITE takes it back.
    await seekTo(page, response.seq - 1);
    expect((await shownQueue(page)).cookies).toContain(cookie);
    await page.click('[data-testid="player-step-forward"]');
    await settledAt(page, response.seq);
    const atResponse = await stateAt(response.seq);
    expect(atResponse.cookies.some((c) => c.cookie === cookie)).toBe(false);
    expect(await shownQueue(page)).toEqual(expectedQueue(atResponse));
    expect((await shownQueue(page)).cookies).not.toContain(cookie);
    // The totals follow too.
    expect(Number(await page.textContent('[data-total="responses"]'))).toBe(atResponse.totals.responses);
    await wb.screenshot('player-state-answered');
    expect(wb.pageErrors).toEqual([]);
  });

  it('the iommufd objects table lists the fault object from its OBJ_ALLOC on', async () => {
    const { page } = wb;
    const alloc = events.find((e) => e.kind === 'OBJ_ALLOC' && /^FAULT \d+/.test(e.note ?? ''));
    if (!alloc) throw new Error(`${SCENARIO}: no OBJ_ALLOC of a FAULT object`);
    const faultId = Number(/^FAULT (\d+)/.exec(alloc.note!)![1]);
    const faultRow = `[data-testid="state-object-row"][data-type="FAULT"][data-id="${faultId}"]`;
    if (alloc.seq > 0) {
      await seekTo(page, alloc.seq - 1);
      expect(await page.locator(faultRow).count()).toBe(0);
    }
    await seekTo(page, alloc.seq);
    expect(await page.getAttribute(faultRow, 'data-seq')).toBe(String(alloc.seq));
    await page.locator(faultRow).scrollIntoViewIfNeeded();
    await wb.screenshot('player-state-objects');
    expect(wb.pageErrors).toEqual([]);
  });

  it('a cookie breakpoint: continue stops at each event with that cookie, reverse-continue goes back', async () => {
    const { page } = wb;
    const { cookie } = cookieStory();
    const hits = events.filter((e) => e.cookie === cookie).map((e) => e.seq);
    expect(hits.length).toBeGreaterThanOrEqual(2);
    // What the host's own search says, from the first event on.
    const firstHit = (await wb.service.findEvents({ sessionId, filter: { cookie }, fromSeq: 1, direction: 'forward', limit: 1 })).events[0]!.seq;
    expect(firstHit).toBe(hits[0]);

    await page.fill('[data-testid="breakpoint-input"]', `cookie ${cookie}`);
    await page.press('[data-testid="breakpoint-input"]', 'Enter');
    expect(await page.textContent('[data-testid="breakpoint-label"]')).toBe(`cookie ${cookie}`);

    await page.click('[data-testid="player-start"]');
    await settledAt(page, 0);
    await page.click('[data-testid="player-continue"]');
    await settledAt(page, hits[0]!);
    expect(await cursorOf(page)).toBe(hits[0]);
    expect(await page.textContent('[data-testid="player-status"]')).toContain(`stopped at #${hits[0]}: cookie ${cookie}`);
    expect((await page.textContent('[data-testid="inspector-columns"] [data-column="cookie"]'))?.trim()).toBe(String(cookie));

    // From the keyboard: c continues, Shift+C reverse-continues (focus off the text boxes).
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('c');
    await settledAt(page, hits[1]!);
    await wb.screenshot('player-breakpoint-cookie');
    await page.keyboard.press('Shift+C');
    await settledAt(page, hits[0]!);
    expect(await cursorOf(page)).toBe(hits[0]);

    // Reverse-continue with no earlier hit runs back to the first event.
    await page.click('[data-testid="player-reverse-continue"]');
    await settledAt(page, 0);
    expect(await page.textContent('[data-testid="player-status"]')).toContain('ran back to the first event');

    // Playing at 1000 events/s stops at the breakpoint too (Space plays).
    await page.selectOption('[data-testid="player-speed"]', '1000');
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('[data-testid="player-bar"]')?.dataset.playing === 'false');
    await settledAt(page, hits[0]!);
    expect(await page.textContent('[data-testid="player-status"]')).toContain(`stopped at #${hits[0]}: cookie ${cookie}`);

    // A disabled breakpoint does not stop: continue runs to the last event.
    await page.click('[data-testid="breakpoint-toggle"]');
    expect(await page.getAttribute('[data-testid="breakpoint"]', 'data-enabled')).toBe('false');
    await page.click('[data-testid="player-continue"]');
    await settledAt(page, events.length - 1);
    expect(await page.textContent('[data-testid="player-status"]')).toContain('no breakpoints enabled');
    expect(wb.pageErrors).toEqual([]);
  });

  it("lists an event's children exactly: every event whose parent it is, the farthest included", async () => {
    const { page } = wb;
    const childrenOf = new Map<number, number[]>();
    for (const e of events) if (e.parent !== null) childrenOf.set(e.parent, [...(childrenOf.get(e.parent) ?? []), e.seq]);
    // The parent with the most children, and the one whose last child lies farthest after it.
    const most = [...childrenOf].sort((a, b) => b[1].length - a[1].length)[0]!;
    const farthest = [...childrenOf].sort((a, b) => b[1].at(-1)! - b[0] - (a[1].at(-1)! - a[0]))[0]!;
    const leaf = events.find((e) => !childrenOf.has(e.seq))!;
    for (const [parent, children] of [most, farthest]) {
      await seekTo(page, parent);
      const shown = await page.$$eval('[data-testid="inspector-child"]', (els) => els.map((e) => Number((e as unknown as PageElement).dataset.seq)));
      expect(shown, `children of #${parent}`).toEqual(children);
      // The whole session lies within the first search: no "more children may exist".
      expect(await page.$('[data-testid="inspector-children-more"]')).toBeNull();
    }
    await seekTo(page, leaf.seq);
    expect(await page.$$('[data-testid="inspector-child"]')).toHaveLength(0);
    await wb.screenshot('player-inspector-children');
    expect(wb.pageErrors).toEqual([]);
  });
});
