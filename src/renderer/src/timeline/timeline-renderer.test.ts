import { describe, expect, it } from 'vitest';
import type { TimelineWindow } from '@shared/api/analysis';
import { RecordingCanvas } from '@renderer/testing/recording-canvas';
import { counterSeries } from './counters';
import { oneFault, rawWindow } from './fixtures';
import { FrameMemo, RAW_DRAW_LIMIT, buildLodFrame, buildRawFrame, chooseMode } from './frame';
import { GEOMETRY, labelTextWidth, screenRows, timeScaleOf } from './geometry';
import { hitTest } from './hit-test';
import { FALLBACK_THEME } from './theme';
import { TimelineRenderer, type RenderContext } from './timeline-renderer';
import { TrackSet, layoutRows, type GroupId } from './track-tree';
import type { FrameData, Page, PageSegment } from './window-fetcher';

const WIDTH = 1200;
const HEIGHT = 700;

function segment(window: TimelineWindow, startNs: number, endNs: number, level = 5, index = 0): PageSegment {
  const page: Page = { level, index, startNs, endNs, window };
  return { page, clipStartNs: startNs, clipEndNs: endNs };
}

/** A zoomed-out answer: `n` buckets of 1000 ns on one track, 10 000 events each, bucket i's longest slice (i+1)·100 ns. */
function lodWindow(n: number, uri = 'device#768/pasid#1'): TimelineWindow {
  return {
    sessionId: 1,
    fromSeq: 0,
    toSeq: n * 10_000 - 1,
    bucketNs: 1000,
    firstBucket: 0,
    bucketCount: n,
    path: 'lod',
    slices: true,
    tracks: [
      {
        trackId: 0,
        uri,
        layer: 'device',
        dev: 768,
        pasid: 1,
        bucket: Array.from({ length: n }, (_, i) => i),
        count: Array.from({ length: n }, () => 10_000),
        maxSliceNs: Array.from({ length: n }, (_, i) => (i + 1) * 100),
        maxSliceSeq: Array.from({ length: n }, (_, i) => i * 10_000 + 7),
      },
    ],
  };
}

function tracksOf(events = oneFault()): TrackSet {
  const set = new TrackSet();
  for (const e of events) set.add(e.layer, e.dev, e.pasid);
  set.addCounter('prq', 0);
  set.addCounter('pri', 0x300);
  return set;
}

/** Counter series over buckets 0..n-1 of 1000 ns: PRQ of unit 0 entering at 1, peaking at 4 in bucket 3, then 0. */
function withCounters(w: TimelineWindow): TimelineWindow {
  return {
    ...w,
    counters: {
      bucketNs: 1000,
      firstBucket: 0,
      series: [{ key: 'counter#prq/iommu#0', counter: 'prq', unit: 0, entry: 1, bucket: [3, 6], max: [4, 2], last: [2, 0] }],
    },
  };
}

function context(over: Partial<RenderContext> & Pick<RenderContext, 'mode'>, collapsed: GroupId[] = [], pinned: string[] = []): RenderContext {
  return {
    window: { startNs: 0, endNs: 10_000 },
    width: WIDTH,
    height: HEIGHT,
    dpr: 1,
    theme: FALLBACK_THEME,
    raw: null,
    lod: null,
    layout: layoutRows(tracksOf().all(), { collapsed: new Set(collapsed), pinned: new Set(pinned) }),
    scrollY: 0,
    counters: null,
    selected: null,
    alerts: [],
    marks: [],
    filter: null,
    filterMode: 'off',
    message: null,
    ...over,
  };
}

const frameOf = (segments: PageSegment[]): FrameData => ({ level: 5, segments, complete: true, loading: false });

