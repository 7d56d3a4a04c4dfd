// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { KEYMAP, bindingFor, createKeyDispatcher, parseKeySpec, type KeyInput } from '@renderer/keyboard/keymap';

const key = (k: string, mods: Partial<Omit<KeyInput, 'key'>> = {}): KeyInput => ({ key: k, shiftKey: false, ctrlKey: false, altKey: false, metaKey: false, ...mods });
const playerId = (k: KeyInput): string | undefined => bindingFor(k, ['player'])?.id;

describe('player keys', () => {
  it('step, continue, play and jump the way debuggers do', () => {
    expect(playerId(key('n'))).toBe('player.stepForward');
    expect(playerId(key('F10'))).toBe('player.stepForward');
    expect(playerId(key('p'))).toBe('player.stepBack');
    expect(playerId(key('F10', { shiftKey: true }))).toBe('player.stepBack');
    expect(playerId(key('c'))).toBe('player.continue');
    expect(playerId(key('C', { shiftKey: true }))).toBe('player.reverseContinue');
    expect(playerId(key(' '))).toBe('player.playPause');
    expect(playerId(key('Home'))).toBe('player.start');
    expect(playerId(key('End'))).toBe('player.end');
  });

  // Those listen on the whole window like the player; a focused list's own keys (sessions) take the key first.
  it('share no key with the timeline or the global bindings', () => {
    const spec = (s: string): string => JSON.stringify(parseKeySpec(s));
    const others = new Set(KEYMAP.filter((b) => b.scope === 'timeline' || b.scope === 'global').flatMap((b) => b.keys.map(spec)));
    const mine = KEYMAP.filter((b) => b.scope === 'player').flatMap((b) => b.keys);
    expect(mine.length).toBeGreaterThan(8);
    for (const k of mine) expect(others.has(spec(k)), k).toBe(false);
  });

  it('are ignored while typing into the seek box', () => {
    const step = vi.fn();
    const dispatch = createKeyDispatcher(['player'], { 'player.stepForward': step });
    const input = document.createElement('input');
    document.body.append(input);
    const typed = new KeyboardEvent('keydown', { key: 'n', cancelable: true });
    Object.defineProperty(typed, 'target', { value: input });
    dispatch(typed);
    expect(step).not.toHaveBeenCalled();
    const pressed = new KeyboardEvent('keydown', { key: 'n', cancelable: true });
    Object.defineProperty(pressed, 'target', { value: document.body });
    dispatch(pressed);
    expect(step).toHaveBeenCalledTimes(1);
  });
});
