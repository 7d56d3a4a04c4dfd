/**
 * The Electron side of the WorkbenchApi: one `ipcMain.handle('iopf:<method>')`
 * per allow-listed method, and the service's events pushed to the app windows.
 *
 * The renderer is treated as untrusted input, like the web host treats a
 * browser: every call must come from the app's own top-level page, and its
 * arguments go through the same `validateArgs` as the web host's before the
 * service sees them. Electron is injected (structural types below), so this
 * file never imports 'electron' and is tested with fakes under plain Node.
 */
import { validateArgs } from '../shared/api/validate';
import {
  CHANNEL_PREFIX,
  WORKBENCH_EVENTS,
  WORKBENCH_METHODS,
  type Disposable,
  type WorkbenchApi,
  type WorkbenchMethod,
  type WorkbenchMethods,
} from '../shared/api/workbench';

/** What this file needs of Electron's IpcMainInvokeEvent. */
export interface InvokeEventLike {
  /** null once the frame navigated away or was destroyed. */
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

/** What this file needs of Electron's ipcMain. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** What this file needs of Electron's WebContents. */
export interface WebContentsLike {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

/** The service as the host sees it: the methods plus the event streams. */
export type WorkbenchHostService = WorkbenchMethods & Pick<WorkbenchApi, 'onDidChangeSessions' | 'onJobProgress'>;

export interface WorkbenchIpcOptions {
  readonly ipcMain: IpcMainLike;
  readonly service: WorkbenchHostService;
  /** True for the app's own page URL (see security.ts appUrlMatcher). */
  readonly isAppUrl: (url: string) => boolean;
  /** The windows that receive events. */
  readonly eventTargets: () => readonly WebContentsLike[];
  readonly log?: (message: string) => void;
}

export const channelOf = (name: string): string => `${CHANNEL_PREFIX}${name}`;

/** A call is accepted only from the app's own page in a top-level frame (no iframes, no navigated-away pages). */
export function isTrustedSender(event: InvokeEventLike, isAppUrl: (url: string) => boolean): boolean {
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isAppUrl(frame.url);
}

export function registerWorkbenchIpc(options: WorkbenchIpcOptions): Disposable {
  const { ipcMain, service, isAppUrl, eventTargets } = options;
  const log = options.log ?? ((m: string) => console.warn(m));

  for (const method of WORKBENCH_METHODS) {
    ipcMain.handle(channelOf(method), async (event, ...args) => {
      if (!isTrustedSender(event, isAppUrl)) {
        const from = event.senderFrame ? event.senderFrame.url : 'a destroyed frame';
        log(`[iopf] refused IPC ${method} from ${from}`);
        throw new Error(`${method}: refused, the caller is not the IOPF Workbench window`);
      }
      return callService(service, method, validateArgs(method, args));
    });
  }

  /** Sends one event to every live window: no arguments for a bare notification, else the payload. */
  const push = (channel: string, ...payload: unknown[]): void => {
    for (const target of eventTargets()) {
      // A window closing while a scenario runs is normal; sending to it would throw.
      if (!target.isDestroyed()) target.send(channel, ...payload);
    }
  };
  const subscriptions: Disposable[] = WORKBENCH_EVENTS.map((event) =>
    event === 'onDidChangeSessions'
      ? service.onDidChangeSessions(() => push(channelOf(event)))
      : service.onJobProgress((progress) => push(channelOf(event), progress)),
  );

  return {
    dispose: () => {
      for (const s of subscriptions) s.dispose();
      for (const method of WORKBENCH_METHODS) ipcMain.removeHandler(channelOf(method));
    },
  };
}

function callService(service: WorkbenchMethods, method: WorkbenchMethod, args: unknown[]): Promise<unknown> {
  // `method` is on the allow-list and `args` were validated for exactly that
  // method, so this dynamic call matches the method's signature.
  const fn = service[method] as (...callArgs: unknown[]) => Promise<unknown>;
  return fn.apply(service, args);
}
