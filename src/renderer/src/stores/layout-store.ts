/**
 * The window's arrangement: which centre view shows (editor, timeline, stats,
 * diff), the colour theme, the keyboard help, and requests to reveal a
 * scenario line in the editor. Panels talk to each other through this store
 * instead of importing one another (the inspector asks for a line; the editor
 * watches `revealRequest` and scrolls there).
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';

export const CENTER_VIEWS = ['editor', 'timeline', 'stats', 'diff'] as const;
export type CenterView = (typeof CENTER_VIEWS)[number];

export const THEMES = ['system', 'dark', 'light'] as const;
export type ThemeChoice = (typeof THEMES)[number];

/** A request to show a place of the scenario in the editor; `id` grows so the same line can be asked twice. */
export interface RevealRequest {
  readonly id: number;
  readonly line: number;
  readonly column: number;
  /** The session whose scenario holds the line (its source is opened when it is not the editor's). */
  readonly sessionId: number | null;
}

const THEME_KEY = 'iopf.theme';

function storedTheme(): ThemeChoice {
  try {
    const v = globalThis.localStorage?.getItem(THEME_KEY);
    return (THEMES as readonly string[]).includes(v ?? '') ? (v as ThemeChoice) : 'system';
  } catch {
    return 'system';
  }
}

function systemPrefersLight(): boolean {
  return typeof globalThis.matchMedia === 'function' && globalThis.matchMedia('(prefers-color-scheme: light)').matches;
}

export const useLayoutStore = defineStore('layout', () => {
  const centerView = ref<CenterView>('timeline');
  const theme = ref<ThemeChoice>(storedTheme());
  /** Bumped when the OS scheme changes so `effectiveTheme` recomputes. */
  const systemLight = ref(systemPrefersLight());
  const helpOpen = ref(false);
  const revealRequest = shallowRef<RevealRequest | null>(null);
  let revealCounter = 0;

  const effectiveTheme = computed<'dark' | 'light'>(() =>
    theme.value === 'system' ? (systemLight.value ? 'light' : 'dark') : theme.value,
  );

  function showView(view: CenterView): void {
    centerView.value = view;
  }

  function setTheme(choice: ThemeChoice): void {
    theme.value = choice;
    try {
      globalThis.localStorage?.setItem(THEME_KEY, choice);
    } catch {
      // Storage may be unavailable (private mode); the choice still holds for this window.
    }
  }

  /** dark → light → system → dark… */
  function cycleTheme(): void {
    setTheme(theme.value === 'dark' ? 'light' : theme.value === 'light' ? 'system' : 'dark');
  }

  function toggleHelp(open: boolean = !helpOpen.value): void {
    helpOpen.value = open;
  }

  /** Switches to the editor and asks it to reveal `line` (1-based). */
  function revealScenarioLine(line: number, column = 1, sessionId: number | null = null): void {
    revealRequest.value = { id: ++revealCounter, line, column, sessionId };
    centerView.value = 'editor';
  }

  /** Keeps the document's data-theme in step (theme.css keys its variables on it). */
  function applyThemeTo(root: { dataset: Record<string, string | undefined> }): () => void {
    const media = typeof globalThis.matchMedia === 'function' ? globalThis.matchMedia('(prefers-color-scheme: light)') : null;
    const onMedia = (): void => {
      systemLight.value = media?.matches ?? false;
    };
    media?.addEventListener('change', onMedia);
    const stop = watch(
      effectiveTheme,
      (t) => {
        root.dataset.theme = t;
      },
      { immediate: true },
    );
    return () => {
      stop();
      media?.removeEventListener('change', onMedia);
    };
  }

  return {
    centerView,
    theme,
    effectiveTheme,
    helpOpen,
    revealRequest,
    showView,
    setTheme,
    cycleTheme,
    toggleHelp,
    revealScenarioLine,
    applyThemeTo,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useLayoutStore, import.meta.hot));