describe('chooseMode (level of detail)', () => {
  it('draws events one by one when every visible page brought them and they are few', () => {
    const seg = segment(rawWindow(0, 16_384, oneFault()), 0, 16_384);
    expect(chooseMode(frameOf([seg]), 0, 10_000)).toBe('raw');
  });

  it('draws cells when a visible page came without events (too many)', () => {
    const seg = segment(lodWindow(10), 0, 16_384);
    expect(chooseMode(frameOf([seg]), 0, 10_000)).toBe('lod');
  });

  it('draws cells when the visible pages together hold more than the raw limit', () => {
    const many = Array.from({ length: 2 }, (_, i) => {
      const w = rawWindow(i * 1000, (i + 1) * 1000, []);
      return segment({ ...w, fromSeq: i * 4000, toSeq: i * 4000 + 3999, events: [] }, i * 1000, (i + 1) * 1000, 5, i);
    });
    expect(8000).toBeGreaterThan(RAW_DRAW_LIMIT);
    expect(chooseMode(frameOf(many), 0, 2000)).toBe('lod');
    // The same pages count only where visible: one page's 4000 events stay raw.
    expect(chooseMode(frameOf(many), 0, 900)).toBe('raw');
  });

  it('is empty with nothing in view', () => {
    expect(chooseMode(frameOf([]), 0, 10)).toBe('empty');
  });
});

