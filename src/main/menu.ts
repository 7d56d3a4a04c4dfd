/**
 * The application menu as a template (data), built by a pure function so the
 * dev-only items can be tested without Electron. `import type` is erased at
 * build time: this file loads no 'electron' module.
 */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuOptions {
  /** Unpackaged run (`electron-vite dev` / `preview`): adds Reload and DevTools. */
  readonly isDev: boolean;
  readonly isMac: boolean;
  readonly appName: string;
  /** Shows the About box (name, version, runtime versions). */
  readonly onAbout: () => void;
}

const separator: MenuItemConstructorOptions = { type: 'separator' };

export function buildMenuTemplate(o: MenuOptions): MenuItemConstructorOptions[] {
  // macOS puts Quit in the application menu (Cmd+Q); elsewhere it lives under File.
  const appMenu: MenuItemConstructorOptions[] = o.isMac ? [{ role: 'appMenu' }] : [];
  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [o.isMac ? { role: 'close' } : { role: 'quit', label: 'Quit', accelerator: 'CmdOrCtrl+Q' }],
  };
  const edit: MenuItemConstructorOptions = {
    label: '&Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      separator,
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      separator,
      { role: 'selectAll' },
    ],
  };
  // Reload would drop the renderer's state and DevTools exposes internals:
  // useful while developing, not in a shipped app.
  const devItems: MenuItemConstructorOptions[] = o.isDev
    ? [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, separator]
    : [];
  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      ...devItems,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      separator,
      { role: 'togglefullscreen' },
    ],
  };
  const window: MenuItemConstructorOptions = {
    label: '&Window',
    submenu: o.isMac ? [{ role: 'minimize' }, { role: 'zoom' }, separator, { role: 'front' }] : [{ role: 'minimize' }, { role: 'close' }],
  };
  const help: MenuItemConstructorOptions = {
    role: 'help',
    label: '&Help',
    submenu: [{ label: `About ${o.appName}`, click: () => o.onAbout() }],
  };
  return [...appMenu, file, edit, view, window, help];
}
