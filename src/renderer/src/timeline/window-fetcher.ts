/**
 * The timeline's data source: asks the host for the visible window (plus a
 * page on each side) at about one bucket per pixel, never for "all events"
 * (Perfetto's TimelineFetcher in spirit). Time is cut into pages of
 * PAGE_BUCKETS buckets of 2^level ns, aligned to multiples of the page width,
 * so neighbouring views ask for the same pages and the cache answers them.
 *
 * view() is synchronous: it returns what can be drawn now and queues what is
 * missing. A slot whose page is still loading is covered by the pages of the
 * last complete frame (clipped to the slot), so panning and zooming show the
 * previous picture instead of a blank. Answers for a session that is no
 * longer shown are dropped; queued requests the view no longer needs are
 * never sent (the API has no abort, so in-flight ones finish into the cache).
 *
 * With a filter set, every page is asked with it: pages the host answers
 * from events count the matches per bucket, pages it answers from the LOD
 * pyramid say they could not (TimelineWindow.filtered). A session that grows
 * (still recording) keeps the pages that lie wholly before its old end.
 *
 * Everything here is plain, non-reactive data: Vue never sees a page.
 */
import type { TimelineRequest, TimelineWindow } from '@shared/api/analysis';
import type { EventFilter, WorkbenchApi } from '@shared/api/workbench';

/** Buckets per page (the host allows up to 16384 per request). */
export const PAGE_BUCKETS = 512;
/** A page returns its events when it holds at most this many. */
export const MAX_EVENTS_PER_PAGE = 1_200;

export interface Page {
  readonly level: number;
  readonly index: number;
  /** [startNs, endNs) covered by the page. */
  readonly startNs: number;
  readonly endNs: number;
  readonly window: TimelineWindow;
}

/** A page to draw, clipped to [clipStartNs, clipEndNs). */
export interface PageSegment {
  readonly page: Page;
  readonly clipStartNs: number;
  readonly clipEndNs: number;
}

export interface FrameData {
  /** The level the view wants (bucket = 2^level ns ≈ 1 px). */
  readonly level: number;
  readonly segments: readonly PageSegment[];
  /** Every slot of the view is answered at the wanted level. */
  readonly complete: boolean;
  /** Some slot shows an older frame's page (or nothing yet). */
  readonly loading: boolean;
}

export interface FetcherOptions {
  readonly pageBuckets?: number;
  readonly maxEventsPerPage?: number;
  /** Pages kept (least recently used go first). */
  readonly capacity?: number;
  /** Requests in flight at once. */
  readonly concurrency?: number;
  /**
   * After the wanted level changes (zooming), wait this long (ms) for it to
   * settle before asking: a fast zoom passes through levels nobody looks at.
   */
  readonly settleMs?: number;
}

/** The level whose bucket is the power of two ≥ ns per pixel (as the host quantises). */
export function levelFor(spanNs: number, widthPx: number): number {
  return Math.max(0, Math.ceil(Math.log2(Math.max(1e-9, spanNs / Math.max(1, widthPx)))));
}

export const pageKey = (level: number, index: number): string => `${level}:${index}`;

/** Page indexes [first, last] at `level` covering [startNs, endNs) plus `margin` pages per side. */
export function pageRange(startNs: number, endNs: number, level: number, pageBuckets = PAGE_BUCKETS, margin = 1): { first: number; last: number } {
  const pageNs = pageBuckets * 2 ** level;
  return { first: Math.floor(startNs / pageNs) - margin, last: Math.floor((endNs - 1e-9) / pageNs) + margin };
}

export class TimelineFetcher {
  private readonly pageBuckets: number;
  private readonly maxEventsPerPage: number;
  private readonly capacity: number;
  private readonly concurrency: number;
  /** Insertion order = recency (Map iteration order). */
  private readonly cache = new Map<string, Page>();
  private readonly inFlight = new Set<string>();
  /** Pages whose request failed: not asked again until the session is set or invalidated. */
  private readonly failed = new Set<string>();
  private queue: { level: number; index: number }[] = [];
  private session: { id: number; generation: number; startNs: number; endNs: number } | null = null;
  private generation = 0;
  private lastComplete: readonly Page[] = [];
  private readonly settleMs: number;
  private wantedLevel = -1;
  private filter: EventFilter | null = null;
  private filterKey = '';
  private settleTimer: ReturnType<typeof setTimeout> | null = null;
  /** Requests sent, for tests and the data-* report. */
  requests = 0;
  lastError: string | null = null;

  constructor(
    private readonly api: Pick<WorkbenchApi, 'getTimeline'>,
    /** Called when an answer arrives (the view schedules a redraw). */
    private readonly onLoad: () => void,
    opts: FetcherOptions = {},
  ) {
    this.pageBuckets = opts.pageBuckets ?? PAGE_BUCKETS;
    this.maxEventsPerPage = opts.maxEventsPerPage ?? MAX_EVENTS_PER_PAGE;
    this.capacity = opts.capacity ?? 96;
    this.concurrency = opts.concurrency ?? 2;
    this.settleMs = opts.settleMs ?? 0;
  }

  /** Shows another session (or none): forgets every page and ignores answers still on their way. */
  setSession(sessionId: number | null, startNs = 0, endNs = 0): void {
    this.generation++;
    this.cache.clear();
    this.failed.clear();
    this.queue = [];
    this.lastComplete = [];
    this.lastError = null;
    this.wantedLevel = -1;
    this.session = sessionId === null ? null : { id: sessionId, generation: this.generation, startNs, endNs };
  }

  get sessionId(): number | null {
    return this.session?.id ?? null;
  }

