/**
 * Canvas colours, read from the CSS custom properties of assets/theme.css so
 * the canvas follows the same dark/light scheme as the DOM around it.
 */
import type { ColorScheme } from './colors';

export interface TimelineTheme {
  readonly scheme: ColorScheme;
  readonly background: string;
  /** Every other layer group gets this background. */
  readonly backgroundAlt: string;
  readonly panel: string;
  readonly separator: string;
  readonly grid: string;
  readonly text: string;
  readonly textDim: string;
  readonly font: string;
  readonly fontSmall: string;
}

export const FALLBACK_THEME: TimelineTheme = {
  scheme: 'dark',
  background: '#16181c',
  backgroundAlt: '#1b1e23',
  panel: '#202328',
  separator: '#30343b',
  grid: '#262a30',
  text: '#d8dbe0',
  textDim: '#8a919b',
  font: '12px system-ui, sans-serif',
  fontSmall: '11px system-ui, sans-serif',
};

/** Reads `--tl-*` variables from `el`'s computed style. */
export function readTheme(el: Element): TimelineTheme {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  const family = css.fontFamily || 'system-ui, sans-serif';
  return {
    scheme: v('--tl-scheme', FALLBACK_THEME.scheme) === 'light' ? 'light' : 'dark',
    background: v('--tl-bg', FALLBACK_THEME.background),
    backgroundAlt: v('--tl-bg-alt', FALLBACK_THEME.backgroundAlt),
    panel: v('--tl-panel', FALLBACK_THEME.panel),
    separator: v('--tl-separator', FALLBACK_THEME.separator),
    grid: v('--tl-grid', FALLBACK_THEME.grid),
    text: v('--tl-text', FALLBACK_THEME.text),
    textDim: v('--tl-text-dim', FALLBACK_THEME.textDim),
    font: `12px ${family}`,
    fontSmall: `11px ${family}`,
  };
}
