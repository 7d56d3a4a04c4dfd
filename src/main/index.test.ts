/**
 * The composition root against a fake 'electron' module (the real one cannot
 * load under plain Node, and this machine has no Electron binary): checks the
 * wiring that only exists in index.ts: the window's webPreferences, the session
 * policy, the per-contents hardening, IPC on the real service and database,
 * the --db switch, and shutdown.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type Fn = (...args: unknown[]) => unknown;

const h = vi.hoisted(() => {
  const state = {
    lock: true,
    appListeners: new Map<string, Fn[]>(),
    handlers: new Map<string, Fn>(),
    windows: [] as { options: Record<string, unknown>; loaded: string[]; listeners: Map<string, Fn> }[],
    headersHook: undefined as Fn | undefined,
    permissionHook: undefined as Fn | undefined,
    menu: undefined as unknown,
    errors: [] as string[],
    exitCode: undefined as number | undefined,
    quit: 0,
    opened: [] as string[],
  };
  class BrowserWindow {
    readonly record: (typeof state.windows)[number];
    readonly webContents = { send: () => undefined, isDestroyed: () => false };
    constructor(options: Record<string, unknown>) {
      this.record = { options, loaded: [], listeners: new Map() };
      state.windows.push(this.record);
    }
    static getAllWindows = () => [];
    once(event: string, fn: Fn) {
      this.record.listeners.set(event, fn);
    }
    on(event: string, fn: Fn) {
      this.record.listeners.set(event, fn);
    }
    loadURL(url: string) {
      this.record.loaded.push(url);
      return Promise.resolve();
    }
    loadFile(file: string) {
      this.record.loaded.push(file);
      return Promise.resolve();
    }
  }
  const electron = {
    app: {
      isPackaged: false,
      requestSingleInstanceLock: () => state.lock,
      // Looked up at call time: beforeEach swaps in fresh maps.
      on: (event: string, fn: Fn) => void state.appListeners.set(event, [...(state.appListeners.get(event) ?? []), fn]),
      whenReady: () => Promise.resolve(),
      quit: () => void state.quit++,
      exit: (code: number) => void (state.exitCode = code),
      getName: () => 'IOPF Workbench',
      getVersion: () => '0.1.0',
    },
    BrowserWindow,
    ipcMain: {
      handle: (channel: string, fn: Fn) => void state.handlers.set(channel, fn),
      removeHandler: (channel: string) => void state.handlers.delete(channel),
    },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (fn: Fn) => void (state.headersHook = fn) },
        setPermissionRequestHandler: (fn: Fn) => void (state.permissionHook = fn),
        setPermissionCheckHandler: () => undefined,
      },
    },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: (m: unknown) => void (state.menu = m) },
    dialog: { showErrorBox: (_title: string, message: string) => void state.errors.push(message), showMessageBox: async () => ({}) },
    shell: { openExternal: async (url: string) => void state.opened.push(url) },
  };
  return { state, electron };
});

vi.mock('electron', () => h.electron);

let dir: string;
const argv = process.argv;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iopf-main-'));
  Object.assign(h.state, {
    lock: true,
    appListeners: new Map(),
    handlers: new Map(),
    windows: [],
    headersHook: undefined,
    permissionHook: undefined,
    menu: undefined,
    errors: [],
    exitCode: undefined,
    quit: 0,
    opened: [],
  });
  vi.resetModules();
});

afterEach(() => {
  for (const fn of h.state.appListeners.get('will-quit') ?? []) fn();
  process.argv = argv;
  rmSync(dir, { recursive: true, force: true });
});

async function startApp(dbArg: string): Promise<void> {
  process.argv = ['/usr/bin/electron', '.', `--db=${dbArg}`];
  await import('./index');
  await new Promise((r) => setTimeout(r, 0)); // whenReady().then(start)
}

const emitApp = (event: string, ...args: unknown[]) => {
  for (const fn of h.state.appListeners.get(event) ?? []) fn(...args);
};

describe('main process composition root', () => {
  it('opens the database given by --db and serves the API over IPC to the app page only', async () => {
    const db = join(dir, 'sub', 'w.db');
    await startApp(db);
    expect(h.state.errors).toEqual([]);
    expect(existsSync(db)).toBe(true);

    const getAppInfo = h.state.handlers.get('iopf:getAppInfo');
    const window = h.state.windows[0];
    const page = String(window?.loaded[0]);
    const info = await getAppInfo?.({ senderFrame: { url: `file://${page}`, parent: null } });
    expect(info).toMatchObject({ host: 'electron', databasePath: db });
    await expect(Promise.resolve(getAppInfo?.({ senderFrame: { url: 'https://evil.example/', parent: null } }))).rejects.toThrow(/refused/);
  });

  it('creates one hidden, sandboxed, isolated window that loads the built renderer and shows when ready', async () => {
    await startApp(join(dir, 'w.db'));
    expect(h.state.windows).toHaveLength(1);
    const w = h.state.windows[0] as (typeof h.state.windows)[number];
    expect(w.options.show).toBe(false);
    expect(w.options.webPreferences).toEqual({
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      preload: expect.stringMatching(/[/\\]preload[/\\]index\.js$/),
    });
    expect(w.loaded[0]).toMatch(/[/\\]renderer[/\\]index\.html$/);
    expect(w.listeners.has('ready-to-show')).toBe(true);
    expect(h.state.menu).toBeDefined();
  });

  it('sends the strict CSP header and denies every permission', async () => {
    await startApp(join(dir, 'w.db'));
    let headers: Record<string, unknown> = {};
    h.state.headersHook?.({ responseHeaders: { 'X-Other': ['1'] } }, (r: { responseHeaders: Record<string, unknown> }) => {
      headers = r.responseHeaders;
    });
    expect(headers['X-Other']).toEqual(['1']);
    expect(headers['Content-Security-Policy']).toEqual([expect.stringContaining("connect-src 'self'")]);
    expect(String((headers['Content-Security-Policy'] as string[])[0])).not.toContain('ws:');
    const answers: boolean[] = [];
    h.state.permissionHook?.({}, 'media', (granted: boolean) => answers.push(granted));
    expect(answers).toEqual([false]);
  });

  it('denies new windows (http(s) links go to the browser) and navigation away from the app', async () => {
    await startApp(join(dir, 'w.db'));
    let openHandler: Fn | undefined;
    const listeners = new Map<string, Fn>();
    emitApp('web-contents-created', {}, {
      setWindowOpenHandler: (fn: Fn) => void (openHandler = fn),
      on: (event: string, fn: Fn) => void listeners.set(event, fn),
    });
    expect(openHandler?.({ url: 'https://docs.kernel.org/' })).toEqual({ action: 'deny' });
    expect(openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(h.state.opened).toEqual(['https://docs.kernel.org/']);

    const navigate = (url: string) => {
      const event = { url, preventDefault: vi.fn() };
      listeners.get('will-navigate')?.(event);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(navigate('https://evil.example/')).toBe(true);
    expect(navigate(`file://${String(h.state.windows[0]?.loaded[0])}#/sessions`)).toBe(false);
    expect(listeners.has('will-attach-webview')).toBe(true);
  });

  it('removes the IPC handlers on quit', async () => {
    await startApp(join(dir, 'w.db'));
    expect(h.state.handlers.size).toBeGreaterThan(0);
    emitApp('will-quit');
    expect(h.state.handlers.size).toBe(0);
    h.state.appListeners.delete('will-quit'); // already run
  });

  it('a second instance quits at once without opening anything', async () => {
    h.state.lock = false;
    await startApp(join(dir, 'w.db'));
    expect(h.state.quit).toBe(1);
    expect(h.state.windows).toEqual([]);
    expect(existsSync(join(dir, 'w.db'))).toBe(false);
  });

  it('reports a database that cannot be opened and exits with status 1', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, ''); // a file where the database's folder should be
    await startApp(join(blocker, 'w.db'));
    expect(h.state.errors[0]).toContain(`Could not open the workbench database ${join(blocker, 'w.db')}`);
    expect(h.state.exitCode).toBe(1);
    expect(h.state.windows).toEqual([]);
  });
});
