import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { MIN_SPAN_NS, useTimelineStore } from './timeline-store';

describe('useTimelineStore', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('setBounds() fits the session with a margin and clears the selection', () => {
    const store = useTimelineStore();
    store.selectSeq(3);
    store.setBounds(1_000, 11_000);
    expect(store.startNs).toBeLessThan(1_000);
    expect(store.endNs).toBeGreaterThan(11_000);
    expect(store.startNs).toBeGreaterThan(0);
    expect(store.selectedSeq).toBeNull();
    expect(store.isFitted).toBe(true);
  });

  it('fit() works for a session whose events all share one instant', () => {
    const store = useTimelineStore();
    store.setBounds(500, 500);
    expect(store.startNs).toBeLessThan(500);
    expect(store.endNs).toBeGreaterThan(500);
    expect(store.spanNs).toBeGreaterThanOrEqual(MIN_SPAN_NS);
  });

  it('zoom() in keeps the anchor at the same screen fraction', () => {
    const store = useTimelineStore();
    store.setBounds(0, 10_000);
    store.setWindow(0, 10_000);
    store.zoom(2, 2_500);
    expect(store.spanNs).toBeCloseTo(5_000);
    // 2500 was at 25% of the window and still is.
    expect((2_500 - store.startNs) / store.spanNs).toBeCloseTo(0.25);
  });

  it('zoom() stops at MIN_SPAN_NS', () => {
    const store = useTimelineStore();
    store.setBounds(0, 10_000);
    for (let i = 0; i < 50; i++) store.zoom(4, 5_000);
    expect(store.spanNs).toBe(MIN_SPAN_NS);
  });

  it('zoom() out stops at the bounds plus margin', () => {
    const store = useTimelineStore();
    store.setBounds(0, 10_000);
    for (let i = 0; i < 50; i++) store.zoom(0.25);
    expect(store.startNs).toBe(-2_500);
    expect(store.endNs).toBe(12_500);
  });

  it('pan() moves the window and stops at the limits', () => {
    const store = useTimelineStore();
    store.setBounds(0, 10_000);
    store.setWindow(2_000, 4_000);
    store.pan(1_000);
    expect([store.startNs, store.endNs]).toEqual([3_000, 5_000]);
    store.panByFraction(-0.5);
    expect([store.startNs, store.endNs]).toEqual([2_000, 4_000]);
    store.pan(1e9);
    expect(store.endNs).toBe(12_500);
    expect(store.spanNs).toBe(2_000);
  });

  it('selectSeq() selects by seq; reveal issues a new request each time', () => {
    const store = useTimelineStore();
    store.selectSeq(7);
    expect(store.selectedSeq).toBe(7);
    expect(store.revealRequest).toBeNull();
    store.selectSeq(9, { reveal: true });
    const first = store.revealRequest;
    expect(first?.seq).toBe(9);
    store.selectSeq(9, { reveal: true });
    expect(store.revealRequest?.seq).toBe(9);
    expect(store.revealRequest?.id).toBeGreaterThan(first!.id);
    store.selectSeq(null, { reveal: true });
    expect(store.selectedSeq).toBeNull();
    expect(store.revealRequest?.seq).toBe(9);
  });

  it('centerOn() keeps the span unless told otherwise; isFitted turns false', () => {
    const store = useTimelineStore();
    store.setBounds(0, 10_000);
    store.setWindow(0, 2_000);
    expect(store.isFitted).toBe(false);
    store.centerOn(5_000);
    expect([store.startNs, store.endNs]).toEqual([4_000, 6_000]);
    store.centerOn(5_000, 400);
    expect([store.startNs, store.endNs]).toEqual([4_800, 5_200]);
  });

  it('growBounds() keeps a fitted view whole, follows a view at the end, and leaves any other view', () => {
    const store = useTimelineStore();
    store.setBounds(0, 10_000);
    expect(store.isFitted).toBe(true);
    store.growBounds(20_000);
    expect(store.boundsEndNs).toBe(20_000);
    expect(store.isFitted).toBe(true);
    expect(store.endNs).toBeGreaterThan(20_000);
    // At the end: the window slides with the session's end, same width.
    store.setWindow(15_000, 20_000);
    store.growBounds(26_000);
    expect([store.startNs, store.endNs]).toEqual([21_000, 26_000]);
    // Somewhere in the middle: nothing moves.
    store.setWindow(5_000, 8_000);
    store.growBounds(40_000);
    expect([store.startNs, store.endNs, store.boundsEndNs]).toEqual([5_000, 8_000, 40_000]);
    // Never shrinks.
    store.growBounds(30_000);
    expect(store.boundsEndNs).toBe(40_000);
  });
});