describe('TimelineRenderer', () => {
  it('raw: draws every event in the window as a marker and reports each track row', () => {
    const events = oneFault();
    const raw = buildRawFrame([segment(rawWindow(0, 16_384, events), 0, 16_384)]);
    const canvas = new RecordingCanvas();
    const result = new TimelineRenderer().render(canvas, context({ mode: 'raw', raw, counters: counterSeries(null, raw.events, 0) }));
    expect(result.drawnEvents).toBe(events.length);
    expect(result.drawnCells).toBe(0);
    expect(new Set(result.tracks.map((t) => t.key))).toEqual(new Set([...tracksOf().all().map((t) => t.key)]));
    // Lifecycle slices are labelled with the fault's cookie.
    expect(canvas.texts.some((t) => t.text === 'cookie 1')).toBe(true);
    // Counters draw their maximum.
    expect(canvas.texts.map((t) => t.text)).toEqual(expect.arrayContaining(['max 2']));
  });

  it('lod: paints bucket cells, batched, and no event markers, however many events they stand for', () => {
    const lod = buildLodFrame([segment(lodWindow(10), 0, 10_000)]);
    expect(lod.maxCount).toBe(10_000);
    const canvas = new RecordingCanvas();
    const result = new TimelineRenderer().render(canvas, context({ mode: 'lod', lod }));
    expect(result.drawnEvents).toBe(0);
    expect(result.drawnCells).toBe(10);
    // Ten cells of one shade merge into one path; the latency bars are one more path.
    expect(canvas.pathFills.filter((f) => f.startsWith('hsl(210.0'))).toHaveLength(1);
    expect(canvas.pathFills.filter((f) => f.startsWith('hsl(12.0'))).toHaveLength(1);
    // No counter series known: the counter rows say so instead of drawing.
    expect(canvas.texts.filter((t) => t.text === 'loading…')).toHaveLength(2);
  });

  it('lod: counters draw the host’s per-bucket envelope, scaled to the largest value in view', () => {
    const segs = [segment(withCounters(lodWindow(10)), 0, 10_000)];
    const lod = buildLodFrame(segs);
    const counters = new FrameMemo().counterFrame(segs);
    const prq = counters.get('counter#prq/iommu#0')!;
    // Entry value 1 until bucket 3, its peak 4 there, then 2 through bucket 6 (whose peak is 2), then 0.
    expect([prq.startNs, prq.endNs, prq.value]).toEqual([
      [0, 3000, 4000, 7000],
      [3000, 4000, 7000, 10_000],
      [1, 4, 2, 0],
    ]);
    const canvas = new RecordingCanvas();
    new TimelineRenderer().render(canvas, context({ mode: 'lod', lod, counters }));
    // One path for PRQ of unit 0; the device's PRI series is not in the window (zero there): no path, `max 0`.
    expect(canvas.pathFills.filter((f) => f.startsWith('hsl(195.0'))).toHaveLength(1);
    expect(canvas.texts.map((t) => t.text)).toEqual(expect.arrayContaining(['max 4', 'max 0']));
    // Zoomed onto bucket 0..2 only the entry value is in view.
    const narrow = new RecordingCanvas();
    new TimelineRenderer().render(narrow, context({ mode: 'lod', lod, counters, window: { startNs: 0, endNs: 2500 } }));
    expect(narrow.texts.map((t) => t.text)).toContain('max 1');
  });

  it('lod: a filter shades cells by their matches where the pages counted them', () => {
    const base = lodWindow(10);
    const track = base.tracks[0]!;
    // Matches only in buckets 2 and 5.
    const filtered: TimelineWindow = { ...base, path: 'raw', filtered: true, tracks: [{ ...track, matched: track.bucket.map((b) => (b === 2 || b === 5 ? 3 : 0)) }] };
    const lod = buildLodFrame([segment(filtered, 0, 10_000)]);
    expect([lod.filteredSegments, lod.unfilteredSegments]).toEqual([1, 0]);
    const filter = { kinds: ['PR_SEND' as const] };
    const hide = new RecordingCanvas();
    new TimelineRenderer().render(hide, context({ mode: 'lod', lod, filter, filterMode: 'hide' }));
    const off = new RecordingCanvas();
    new TimelineRenderer().render(off, context({ mode: 'lod', lod }));
    // Off: ten cells of one shade merge into one rect, plus ten latency bars; hide: the two matching cells and their two bars.
    expect(off.rectCount - hide.rectCount).toBe(1 + 10 - (2 + 2));
    const dim = new RecordingCanvas();
    new TimelineRenderer().render(dim, context({ mode: 'lod', lod, filter, filterMode: 'dim' }));
    // Dim: the eight non-matching cells form one more (faint) path than hide draws.
    expect(dim.pathFills.length).toBe(hide.pathFills.length + 1);
    expect(dim.rectCount - hide.rectCount).toBe(8);
    // A page answered from the pyramid could not filter: it is drawn whole and counted as such.
    const unfiltered = buildLodFrame([segment({ ...base, filtered: false }, 0, 10_000)]);
    expect([unfiltered.filteredSegments, unfiltered.unfilteredSegments]).toEqual([0, 1]);
    const whole = new RecordingCanvas();
    new TimelineRenderer().render(whole, context({ mode: 'lod', lod: unfiltered, filter, filterMode: 'hide' }));
    expect(whole.pathFills.filter((f) => f.startsWith('hsl(210.0'))).toHaveLength(1);
    expect(hide.pathFills.filter((f) => f.startsWith('hsl(210.0')).length).toBeGreaterThanOrEqual(1);
  });

  it('long track titles end in an ellipsis before the pin toggle', () => {
    const set = new TrackSet();
    set.add('iommufd', 0x300, 1);
    set.add('iommufd', 0xffff, 0xfffff);
    const canvas = new RecordingCanvas();
    new TimelineRenderer().render(canvas, context({ mode: 'raw', raw: buildRawFrame([]), layout: layoutRows(set.all(), { collapsed: new Set(), pinned: new Set() }) }));
    const titles = canvas.texts.filter((t) => t.x === GEOMETRY.labelLeft && t.text.startsWith('fault queue'));
    expect(titles).toHaveLength(2);
    const pinLeft = GEOMETRY.labelWidth - GEOMETRY.pinRight - GEOMETRY.pinSize;
    for (const t of titles) expect(t.x + t.text.length * 6).toBeLessThanOrEqual(pinLeft - 4);
    expect(titles.some((t) => t.text.endsWith('…'))).toBe(true);
    expect(labelTextWidth()).toBeLessThan(pinLeft - GEOMETRY.labelLeft);
  });

  it('collapsed groups hide their tracks; pinned tracks stay at the top', () => {
    const canvas = new RecordingCanvas();
    const collapsed = new TimelineRenderer().render(canvas, context({ mode: 'raw', raw: buildRawFrame([]) }, ['hardware']));
    expect(collapsed.tracks.some((t) => t.key.startsWith('device'))).toBe(false);
    const pinned = new TimelineRenderer().render(canvas, context({ mode: 'raw', raw: buildRawFrame([]) }, [], ['check']));
    expect(pinned.tracks[0]).toEqual({ key: 'check', top: GEOMETRY.axisHeight + GEOMETRY.alertHeight, height: pinned.tracks[0]!.height });
  });

  it('a message replaces the tracks', () => {
    const canvas = new RecordingCanvas();
    const result = new TimelineRenderer().render(canvas, context({ mode: 'raw', message: 'Loading…' }));
    expect(result.tracks).toEqual([]);
    expect(canvas.texts.map((t) => t.text)).toContain('Loading…');
  });
});

