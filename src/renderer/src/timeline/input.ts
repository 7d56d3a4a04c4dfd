/**
 * What mouse wheel and keys mean on the timeline, as pure functions from an
 * input to an action, so the bindings are testable without a DOM:
 *   wheel            zoom around the pointer
 *   Shift+wheel      pan (also horizontal trackpad swipes)
 *   Alt+wheel        scroll the tracks vertically
 *   W / S            zoom in / out (around the pointer when it is over the canvas)
 *   A / D            pan left / right by a tenth of the window
 *   F                fit the whole session
 *   Escape           clear the selection
 */

export type TimelineAction =
  | { readonly kind: 'zoom'; readonly factor: number }
  | { readonly kind: 'pan'; readonly fraction: number }
  | { readonly kind: 'panPx'; readonly px: number }
  | { readonly kind: 'scroll'; readonly px: number }
  | { readonly kind: 'fit' }
  | { readonly kind: 'deselect' };

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

export interface KeyInput {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
}

const KEY_ZOOM = 1.3;
const KEY_PAN = 0.1;

export function keyAction(e: KeyInput): TimelineAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  switch (e.key.toLowerCase()) {
    case 'w':
      return { kind: 'zoom', factor: KEY_ZOOM };
    case 's':
      return { kind: 'zoom', factor: 1 / KEY_ZOOM };
    case 'a':
      return { kind: 'pan', fraction: -KEY_PAN };
    case 'd':
      return { kind: 'pan', fraction: KEY_PAN };
    case 'f':
      return { kind: 'fit' };
    case 'escape':
      return { kind: 'deselect' };
    default:
      return null;
  }
}

/** Keys typed into form controls are not timeline commands. */
export function isTextEntryTarget(target: EventTarget | null): boolean {
  if (typeof HTMLElement === 'undefined' || !(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName);
}