  /** What to draw for the window [startNs, endNs) on `widthPx` pixels; queues missing pages. */
  view(startNs: number, endNs: number, widthPx: number): FrameData {
    const level = levelFor(endNs - startNs, widthPx);
    if (!this.session) return { level, segments: [], complete: true, loading: false };
    const pageNs = this.pageBuckets * 2 ** level;
    const wanted = pageRange(startNs, endNs, level, this.pageBuckets, 1);
    const visible = pageRange(startNs, endNs, level, this.pageBuckets, 0);
    const segments: PageSegment[] = [];
    const fallbackUsed = new Set<Page>();
    const missing: { level: number; index: number }[] = [];
    let complete = true;
    for (let index = wanted.first; index <= wanted.last; index++) {
      const slotStart = index * pageNs;
      const slotEnd = slotStart + pageNs;
      // Pages wholly outside the session hold nothing: no request.
      if (slotEnd <= this.session.startNs || slotStart > this.session.endNs) continue;
      const key = pageKey(level, index);
      const page = this.cache.get(key);
      const isVisible = index >= visible.first && index <= visible.last;
      if (page) {
        this.touch(key, page);
        segments.push({ page, clipStartNs: slotStart, clipEndNs: slotEnd });
        continue;
      }
      if (!this.failed.has(key)) missing.push({ level, index });
      if (!isVisible) continue;
      complete = false;
      for (const old of this.lastComplete) {
        if (old.endNs <= slotStart || old.startNs >= slotEnd) continue;
        fallbackUsed.add(old);
        segments.push({ page: old, clipStartNs: Math.max(slotStart, old.startNs), clipEndNs: Math.min(slotEnd, old.endNs) });
      }
    }
    // Visible pages first, then the margins, nearest the centre first.
    const centre = (startNs + endNs) / 2 / pageNs;
    missing.sort((a, b) => Math.abs(a.index + 0.5 - centre) - Math.abs(b.index + 0.5 - centre));
    this.queue = missing.filter((m) => !this.inFlight.has(pageKey(m.level, m.index)));
    if (level !== this.wantedLevel && this.settleMs > 0 && this.wantedLevel >= 0) {
      // Zooming: ask once the level has held still for settleMs.
      if (this.settleTimer !== null) clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => {
        this.settleTimer = null;
        this.pump();
      }, this.settleMs);
    } else if (this.settleTimer === null) this.pump();
    this.wantedLevel = level;
    if (complete) this.lastComplete = segments.map((s) => s.page);
    return { level, segments, complete, loading: !complete && (this.inFlight.size + this.queue.length > 0 || this.settleTimer !== null) };
  }

  /** Pages are asked with `filter` from now on (null: none); pages asked otherwise are forgotten, the last frame shows until answers come. */
  setFilter(filter: EventFilter | null): void {
    const key = filter === null ? '' : JSON.stringify(filter);
    if (key === this.filterKey) return;
    this.filter = filter;
    this.filterKey = key;
    this.invalidate();
  }

  get activeFilter(): EventFilter | null {
    return this.filter;
  }

  /**
   * The session grew to `endNs` (events are appended in time order): pages
   * ending at or before its previous end are final and stay; later ones are
   * asked again, and answers still on their way are dropped.
   */
  extend(endNs: number): void {
    if (!this.session) return;
    const oldEnd = this.session.endNs;
    for (const [key, page] of [...this.cache]) if (page.endNs > oldEnd) this.cache.delete(key);
    this.failed.clear();
    this.session = { ...this.session, endNs: Math.max(oldEnd, endNs), generation: ++this.generation };
  }

  /** Forgets every page of the current session (it grew, or finished) but keeps showing the last frame until answers come. */
  invalidate(startNs = this.session?.startNs ?? 0, endNs = this.session?.endNs ?? 0): void {
    if (!this.session) return;
    this.cache.clear();
    this.failed.clear();
    this.session = { ...this.session, startNs, endNs, generation: ++this.generation };
  }

  private touch(key: string, page: Page): void {
    this.cache.delete(key);
    this.cache.set(key, page);
  }

  private pump(): void {
    while (this.inFlight.size < this.concurrency && this.queue.length > 0) {
      const next = this.queue.shift()!;
      void this.fetch(next.level, next.index);
    }
  }

  private async fetch(level: number, index: number): Promise<void> {
    const session = this.session;
    if (!session) return;
    const key = pageKey(level, index);
    const pageNs = this.pageBuckets * 2 ** level;
    const request: TimelineRequest = {
      sessionId: session.id,
      by: 't',
      from: index * pageNs,
      to: (index + 1) * pageNs,
      buckets: this.pageBuckets,
      maxEvents: this.maxEventsPerPage,
      ...(this.filter ? { filter: this.filter } : {}),
    };
    this.inFlight.add(key);
    this.requests++;
    try {
      const window = await this.api.getTimeline(request);
      // A stale answer (another session, or invalidated) is dropped.
      if (this.session?.generation !== session.generation) return;
      this.cache.set(key, { level, index, startNs: request.from, endNs: request.to, window });
      while (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
      this.lastError = null;
    } catch (err) {
      if (this.session?.generation !== session.generation) return;
      this.lastError = err instanceof Error ? err.message : String(err);
      this.failed.add(key);
    } finally {
      this.inFlight.delete(key);
      if (this.session?.generation === session.generation) {
        this.pump();
        this.onLoad();
      } else if (this.session?.id === session.id) {
        // A dropped answer (filter changed, session grew) frees its slot: the next view asks again.
        this.onLoad();
      }
    }
  }
}
