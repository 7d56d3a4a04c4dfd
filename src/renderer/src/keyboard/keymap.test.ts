// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { KEYMAP, WINDOW_WIDE_SCOPES, bindingFor, parseKeySpec, createKeyDispatcher, isTextEntryTarget, keyMatches, type KeyInput } from './keymap';

const key = (k: string, mods: Partial<Omit<KeyInput, 'key'>> = {}): KeyInput => ({ key: k, shiftKey: false, ctrlKey: false, altKey: false, metaKey: false, ...mods });

describe('keymap', () => {
  it('has unique ids, and every binding has keys and a description', () => {
    const ids = KEYMAP.map((b) => b.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const b of KEYMAP) {
      expect(b.keys.length, b.id).toBeGreaterThan(0);
      expect(b.description.length, b.id).toBeGreaterThan(5);
      expect(b.id.startsWith(`${b.scope}.`), b.id).toBe(true);
    }
  });

  it('never gives one key two meanings: not within a scope, nor across the window-wide scopes', () => {
    const spec = (k: string): string => JSON.stringify(parseKeySpec(k));
    const owner = new Map<string, string>();
    const clashes: string[] = [];
    for (const b of KEYMAP) {
      const area = WINDOW_WIDE_SCOPES.includes(b.scope) ? 'window' : b.scope;
      for (const k of b.keys) {
        const at = `${area} ${spec(k)}`;
        const other = owner.get(at);
        if (other !== undefined && other !== b.id) clashes.push(`${k}: ${other} and ${b.id}`);
        owner.set(at, b.id);
      }
    }
    expect(clashes).toEqual([]);
  });

  it('matches letters case-insensitively but compares Shift for them', () => {
    expect(keyMatches('w', key('W', { shiftKey: true }))).toBe(false); // Shift+W is not W
    expect(keyMatches('w', key('W'))).toBe(true); // Caps Lock
    expect(keyMatches('w', key('w'))).toBe(true);
    expect(keyMatches('shift+m', key('M', { shiftKey: true }))).toBe(true);
    expect(keyMatches('m', key('M', { shiftKey: true }))).toBe(false);
    expect(keyMatches('w', key('w', { ctrlKey: true }))).toBe(false);
  });

  it('implies Shift for punctuation and compares it for named keys', () => {
    expect(keyMatches('?', key('?', { shiftKey: true }))).toBe(true);
    expect(keyMatches('enter', key('Enter'))).toBe(true);
    expect(keyMatches('enter', key('Enter', { shiftKey: true }))).toBe(false);
    expect(keyMatches('shift+enter', key('Enter', { shiftKey: true }))).toBe(true);
    expect(keyMatches('space', key(' '))).toBe(true);
  });

  it('finds the timeline bindings of the Perfetto keys', () => {
    const id = (k: KeyInput): string | undefined => bindingFor(k, ['timeline'])?.id;
    expect(id(key('w'))).toBe('timeline.zoomIn');
    expect(id(key('d'))).toBe('timeline.panRight');
    expect(id(key('.'))).toBe('timeline.nextEvent');
    expect(id(key(','))).toBe('timeline.prevEvent');
    expect(id(key('['))).toBe('timeline.flowParent');
    expect(id(key(']'))).toBe('timeline.flowChild');
    expect(id(key('/'))).toBe('timeline.search');
    expect(id(key('M', { shiftKey: true }))).toBe('timeline.clearMarks');
    expect(bindingFor(key('?', { shiftKey: true }), ['timeline'])).toBeNull();
    expect(bindingFor(key('?', { shiftKey: true }), ['global', 'timeline'])?.id).toBe('global.help');
  });

  it('dispatches to the handler and prevents the default', () => {
    const zoomIn = vi.fn();
    const dispatch = createKeyDispatcher(['timeline'], { 'timeline.zoomIn': zoomIn });
    const e = new KeyboardEvent('keydown', { key: 'w', cancelable: true });
    Object.defineProperty(e, 'target', { value: document.body });
    dispatch(e);
    expect(zoomIn).toHaveBeenCalledTimes(1);
    expect(e.defaultPrevented).toBe(true);
    // A key without a handler passes through untouched.
    const other = new KeyboardEvent('keydown', { key: 's', cancelable: true });
    dispatch(other);
    expect(other.defaultPrevented).toBe(false);
  });

  it('ignores keys typed into text entry, including the Monaco editor', () => {
    const zoomIn = vi.fn();
    const dispatch = createKeyDispatcher(['timeline'], { 'timeline.zoomIn': zoomIn });
    const input = document.createElement('input');
    const monaco = document.createElement('div');
    monaco.className = 'monaco-editor';
    const inner = document.createElement('div');
    monaco.append(inner);
    document.body.append(input, monaco);
    for (const target of [input, inner]) {
      expect(isTextEntryTarget(target)).toBe(true);
      const e = new KeyboardEvent('keydown', { key: 'w', cancelable: true, bubbles: true });
      target.addEventListener('keydown', dispatch);
      target.dispatchEvent(e);
      expect(e.defaultPrevented).toBe(false);
    }
    expect(zoomIn).not.toHaveBeenCalled();
    expect(isTextEntryTarget(document.body)).toBe(false);
  });
});