describe('hitTest', () => {
  const events = oneFault();
  const raw = buildRawFrame([segment(rawWindow(0, 16_384, events), 0, 16_384)]);
  const rc = context({ mode: 'raw', raw, alerts: [events[19]!] });
  const scale = timeScaleOf(rc.window, rc.width);
  const rowY = (key: string): number => {
    const r = screenRows(rc.layout, 0, HEIGHT).find((s) => s.row.track?.key === key)!;
    return r.y + r.row.height / 2;
  };

  it('finds stacked markers nearest first, lowest seq first on ties', () => {
    const hit = hitTest(rc, scale.toPx(3900), rowY('iommufd#768/pasid#1'));
    expect(hit).toEqual({ kind: 'events', seqs: [12, 13] });
  });

  it('hits a lifecycle slice between its markers and selects its first event', () => {
    const hit = hitTest(rc, scale.toPx(6000), rowY('device#768/pasid#1'));
    expect(hit).toEqual({ kind: 'slice', seq: 2 });
  });

  it('misses empty space, and hits alerts, pins and group headers', () => {
    expect(hitTest(rc, scale.toPx(6000), rowY('check'))).toEqual({ kind: 'none' });
    expect(hitTest(rc, scale.toPx(9454) + 2, GEOMETRY.axisHeight + 5)).toEqual({ kind: 'alert', seq: 19 });
    expect(hitTest(rc, GEOMETRY.labelWidth - GEOMETRY.pinRight - 4, rowY('check'))).toEqual({ kind: 'pin', trackKey: 'check' });
    // The title part of the label names the track in full (the canvas tooltip).
    expect(hitTest(rc, 40, rowY('iommufd#768/pasid#1'))).toEqual({ kind: 'label', trackKey: 'iommufd#768/pasid#1', title: 'fault queue 03:00.0 · PASID 1' });
    const header = screenRows(rc.layout, 0, HEIGHT).find((r) => r.row.type === 'group')!;
    expect(hitTest(rc, 20, header.y + 4)).toEqual({ kind: 'group', group: 'hardware' });
  });

  it('hides filtered-out events from clicks in hide mode', () => {
    const filtered = { ...rc, filter: { kinds: ['FAULT_READ' as const] }, filterMode: 'hide' as const };
    expect(hitTest(filtered, scale.toPx(2900), rowY('iommufd#768/pasid#1'))).toEqual({ kind: 'slice', seq: 10 });
    expect(hitTest({ ...filtered, filterMode: 'dim' }, scale.toPx(2900), rowY('iommufd#768/pasid#1'))).toEqual({ kind: 'events', seqs: [10] });
  });

  it('lod: a click on a cell names its span and its longest slice', () => {
    const lod = buildLodFrame([segment(lodWindow(10), 0, 10_000)]);
    const lrc = context({ mode: 'lod', lod });
    const hit = hitTest(lrc, scale.toPx(3500), rowY('device#768/pasid#1'));
    expect(hit).toEqual({ kind: 'cell', trackKey: 'device#768/pasid#1', startNs: 3000, endNs: 4000, count: 10_000, maxSliceSeq: 30_007 });
  });
});

describe('FrameMemo', () => {
  it('rebuilds only when the pages change', () => {
    const memo = new FrameMemo();
    const segs = [segment(rawWindow(0, 16_384, oneFault()), 0, 16_384)];
    const a = memo.rawFrame(segs);
    expect(memo.rawFrame([...segs])).toBe(a);
    expect(memo.rawFrame([segment(rawWindow(0, 16_384, oneFault()), 0, 16_384, 5, 1)])).not.toBe(a);
  });
});
