/**
 * What the mouse wheel means on the timeline, as a pure function from an
 * input to an action, so it is testable without a DOM (keys are in
 * keyboard/keymap.ts):
 *   wheel            zoom around the pointer
 *   Shift+wheel      pan (also horizontal trackpad swipes)
 *   Alt+wheel        scroll the tracks vertically
 */

export type TimelineAction =
  | { readonly kind: 'zoom'; readonly factor: number }
  | { readonly kind: 'pan'; readonly fraction: number }
  | { readonly kind: 'panPx'; readonly px: number }
  | { readonly kind: 'scroll'; readonly px: number };

export interface WheelInput {
  readonly deltaX: number;
  readonly deltaY: number;
  /** 0 = pixels, 1 = lines, 2 = pages (WheelEvent.deltaMode). */
  readonly deltaMode: number;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
}

const LINE_PX = 16;
const PAGE_PX = 400;
/** Zoom per wheel pixel: one mouse notch (≈100 px) zooms by ≈1.35×. */
const ZOOM_PER_PX = 0.003;

export function wheelAction(e: WheelInput): TimelineAction | null {
  const unit = e.deltaMode === 1 ? LINE_PX : e.deltaMode === 2 ? PAGE_PX : 1;
  const dx = e.deltaX * unit;
  const dy = e.deltaY * unit;
  if (e.altKey) return dy === 0 ? null : { kind: 'scroll', px: dy };
  // Shift+wheel: most platforms already turn it into deltaX; accept either.
  if (e.shiftKey) return dx + dy === 0 ? null : { kind: 'panPx', px: dx || dy };
  if (Math.abs(dx) > Math.abs(dy)) return { kind: 'panPx', px: dx };
  if (dy === 0) return null;
  return { kind: 'zoom', factor: Math.exp(-dy * ZOOM_PER_PX) };
}
