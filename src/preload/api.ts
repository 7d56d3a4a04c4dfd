/**
 * The WorkbenchApi object the preload exposes as `window.api`: each method is
 * an `ipcRenderer.invoke('iopf:<method>')`, each `onXxx` an IPC subscription.
 *
 * The page gets these functions only, never ipcRenderer itself (which would
 * let any script in the page send on any channel), and every channel is
 * checked against the `iopf:` prefix and the contract's allow-lists. ipcRenderer
 * is injected, so this file has no 'electron' import and is tested with a fake.
 */
import {
  CHANNEL_PREFIX,
  WORKBENCH_EVENTS,
  WORKBENCH_METHODS,
  type Disposable,
  type JobProgress,
  type WorkbenchApi,
  type WorkbenchEvent,
  type WorkbenchMethods,
} from '../shared/api/workbench';

type Listener = (event: unknown, ...args: unknown[]) => void;

/** What this file needs of Electron's ipcRenderer. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: Listener): unknown;
  removeListener(channel: string, listener: Listener): unknown;
}

const ALLOWED: ReadonlySet<string> = new Set([...WORKBENCH_METHODS, ...WORKBENCH_EVENTS]);

/** `iopf:<name>` for an allow-listed name; throws for anything else. */
export function channelFor(name: string): string {
  const channel = `${CHANNEL_PREFIX}${name}`;
  if (!channel.startsWith(CHANNEL_PREFIX) || !ALLOWED.has(name)) {
    throw new Error(`iopf preload: "${name}" is not an allowed channel`);
  }
  return channel;
}

export function createWorkbenchBridge(ipc: IpcRendererLike): WorkbenchApi {
  const methods: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of WORKBENCH_METHODS) {
    const channel = channelFor(name);
    methods[name] = (...args: unknown[]) => ipc.invoke(channel, ...args);
  }

  /**
   * A subscription to one event channel. The IpcRendererEvent carries `sender`
   * (the ipcRenderer): never hand it to the page; `withPayload` decides
   * whether the listener gets the event's one argument or none.
   */
  function subscribe(event: WorkbenchEvent, listener: unknown, withPayload: boolean): Disposable {
    if (typeof listener !== 'function') throw new TypeError(`${event} expects a function`);
    const channel = channelFor(event);
    const call = listener as (payload?: unknown) => void;
    const wrapper: Listener = withPayload ? (_event, payload) => call(payload) : () => call();
    ipc.on(channel, wrapper);
    let subscribed = true;
    return {
      dispose: () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(channel, wrapper);
      },
    };
  }

  const api: WorkbenchApi = {
    // Built from WORKBENCH_METHODS: every allow-listed method, nothing else.
    ...(methods as unknown as WorkbenchMethods),
    onDidChangeSessions: (listener: () => void): Disposable => subscribe('onDidChangeSessions', listener, false),
    onJobProgress: (listener: (progress: JobProgress) => void): Disposable => subscribe('onJobProgress', listener, true),
  };
  return Object.freeze(api);
}
