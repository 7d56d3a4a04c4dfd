/**
 * WorkbenchApi over the web host's WebSocket (src/node/webhost): the browser
 * counterpart of the Electron preload. Requests are numbered and matched to
 * replies by id; a closed socket rejects every pending call with a clear
 * error and is reopened on the next call, or after a short delay while
 * anyone listens for events. Methods are generated from WORKBENCH_METHODS,
 * so a method added to the contract needs no change here.
 */
import type { RpcRequest, RpcServerMessage } from '@shared/api/rpc';
import {
  WORKBENCH_EVENTS,
  WORKBENCH_METHODS,
  type Disposable,
  type JobProgress,
  type WorkbenchApi,
  type WorkbenchEvent,
  type WorkbenchMethod,
  type WorkbenchMethods,
} from '@shared/api/workbench';

/** The part of the DOM WebSocket the client uses, so tests can pass a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
}

export interface WebSocketApiOptions {
  /** Defaults to `new WebSocket(url)`. */
  readonly createSocket?: (url: string) => SocketLike;
  /** First reconnect delay; doubles up to 5 s. */
  readonly reconnectDelayMs?: number;
}

export interface WebSocketApi extends WorkbenchApi {
  /** Closes the socket for good and rejects pending calls. */
  dispose(): void;
}

const OPEN = 1;
const MAX_RECONNECT_DELAY_MS = 5_000;

interface Pending {
  readonly method: WorkbenchMethod;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: Error) => void;
}

export function createWebSocketApi(url: string, options: WebSocketApiOptions = {}): WebSocketApi {
  const createSocket = options.createSocket ?? ((u: string): SocketLike => new WebSocket(u));
  const baseDelay = options.reconnectDelayMs ?? 250;

  let socket: SocketLike | null = null;
  let nextId = 1;
  let disposed = false;
  let reconnectDelay = baseDelay;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  /** True once a socket has been open; a later open is a reconnect. */
  let wasOpen = false;
  const pending = new Map<number, Pending>();
  /** Serialised requests waiting for the socket to open. */
  const outbox: string[] = [];
  type EventListener = (payload?: unknown) => void;
  const listeners = Object.fromEntries(WORKBENCH_EVENTS.map((e) => [e, new Set<EventListener>()])) as Record<WorkbenchEvent, Set<EventListener>>;
  const listening = (): boolean => WORKBENCH_EVENTS.some((e) => listeners[e].size > 0);

  function connect(): SocketLike {
    if (socket) return socket;
    const s = createSocket(url);
    socket = s;
    s.addEventListener('open', () => {
      reconnectDelay = baseDelay;
      for (const text of outbox.splice(0)) s.send(text);
      // Sessions may have changed while we were away; let subscribers re-read.
      if (wasOpen) fire('onDidChangeSessions');
      wasOpen = true;
    });
    s.addEventListener('message', (ev) => onMessage(ev.data));
    s.addEventListener('close', () => onClose(s));
    // 'error' is always followed by 'close'; handling happens there.
    s.addEventListener('error', () => undefined);
    return s;
  }

  function onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: RpcServerMessage;
    try {
      msg = JSON.parse(data) as RpcServerMessage;
    } catch {
      return;
    }
    if ('event' in msg) {
      if ((WORKBENCH_EVENTS as readonly string[]).includes(msg.event)) fire(msg.event, msg.payload);
      return;
    }
    const call = pending.get(msg.id);
    if (!call) return;
    pending.delete(msg.id);
    if (msg.ok) call.resolve(msg.result);
    else call.reject(new Error(msg.error));
  }

  function onClose(closed: SocketLike): void {
    if (socket !== closed) return;
    socket = null;
    outbox.length = 0;
    const calls = [...pending.values()];
    pending.clear();
    for (const call of calls) {
      call.reject(new Error(`${call.method}: connection to the workbench host at ${url} closed before it answered`));
    }
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    if (disposed || reconnectTimer !== null || !listening()) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      if (!disposed) connect();
    }, reconnectDelay);
    reconnectDelay = Math.min(reconnectDelay * 2, MAX_RECONNECT_DELAY_MS);
  }

  function fire(event: WorkbenchEvent, payload?: unknown): void {
    // Session changes are bare notifications; other events carry their payload.
    for (const listener of [...listeners[event]]) {
      if (event === 'onDidChangeSessions') listener();
      else listener(payload);
    }
  }

  function call<T>(method: WorkbenchMethod, args: unknown[]): Promise<T> {
    if (disposed) return Promise.reject(new Error(`${method}: the workbench client was disposed`));
    const id = nextId++;
    const request: RpcRequest = { id, method, args };
    const text = JSON.stringify(request);
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject });
      const s = connect();
      if (s.readyState === OPEN) s.send(text);
      else outbox.push(text);
    });
  }

  function subscribe(event: WorkbenchEvent, listener: EventListener): Disposable {
    listeners[event].add(listener);
    // Events only flow over an open socket.
    if (!disposed) connect();
    return { dispose: () => void listeners[event].delete(listener) };
  }

  const methods: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const method of WORKBENCH_METHODS) methods[method] = (...args: unknown[]) => call(method, args);

  return {
    ...(methods as unknown as WorkbenchMethods),
    onDidChangeSessions: (listener: () => void) => subscribe('onDidChangeSessions', listener),
    onJobProgress: (listener: (progress: JobProgress) => void) => subscribe('onJobProgress', (p) => listener(p as JobProgress)),
    dispose: () => {
      disposed = true;
      if (reconnectTimer !== null) clearTimeout(reconnectTimer);
      for (const e of WORKBENCH_EVENTS) listeners[e].clear();
      const s = socket;
      if (s) {
        s.close();
        onClose(s);
      }
    },
  };
}
