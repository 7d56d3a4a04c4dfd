/**
 * The keyboard map of the workbench: one table of bindings that the `?` help
 * overlay lists and the key dispatchers match against. Panels add their own
 * rows to KEYMAP (append, keep ids unique, prefix them with the panel's
 * scope) and handle them with createKeyDispatcher(scope, handlers).
 *
 * A key is written as the KeyboardEvent.key it produces, lower-case for
 * letters, with modifiers in front: `w`, `shift+enter`, `ctrl+p`, `?`, `.`,
 * `space`, `escape`. Shift is implied for punctuation (`?` is Shift+/ on most
 * layouts), so it is only compared for letters and named keys.
 */

/** Where a binding applies; the help overlay groups by it. */
export type KeyScope = 'global' | 'timeline' | 'player' | 'editor' | 'inspector' | 'sessions' | 'diff';

/** Scopes whose keys are heard window-wide (outside text entry); they must not share a key. */
export const WINDOW_WIDE_SCOPES: readonly KeyScope[] = ['global', 'timeline', 'player'];

export interface KeyBinding {
  /** Stable id, `<scope>.<action>`, what handlers are keyed by. */
  readonly id: string;
  /** Alternatives; any of them triggers the binding. */
  readonly keys: readonly string[];
  readonly description: string;
  readonly scope: KeyScope;
}

export const KEYMAP: KeyBinding[] = [
  { id: 'global.help', keys: ['?'], description: 'Show or hide this list of keys (Escape closes it)', scope: 'global' },
  // The timeline, after Perfetto's keys (ui.perfetto.dev): WASD, . , [ ] F / M.
  { id: 'timeline.zoomIn', keys: ['w'], description: 'Zoom in (at the pointer when it is over the tracks)', scope: 'timeline' },
  { id: 'timeline.zoomOut', keys: ['s'], description: 'Zoom out', scope: 'timeline' },
  { id: 'timeline.panLeft', keys: ['a'], description: 'Pan left', scope: 'timeline' },
  { id: 'timeline.panRight', keys: ['d'], description: 'Pan right', scope: 'timeline' },
  { id: 'timeline.nextEvent', keys: ['.'], description: 'Next event on the selected track (or the first in view)', scope: 'timeline' },
  { id: 'timeline.prevEvent', keys: [','], description: 'Previous event on the selected track (or the last in view)', scope: 'timeline' },
  { id: 'timeline.flowParent', keys: ['['], description: "Follow the selected event's flow back (its cause)", scope: 'timeline' },
  { id: 'timeline.flowChild', keys: [']'], description: "Follow the selected event's flow forward (its effect)", scope: 'timeline' },
  { id: 'timeline.fit', keys: ['f'], description: 'Fit the selection; again: the whole session', scope: 'timeline' },
  { id: 'timeline.search', keys: ['/'], description: 'Search events (cookie:3 kind:FAULT_READ dev:03:00.0 pasid:1 text)', scope: 'timeline' },
  { id: 'timeline.nextMatch', keys: ['enter'], description: 'Next search match (in the search box)', scope: 'timeline' },
  { id: 'timeline.prevMatch', keys: ['shift+enter'], description: 'Previous search match (in the search box)', scope: 'timeline' },
  { id: 'timeline.mark', keys: ['m'], description: 'Mark the selected event with a vertical line, kept as a session note (again: remove)', scope: 'timeline' },
  { id: 'timeline.clearMarks', keys: ['shift+m'], description: 'Remove every mark (and its note)', scope: 'timeline' },
  { id: 'timeline.deselect', keys: ['escape'], description: 'Clear the selection', scope: 'timeline' },
  { id: 'timeline.wheel', keys: ['wheel'], description: 'Zoom at the pointer (Shift: pan, Alt: scroll the tracks)', scope: 'timeline' },
  { id: 'timeline.drag', keys: ['drag'], description: 'Pan; a click selects (a zoomed-out cell: its longest slice, or zooms in)', scope: 'timeline' },
  // The player, after debuggers' keys (gdb's next/continue, F10 step): it moves the selection.
  { id: 'player.playPause', keys: ['space'], description: 'Play or pause from the selected event', scope: 'player' },
  { id: 'player.stepForward', keys: ['n', 'f10'], description: 'Step to the next event', scope: 'player' },
  { id: 'player.stepBack', keys: ['p', 'shift+f10'], description: 'Step to the previous event', scope: 'player' },
  { id: 'player.continue', keys: ['c'], description: 'Continue to the next breakpoint hit (or the last event)', scope: 'player' },
  { id: 'player.reverseContinue', keys: ['shift+c'], description: 'Reverse-continue to the previous breakpoint hit (or the first event)', scope: 'player' },
  { id: 'player.start', keys: ['home'], description: 'Jump to the first event', scope: 'player' },
  { id: 'player.end', keys: ['end'], description: 'Jump to the last event', scope: 'player' },
  { id: 'player.seek', keys: ['g'], description: 'Seek: type #1234, 3.9us, 3900ns or 2ms', scope: 'player' },
  { id: 'player.breakpoint', keys: ['b'], description: 'Add a breakpoint: cookie 3, code INVALID, errno EINVAL, 03:00.0, FAULT_READ, violation', scope: 'player' },
  // The sessions list, on the focused row.
  { id: 'sessions.select', keys: ['enter', 'space'], description: 'Show the focused session', scope: 'sessions' },
  { id: 'sessions.rename', keys: ['f2'], description: 'Rename the focused session (double-click too; Enter keeps, Escape drops)', scope: 'sessions' },
  { id: 'sessions.delete', keys: ['delete', 'backspace'], description: 'Delete the focused session (asks first)', scope: 'sessions' },
  { id: 'sessions.addNote', keys: ['ctrl+enter', 'meta+enter'], description: "Add the note typed in a session's notes", scope: 'sessions' },
  // The diff, on the focused row.
  { id: 'diff.showRow', keys: ['enter'], description: "Show the focused row's fault on the timeline", scope: 'diff' },
  // The scenario editor and its run bar (handled by the editor and the run bar, in text entry too).
  { id: 'editor.save', keys: ['ctrl+s', 'meta+s'], description: 'Save the scenario (an example or a new one asks for a name)', scope: 'editor' },
  { id: 'editor.saveAs', keys: ['ctrl+shift+s', 'meta+shift+s'], description: 'Save the scenario under a new workspace name', scope: 'editor' },
  { id: 'editor.run', keys: ['ctrl+enter', 'meta+enter'], description: 'Run the open scenario (in the editor; Enter in the seed field)', scope: 'editor' },
];

