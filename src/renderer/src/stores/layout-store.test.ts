import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useLayoutStore } from './layout-store';
import { memoryStorage } from '@renderer/testing/memory-storage';

describe('layout store', () => {
  beforeEach(() => {
    vi.stubGlobal('localStorage', memoryStorage());
    vi.stubGlobal('matchMedia', undefined);
    setActivePinia(createPinia());
  });

  it('starts on the timeline and switches views', () => {
    const s = useLayoutStore();
    expect(s.centerView).toBe('timeline');
    s.showView('stats');
    expect(s.centerView).toBe('stats');
  });

  it('follows the system scheme until a theme is chosen, and remembers the choice', () => {
    const s = useLayoutStore();
    expect(s.theme).toBe('system');
    expect(s.effectiveTheme).toBe('dark');
    s.setTheme('light');
    expect(s.effectiveTheme).toBe('light');
    setActivePinia(createPinia());
    expect(useLayoutStore().theme).toBe('light');
  });

  it('cycles dark → light → system', () => {
    const s = useLayoutStore();
    s.setTheme('dark');
    s.cycleTheme();
    expect(s.theme).toBe('light');
    s.cycleTheme();
    expect(s.theme).toBe('system');
    s.cycleTheme();
    expect(s.theme).toBe('dark');
  });

  it('writes the effective theme onto the root element and stops when disposed', async () => {
    const s = useLayoutStore();
    const root = { dataset: {} as Record<string, string | undefined> };
    const stop = s.applyThemeTo(root);
    expect(root.dataset.theme).toBe('dark');
    s.setTheme('light');
    await Promise.resolve();
    expect(root.dataset.theme).toBe('light');
    stop();
    s.setTheme('dark');
    await Promise.resolve();
    expect(root.dataset.theme).toBe('light');
  });

  it('a reveal request opens the editor and is distinct even for the same line', () => {
    const s = useLayoutStore();
    s.revealScenarioLine(12, 3, 7);
    const first = s.revealRequest;
    expect(s.centerView).toBe('editor');
    expect(first).toMatchObject({ line: 12, column: 3, sessionId: 7 });
    s.showView('timeline');
    s.revealScenarioLine(12, 3, 7);
    expect(s.revealRequest!.id).not.toBe(first!.id);
    expect(s.centerView).toBe('editor');
  });
});
