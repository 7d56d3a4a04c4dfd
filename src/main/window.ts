/**
 * Electron adapters for the rules in security.ts: the hardened main window,
 * what every web contents may open or navigate to, and the session's CSP and
 * permission policy. Thin on purpose; the decisions live in security.ts.
 */
import { BrowserWindow, shell, type Session, type WebContents } from 'electron';
import { join } from 'node:path';
import { isSafeExternalUrl } from './security';

export interface WindowOptions {
  /** The Vite dev server (electron-vite dev), else undefined. */
  readonly devServerUrl: string | undefined;
  /** out/renderer/index.html of the build. */
  readonly rendererFile: string;
}

export function createMainWindow(options: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'IOPF Workbench',
    backgroundColor: '#16181d',
    // Shown on ready-to-show, so the user never sees an empty white frame.
    show: false,
    webPreferences: {
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      // out/main/index.js → out/preload/index.js (CommonJS, as a sandboxed preload must be).
      preload: join(__dirname, '../preload/index.js'),
    },
  });
  win.once('ready-to-show', () => win.show());
  if (options.devServerUrl) void win.loadURL(options.devServerUrl);
  else void win.loadFile(options.rendererFile);
  return win;
}

/**
 * Applied to every web contents the app creates (windows, DevTools, anything a
 * page might spawn): no new windows (http(s) links go to the system browser),
 * no navigation away from the app's page, no <webview>.
 */
export function hardenWebContents(contents: WebContents, isAppUrl: (url: string) => boolean): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/**
 * The CSP as a response header (a <meta> cannot cover everything, and the
 * header also guards pages that lack the meta), and no permission is ever
 * granted: the workbench needs no camera, notifications, geolocation...
 */
export function hardenSession(session: Session, csp: string): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
