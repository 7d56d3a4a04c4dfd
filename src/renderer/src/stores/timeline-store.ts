/**
 * Timeline view state: the visible window (virtual ns), the session's time
 * bounds and the selected event's seq. Event data never lives here: the
 * timeline keeps its windows in a non-reactive cache, the inspector fetches
 * the selected event by seq. Zoom and pan keep the window inside the bounds
 * widened by a margin, so the user cannot lose the trace off-screen.
 *
 * The player's cursor IS `selectedSeq`: any panel selects an event with
 * `selectSeq(seq, { reveal: true })`, and the timeline brings it into view
 * when it sees `revealRequest` change.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { followAction, followedWindow } from '@renderer/timeline/follow';

/** Narrowest window, ns: a few ns per pixel is far below any event spacing. */
export const MIN_SPAN_NS = 20;
/** Fit leaves this fraction of the session span free on each side. */
const FIT_MARGIN = 0.04;
/** The window may leave the session by this fraction of its span (min 100 ns) on each side. */
const LIMIT_MARGIN = 0.25;

/** A request to bring an event into view; `id` grows so the same seq can be revealed twice. */
export interface RevealRequest {
  readonly id: number;
  readonly seq: number;
}

export interface SelectOptions {
  /** Bring the event into view (pan, and zoom in when it is lost in a wide window). */
  readonly reveal?: boolean;
}

export const useTimelineStore = defineStore('timeline', () => {
  /** First and last event time of the shown session, ns. */
  const boundsStartNs = ref(0);
  const boundsEndNs = ref(0);
  /** The visible window, ns. */
  const startNs = ref(0);
  const endNs = ref(1_000);
  /** The selected event (the player's cursor), or null. */
  const selectedSeq = ref<number | null>(null);
  const revealRequest = shallowRef<RevealRequest | null>(null);
  let revealCounter = 0;

  const spanNs = computed(() => endNs.value - startNs.value);

  function limits(): { lo: number; hi: number } {
    const span = boundsEndNs.value - boundsStartNs.value;
    const margin = Math.max(100, span * LIMIT_MARGIN);
    return { lo: boundsStartNs.value - margin, hi: boundsEndNs.value + margin };
  }

  /** Sets the window, clamped to the limits and to MIN_SPAN_NS. */
  function setWindow(start: number, end: number): void {
    const { lo, hi } = limits();
    let span = Math.min(Math.max(end - start, MIN_SPAN_NS), hi - lo);
    if (!Number.isFinite(span)) span = hi - lo;
    let s = Math.min(Math.max(start, lo), hi - span);
    if (!Number.isFinite(s)) s = lo;
    startNs.value = s;
    endNs.value = s + span;
  }

  /** New session: new bounds, fitted window, no selection. */
  function setBounds(start: number, end: number): void {
    boundsStartNs.value = start;
    boundsEndNs.value = Math.max(start, end);
    selectSeq(null);
    fit();
  }

  /**
   * The session recorded more (it is still running): its end moves to
   * `end`. A fitted view keeps showing the whole session, a view at the old
   * end follows the new one (same width), any other view stays put.
   */
  function growBounds(end: number): void {
    const oldEnd = boundsEndNs.value;
    if (!(end > oldEnd)) return;
    const action = followAction({ startNs: startNs.value, endNs: endNs.value }, oldEnd, isFitted.value);
    boundsEndNs.value = end;
    if (action === 'fit') fit();
    else if (action === 'follow') {
      const w = followedWindow({ startNs: startNs.value, endNs: endNs.value }, oldEnd, end, action);
      setWindow(w.startNs, w.endNs);
    }
  }

  /** Shows the whole session with a small margin. */
  function fit(): void {
    const span = boundsEndNs.value - boundsStartNs.value;
    const margin = Math.max(50, span * FIT_MARGIN);
    setWindow(boundsStartNs.value - margin, boundsEndNs.value + margin);
  }

  /** True when the window is what fit() would show. */
  const isFitted = computed(() => {
    const span = boundsEndNs.value - boundsStartNs.value;
    const margin = Math.max(50, span * FIT_MARGIN);
    const want = span + 2 * margin;
    return Math.abs(spanNs.value - want) <= want * 1e-6 + 1 && Math.abs(startNs.value - (boundsStartNs.value - margin)) <= want * 1e-6 + 1;
  });

  /**
   * Zooms by `factor` (>1 in, <1 out) keeping `anchorNs` at the same place on
   * screen; the anchor defaults to the window centre.
   */
  function zoom(factor: number, anchorNs: number = (startNs.value + endNs.value) / 2): void {
    if (!(factor > 0)) return;
    const span = spanNs.value;
    const newSpan = Math.max(span / factor, MIN_SPAN_NS);
    const ratio = span > 0 ? (anchorNs - startNs.value) / span : 0.5;
    const start = anchorNs - ratio * newSpan;
    setWindow(start, start + newSpan);
  }

  /** Moves the window by `deltaNs` (positive = later). */
  function pan(deltaNs: number): void {
    setWindow(startNs.value + deltaNs, endNs.value + deltaNs);
  }

  /** Moves the window by a fraction of its width (A/D keys). */
  function panByFraction(fraction: number): void {
    pan(spanNs.value * fraction);
  }

  /** Centres the window on `ns`; `span` (ns) replaces the window width when given. */
  function centerOn(ns: number, span: number = spanNs.value): void {
    setWindow(ns - span / 2, ns + span / 2);
  }

  /** Selects an event by seq (null clears); `reveal` asks the timeline to bring it into view. */
  function selectSeq(seq: number | null, opts: SelectOptions = {}): void {
    selectedSeq.value = seq;
    if (seq !== null && opts.reveal) revealRequest.value = { id: ++revealCounter, seq };
  }

  return {
    boundsStartNs,
    boundsEndNs,
    startNs,
    endNs,
    selectedSeq,
    revealRequest,
    spanNs,
    isFitted,
    setWindow,
    setBounds,
    growBounds,
    fit,
    zoom,
    pan,
    panByFraction,
    centerOn,
    selectSeq,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useTimelineStore, import.meta.hot));
