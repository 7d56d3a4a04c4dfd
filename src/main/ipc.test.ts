import { describe, expect, it, vi } from 'vitest';
import { ApiInputError } from '../shared/api/validate';
import { WORKBENCH_METHODS, type AppInfo, type Disposable, type JobProgress, type WorkbenchMethods } from '../shared/api/workbench';
import {
  isTrustedSender,
  registerWorkbenchIpc,
  type InvokeEventLike,
  type IpcMainLike,
  type WebContentsLike,
  type WorkbenchHostService,
} from './ipc';
import { appUrlMatcher } from './security';

type Handler = (event: InvokeEventLike, ...args: unknown[]) => unknown;

const APP_URL = 'file:///opt/iopf/out/renderer/index.html';
const isAppUrl = appUrlMatcher(APP_URL);
const topFrame = (url: string = APP_URL): InvokeEventLike => ({ senderFrame: { url, parent: null } });

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  const invoke = async (channel: string, event: InvokeEventLike, ...args: unknown[]) => {
    const h = handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return h(event, ...args);
  };
  return { ipcMain, handlers, invoke };
}

function fakeService() {
  const listeners = new Set<() => void>();
  const progressListeners = new Set<(p: JobProgress) => void>();
  const info: AppInfo = { name: 'IOPF Workbench', version: '0.1.0', host: 'electron', databasePath: '/tmp/w.db', sqliteDriver: 'x' };
  // Every method exists (the host registers them all); the ones a test uses answer for real.
  const unfaked = Object.fromEntries(
    WORKBENCH_METHODS.map((m) => [m, vi.fn(async () => Promise.reject(new Error(`${m} is not faked`)))]),
  ) as unknown as WorkbenchMethods;
  const service = {
    ...unfaked,
    getAppInfo: vi.fn(async () => info),
    listSessions: vi.fn(async () => []),
    getEvents: vi.fn(async (r: { sessionId: number }) => ({ sessionId: r.sessionId, events: [], more: false })),
    listScenarios: vi.fn(async () => []),
    findEvents: vi.fn(async () => ({ events: [], more: false })),
    cancelJob: vi.fn(async () => true),
    runScenario: vi.fn(async () => ({ sessionId: 1, eventCount: 5, passed: 1, failed: 0, violations: 0, error: null, cancelled: false, diagnostics: [] })),
    onDidChangeSessions: (listener: () => void): Disposable => {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
    onJobProgress: (listener: (p: JobProgress) => void): Disposable => {
      progressListeners.add(listener);
      return { dispose: () => progressListeners.delete(listener) };
    },
  } satisfies WorkbenchHostService;
  const fire = () => {
    for (const l of listeners) l();
  };
  const fireProgress = (p: JobProgress) => {
    for (const l of progressListeners) l(p);
  };
  return { service, fire, fireProgress, listenerCount: () => listeners.size + progressListeners.size };
}

function fakeWebContents(destroyed = false) {
  const sent: string[] = [];
  const payloads: unknown[][] = [];
  const wc: WebContentsLike = {
    send: (channel, ...args) => {
      sent.push(channel);
      payloads.push(args);
    },
    isDestroyed: () => destroyed,
  };
  return { wc, sent, payloads };
}

function setup(targets: WebContentsLike[] = []) {
  const ipc = fakeIpcMain();
  const svc = fakeService();
  const log = vi.fn();
  const registration = registerWorkbenchIpc({ ipcMain: ipc.ipcMain, service: svc.service, isAppUrl, eventTargets: () => targets, log });
  return { ...ipc, ...svc, log, registration };
}

describe('registerWorkbenchIpc', () => {
  it('handles exactly one iopf: channel per allow-listed method', () => {
    const { handlers } = setup();
    expect([...handlers.keys()].sort()).toEqual(WORKBENCH_METHODS.map((m) => `iopf:${m}`).sort());
  });

  it('passes validated arguments to the service and returns its result', async () => {
    const { invoke, service } = setup();
    await expect(invoke('iopf:getEvents', topFrame(), { sessionId: 4, fromSeq: 0, limit: 50, extra: 'dropped' })).resolves.toEqual({
      sessionId: 4,
      events: [],
      more: false,
    });
    // validateArgs rebuilt the request: unknown fields never reach the service.
    expect(service.getEvents).toHaveBeenCalledWith({ sessionId: 4, fromSeq: 0, limit: 50 });
    await expect(invoke('iopf:getAppInfo', topFrame())).resolves.toMatchObject({ host: 'electron' });
  });

  it('rejects invalid arguments with ApiInputError before the service runs', async () => {
    const { invoke, service } = setup();
    await expect(invoke('iopf:getEvents', topFrame(), { sessionId: -1, fromSeq: 0, limit: 50 })).rejects.toBeInstanceOf(ApiInputError);
    await expect(invoke('iopf:runScenario', topFrame(), { scenarioId: '../../etc/passwd' })).rejects.toThrow(/scenarioId/);
    await expect(invoke('iopf:listSessions', topFrame(), 'surplus')).rejects.toThrow(/takes no arguments/);
    expect(service.getEvents).not.toHaveBeenCalled();
    expect(service.runScenario).not.toHaveBeenCalled();
    expect(service.listSessions).not.toHaveBeenCalled();
  });

  it('refuses calls from other pages, subframes and destroyed frames, and logs them', async () => {
    const { invoke, service, log } = setup();
    const strangers: InvokeEventLike[] = [
      topFrame('https://evil.example/'),
      topFrame('file:///tmp/other.html'),
      { senderFrame: { url: APP_URL, parent: { url: APP_URL } } },
      { senderFrame: null },
    ];
    for (const event of strangers) {
      await expect(invoke('iopf:listSessions', event)).rejects.toThrow(/refused/);
    }
    expect(service.listSessions).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledTimes(strangers.length);
    expect(log.mock.calls[0]?.[0]).toContain('https://evil.example/');
  });

  it('forwards onDidChangeSessions to live windows only, without a payload', () => {
    const live = fakeWebContents();
    const gone = fakeWebContents(true);
    const { fire } = setup([live.wc, gone.wc]);
    fire();
    fire();
    expect(live.sent).toEqual(['iopf:onDidChangeSessions', 'iopf:onDidChangeSessions']);
    expect(gone.sent).toEqual([]);
  });

  it('forwards onJobProgress to live windows with its payload', () => {
    const live = fakeWebContents();
    const gone = fakeWebContents(true);
    const { fireProgress } = setup([live.wc, gone.wc]);
    const progress: JobProgress = { jobId: 'run-1', kind: 'run', phase: 'running', done: 120, total: null, finished: false };
    fireProgress(progress);
    expect(live.sent).toEqual(['iopf:onJobProgress']);
    expect(live.payloads).toEqual([[progress]]);
    expect(gone.sent).toEqual([]);
  });

  it('validates the new methods before the service: findEvents and cancelJob', async () => {
    const { invoke, service } = setup();
    const ok = { sessionId: 2, filter: { kinds: ['FAULT_READ'] }, fromSeq: 0, direction: 'forward', limit: 5 };
    await expect(invoke('iopf:findEvents', topFrame(), ok)).resolves.toEqual({ events: [], more: false });
    expect(service.findEvents).toHaveBeenCalledWith(ok);
    await expect(invoke('iopf:findEvents', topFrame(), { ...ok, filter: { kinds: ['NOT_A_KIND'] } })).rejects.toThrow(/not an event kind/);
    await expect(invoke('iopf:cancelJob', topFrame(), '../etc')).rejects.toThrow(ApiInputError);
    await expect(invoke('iopf:cancelJob', topFrame(), 'run-1')).resolves.toBe(true);
    expect(service.findEvents).toHaveBeenCalledTimes(1);
    expect(service.cancelJob).toHaveBeenCalledWith('run-1');
  });

  it('dispose removes every handler and the event subscription', async () => {
    const live = fakeWebContents();
    const { registration, handlers, listenerCount, fire, invoke } = setup([live.wc]);
    expect(listenerCount()).toBe(2);
    registration.dispose();
    expect(handlers.size).toBe(0);
    expect(listenerCount()).toBe(0);
    fire();
    expect(live.sent).toEqual([]);
    await expect(invoke('iopf:listSessions', topFrame())).rejects.toThrow(/No handler/);
  });
});

describe('isTrustedSender', () => {
  it('accepts only the app page in a top-level frame', () => {
    expect(isTrustedSender(topFrame(), isAppUrl)).toBe(true);
    expect(isTrustedSender(topFrame(`${APP_URL}#/sessions/3`), isAppUrl)).toBe(true);
    expect(isTrustedSender(topFrame('file:///opt/iopf/out/renderer/other.html'), isAppUrl)).toBe(false);
    expect(isTrustedSender({ senderFrame: { url: APP_URL, parent: {} } }, isAppUrl)).toBe(false);
    expect(isTrustedSender({ senderFrame: null }, isAppUrl)).toBe(false);
  });
});
