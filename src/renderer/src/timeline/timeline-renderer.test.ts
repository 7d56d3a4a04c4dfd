import { describe, expect, it } from 'vitest';
import { fakeEvent } from '@renderer/testing/fake-api';
import { RecordingCanvas } from '@renderer/testing/recording-canvas';
import { buildTimelineData } from './timeline-data';
import { FALLBACK_THEME } from './theme';
import { GEOMETRY, TimelineRenderer, hitTest, hitTestAll, trackLayout, type RenderContext } from './timeline-renderer';

const events = [
  fakeEvent(0, { t: 1_000, layer: 'device', dev: 2, kind: 'DMA_ISSUE' }),
  fakeEvent(1, { t: 4_000, layer: 'iommufd', dev: 2, kind: 'FAULT_READ', cookie: 1 }),
  fakeEvent(2, { t: 4_000, layer: 'iommufd', dev: 2, kind: 'FAULT_READ', cookie: 1 }),
  fakeEvent(3, { t: 9_000, layer: 'iommufd', dev: 2, kind: 'RESPONSE_WRITE', cookie: 1 }),
];
const data = buildTimelineData(7, events);

/** Track area is 1000 px wide for 0..10000 ns: 10 ns per px, x = 188 + t / 10. */
function context(overrides: Partial<RenderContext> = {}): RenderContext {
  return {
    data,
    window: { startNs: 0, endNs: 10_000 },
    width: GEOMETRY.labelWidth + 1_000,
    height: 400,
    dpr: 1,
    scrollY: 0,
    theme: FALLBACK_THEME,
    selectedSeq: null,
    message: null,
    ...overrides,
  };
}

const xOf = (t: number): number => GEOMETRY.labelWidth + t / 10;
const midOf = (trackIndex: number): number => GEOMETRY.axisHeight + (trackIndex + 0.5) * GEOMETRY.trackHeight;

describe('TimelineRenderer.render', () => {
  it('draws every event in the window and reports the track rows', () => {
    const canvas = new RecordingCanvas();
    const result = new TimelineRenderer().render(canvas, context());
    expect(result.drawnEvents).toBe(4);
    expect(result.tracks).toEqual([
      { key: 'device#2', top: 28, height: 30 },
      { key: 'iommufd#2', top: 58, height: 30 },
    ]);
    expect(canvas.texts.map((t) => t.text)).toEqual(expect.arrayContaining(['PCIe function', 'iommufd', 'FAULT_READ ×2']));
  });

  it('counts only events inside the window', () => {
    const result = new TimelineRenderer().render(new RecordingCanvas(), context({ window: { startNs: 3_000, endNs: 5_000 } }));
    expect(result.drawnEvents).toBe(2);
  });

  it('draws no events for an empty session and says so', () => {
    const canvas = new RecordingCanvas();
    const result = new TimelineRenderer().render(canvas, context({ data: buildTimelineData(8, []) }));
    expect(result.drawnEvents).toBe(0);
    expect(result.tracks).toEqual([]);
    expect(canvas.pathFills).toEqual([]);
    expect(canvas.texts.map((t) => t.text)).toEqual(['This session recorded no events.']);
  });

  it('shows the message instead of the tracks while loading', () => {
    const canvas = new RecordingCanvas();
    const result = new TimelineRenderer().render(canvas, context({ message: 'Loading events…' }));
    expect(result.drawnEvents).toBe(0);
    expect(canvas.texts.map((t) => t.text)).toEqual(['Loading events…']);
  });

  it('skips rows scrolled out of view', () => {
    const result = new TimelineRenderer().render(new RecordingCanvas(), context({ scrollY: GEOMETRY.trackHeight }));
    // device#2 is now under the axis; only the three iommufd events are visible.
    expect(result.drawnEvents).toBe(3);
  });
});

describe('hit testing', () => {
  it('finds the event under a marker centre', () => {
    expect(hitTest(context(), xOf(1_000), midOf(0))?.seq).toBe(0);
    expect(hitTest(context(), xOf(9_000) + 4, midOf(1))?.seq).toBe(3);
  });

  it('misses empty space, the label column and the axis', () => {
    expect(hitTest(context(), xOf(2_000), midOf(0))).toBeNull();
    expect(hitTest(context(), 50, midOf(0))).toBeNull();
    expect(hitTest(context(), xOf(1_000), 10)).toBeNull();
    expect(hitTest(context(), xOf(1_000), midOf(5))).toBeNull();
  });

  it('returns stacked events in seq order', () => {
    expect(hitTestAll(context(), xOf(4_000), midOf(1)).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('uses the same rows as the layout, also when scrolled', () => {
    const rc = context({ scrollY: 10 });
    const row = trackLayout(rc.data, rc.scrollY)[1]!;
    expect(hitTest(rc, xOf(9_000), row.top + row.height / 2)?.seq).toBe(3);
  });
});