/** What a key spec needs from a KeyboardEvent. */
export interface KeyInput {
  readonly key: string;
  readonly shiftKey: boolean;
  readonly ctrlKey: boolean;
  readonly altKey: boolean;
  readonly metaKey: boolean;
}

interface ParsedKey {
  readonly key: string;
  readonly shift: boolean;
  readonly ctrl: boolean;
  readonly alt: boolean;
  readonly meta: boolean;
}

const NAMED: Readonly<Record<string, string>> = { ' ': 'space', spacebar: 'space', esc: 'escape' };

function normalKey(key: string): string {
  const k = key.length === 1 ? key.toLowerCase() : key.toLowerCase();
  return NAMED[k] ?? k;
}

export function parseKeySpec(spec: string): ParsedKey {
  const parts = spec.split('+');
  // `+` itself is a key: `shift++` or `+`.
  const key = spec.endsWith('++') || spec === '+' ? '+' : parts.pop()!;
  const mods = new Set(parts.filter((p) => p !== '').map((p) => p.toLowerCase()));
  return { key: normalKey(key), shift: mods.has('shift'), ctrl: mods.has('ctrl'), alt: mods.has('alt'), meta: mods.has('meta') };
}

/** Shift is part of the key for punctuation (`?`, `>`), so only letters and named keys compare it. */
const shiftMatters = (key: string): boolean => key.length > 1 || /[a-z]/.test(key);

export function keyMatches(spec: string, e: KeyInput): boolean {
  const want = parseKeySpec(spec);
  if (normalKey(e.key) !== want.key) return false;
  if (e.ctrlKey !== want.ctrl || e.altKey !== want.alt || e.metaKey !== want.meta) return false;
  return !shiftMatters(want.key) || e.shiftKey === want.shift;
}

/** The binding of `scopes` that `e` triggers, first in table order; null when none. */
export function bindingFor(e: KeyInput, scopes: readonly KeyScope[], bindings: readonly KeyBinding[] = KEYMAP): KeyBinding | null {
  for (const b of bindings) if (scopes.includes(b.scope) && b.keys.some((k) => keyMatches(k, e))) return b;
  return null;
}

/**
 * Keys typed into text entry are not commands: inputs, text areas, selects,
 * contenteditable elements and the Monaco editor (its hidden textarea, and
 * anything inside `.monaco-editor`).
 */
export function isTextEntryTarget(target: EventTarget | null): boolean {
  if (typeof HTMLElement === 'undefined' || !(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName)) return true;
  return target.closest('.monaco-editor, [contenteditable="true"]') !== null;
}

export type KeyHandlers = Readonly<Record<string, (e: KeyboardEvent) => void>>;

/**
 * A keydown listener for one scope: finds the binding, runs its handler and
 * stops the browser's default. Keys in text entry and bindings without a
 * handler pass through untouched.
 */
export function createKeyDispatcher(scopes: readonly KeyScope[], handlers: KeyHandlers, bindings: readonly KeyBinding[] = KEYMAP): (e: KeyboardEvent) => void {
  return (e) => {
    if (e.defaultPrevented || isTextEntryTarget(e.target)) return;
    const binding = bindingFor(e, scopes, bindings.filter((b) => handlers[b.id] !== undefined));
    if (!binding) return;
    e.preventDefault();
    handlers[binding.id]!(e);
  };
}
