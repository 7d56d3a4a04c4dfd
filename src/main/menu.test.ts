import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { buildMenuTemplate, type MenuOptions } from './menu';

const options = (o: Partial<MenuOptions> = {}): MenuOptions => ({
  isDev: false,
  isMac: false,
  appName: 'IOPF Workbench',
  onAbout: () => undefined,
  ...o,
});

/** Every item, depth first. */
function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);
}

const roles = (items: MenuItemConstructorOptions[]) => flatten(items).map((i) => i.role).filter(Boolean);
const menu = (items: MenuItemConstructorOptions[], label: string) => items.find((i) => i.label === label);

describe('buildMenuTemplate', () => {
  it('has File, Edit, View, Window and Help', () => {
    expect(buildMenuTemplate(options()).map((m) => m.label)).toEqual(['&File', '&Edit', '&View', '&Window', '&Help']);
  });

  it('File → Quit on Ctrl+Q (Cmd+Q on macOS)', () => {
    const file = menu(buildMenuTemplate(options()), '&File');
    expect(file?.submenu).toEqual([{ role: 'quit', label: 'Quit', accelerator: 'CmdOrCtrl+Q' }]);
  });

  it('Edit has the clipboard and undo roles (their shortcuts come with the roles)', () => {
    const edit = menu(buildMenuTemplate(options()), '&Edit');
    expect(roles([edit as MenuItemConstructorOptions])).toEqual(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll']);
  });

  it('a built app has zoom and full screen, but no reload and no DevTools', () => {
    const all = roles(buildMenuTemplate(options({ isDev: false })));
    expect(all).toEqual(expect.arrayContaining(['resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']));
    expect(all).not.toContain('reload');
    expect(all).not.toContain('forceReload');
    expect(all).not.toContain('toggleDevTools');
  });

  it('a dev run adds reload and DevTools', () => {
    expect(roles(buildMenuTemplate(options({ isDev: true })))).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']));
  });

  it('Help → About calls onAbout', () => {
    const onAbout = vi.fn();
    const help = menu(buildMenuTemplate(options({ onAbout })), '&Help');
    const about = (help?.submenu as MenuItemConstructorOptions[])[0];
    expect(about?.label).toBe('About IOPF Workbench');
    about?.click?.({} as never, undefined, {} as never);
    expect(onAbout).toHaveBeenCalledOnce();
  });

  it('on macOS, the app menu comes first and holds Quit', () => {
    const template = buildMenuTemplate(options({ isMac: true }));
    expect(template[0]).toEqual({ role: 'appMenu' });
    expect(roles(template)).not.toContain('quit');
  });
});
