/**
 * Event colours. Events of one fault share its iommufd cookie and its colour,
 * so a fault can be followed across tracks by eye; events without a cookie
 * are coloured by kind. Every event colour is strongly saturated, and the
 * rest of the timeline (background, grid, text) is grey: that split is what
 * the e2e test relies on to find drawn events in the pixels.
 */
import { EVENT_KINDS, type EventKind, type EventRow } from '@shared/events';

export type ColorScheme = 'dark' | 'light';

/** Kinds that mean something went wrong are always red, whatever their cookie. */
const ALARM_KINDS: ReadonlySet<EventKind> = new Set(['ASSERT_FAIL', 'INVARIANT_VIOLATION', 'FD_ERRNO', 'IOPF_NO_HANDLER']);
const ALARM_HUE = 0;
const PASS_HUE = 130;

const GOLDEN_ANGLE = 137.508;

/** Hue for a cookie, kept out of the red band reserved for alarms. */
export function cookieHue(cookie: number): number {
  return 25 + ((cookie * GOLDEN_ANGLE) % 310);
}

export function kindHue(kind: EventKind): number {
  if (ALARM_KINDS.has(kind)) return ALARM_HUE;
  if (kind === 'ASSERT_PASS') return PASS_HUE;
  return 25 + ((EVENT_KINDS.indexOf(kind) * GOLDEN_ANGLE) % 310);
}

export function eventHue(e: Pick<EventRow, 'kind' | 'cookie'>): number {
  if (ALARM_KINDS.has(e.kind) || e.cookie === null) return kindHue(e.kind);
  return cookieHue(e.cookie);
}

/** CSS colour of an event for the scheme; `alpha` for spans and flow lines. */
export function hueColor(hue: number, scheme: ColorScheme, alpha = 1): string {
  const [s, l] = scheme === 'dark' ? [72, 60] : [68, 44];
  return `hsl(${hue.toFixed(1)} ${s}% ${l}% / ${alpha})`;
}
