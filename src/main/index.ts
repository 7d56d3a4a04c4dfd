/**
 * Composition root of the desktop app (Electron main process): one instance,
 * one hardened window, the WorkbenchService on the shared database, IPC, menu.
 * Everything testable lives in the files it wires together; this one only
 * talks to Electron.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, session } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultDatabasePath } from '../node/paths';
import { openWorkbench } from '../node/service/open-workbench';
import { databaseArg } from './args';
import { registerWorkbenchIpc, type WorkbenchHostService } from './ipc';
import { buildMenuTemplate } from './menu';
import { appUrlMatcher, electronContentSecurityPolicy } from './security';
import { createMainWindow, hardenSession, hardenWebContents } from './window';

/** electron-vite dev sets ELECTRON_RENDERER_URL; a packaged app never loads a dev server. */
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;
const rendererFile = join(__dirname, '../renderer/index.html');
const isAppUrl = appUrlMatcher(devServerUrl ?? pathToFileURL(rendererFile).href);

let mainWindow: BrowserWindow | undefined;

// A second launch focuses the running app instead of opening the database twice.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  // Registered before any window exists, so no web contents escapes the rules.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, isAppUrl));
  app.whenReady().then(start).catch(fail);
}

function start(): void {
  let service: WorkbenchHostService & { dispose(): void };
  const databasePath = databaseArg(process.argv) ?? defaultDatabasePath();
  try {
    service = openWorkbench({
      databasePath,
      host: 'electron',
      // Packaged: electron-builder copies resources/scenarios next to the asar archive.
      ...(app.isPackaged ? { resourcesDir: process.resourcesPath } : {}),
    });
  } catch (err) {
    fail(new Error(`Could not open the workbench database ${databasePath}:\n${messageOf(err)}`));
    return;
  }

  hardenSession(session.defaultSession, electronContentSecurityPolicy(devServerUrl));
  const ipc = registerWorkbenchIpc({
    ipcMain,
    service,
    isAppUrl,
    eventTargets: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
  });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        isDev: !app.isPackaged,
        isMac: process.platform === 'darwin',
        appName: app.getName(),
        onAbout: () => void showAbout(service),
      }),
    ),
  );

  const openWindow = (): void => {
    mainWindow = createMainWindow({ devServerUrl, rendererFile });
    mainWindow.on('closed', () => (mainWindow = undefined));
  };
  openWindow();
  // macOS keeps the app alive without windows; clicking the dock icon reopens one.
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Flushes and closes the database; handlers go first so no call reaches a closed service.
  app.on('will-quit', () => {
    ipc.dispose();
    service.dispose();
  });
}

async function showAbout(service: WorkbenchHostService): Promise<void> {
  const info = await service.getAppInfo();
  const detail = [
    `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}`,
    `Database: ${info.databasePath}`,
    `SQLite driver: ${info.sqliteDriver}`,
  ].join('\n');
  const options = { type: 'info' as const, title: `About ${info.name}`, message: `${info.name} ${app.getVersion()}`, detail };
  await (mainWindow ? dialog.showMessageBox(mainWindow, options) : dialog.showMessageBox(options));
}

function fail(err: unknown): void {
  dialog.showErrorBox('IOPF Workbench could not start', messageOf(err));
  app.exit(1);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
