/**
 * The local web host: serves the built renderer over http://127.0.0.1 and
 * exposes the WorkbenchApi on a WebSocket at RPC_PATH, so the same UI runs in
 * any browser (and in headless Chromium for e2e tests) without Electron.
 *
 * It is a single-user developer tool without authentication. Safety comes
 * from three checks (see security.ts): loopback-only bind, a Host header
 * allow-list (DNS rebinding), and an Origin allow-list on the WebSocket
 * handshake (cross-site WebSocket hijacking).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realpath } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { RPC_PATH, type RpcEvent, type RpcResponse } from '../../shared/api/rpc';
import { WORKBENCH_EVENTS, type Disposable, type WorkbenchApi, type WorkbenchMethods } from '../../shared/api/workbench';
import { EXPORTS_PREFIX, serveExport } from './export-route';
import { UNKNOWN_REQUEST_ID, dispatchRpc } from './rpc-dispatch';
import { LOOPBACK_HOST, SECURITY_HEADERS, allowedHosts, allowedOrigins, assertLoopbackBind } from './security';
import { sendStatus, serveStatic } from './static-files';

/** What the host needs from the workbench: the methods, the event streams, and where exports are written. */
export type WorkbenchHostService = WorkbenchMethods &
  Pick<WorkbenchApi, 'onDidChangeSessions' | 'onJobProgress'> & {
    /** Served at /exports/<fileName> (ExportedFile.downloadUrl); none: nothing is served there. */
    readonly exportsDir?: string;
  };

export interface WebHostOptions {
  readonly service: WorkbenchHostService;
  /** Directory of the built renderer (out/renderer), holding index.html. */
  readonly rendererDir: string;
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Bind address; only '127.0.0.1' is accepted (see security.ts). */
  readonly host?: string;
  /** Folder served at /exports/ (default: the service's exportsDir). */
  readonly exportsDir?: string;
}

export interface WebHost {
  /** e.g. `http://127.0.0.1:41234/` */
  readonly url: string;
  readonly port: number;
  /** Disconnects every client and stops listening. Does not close the service. */
  close(): Promise<void>;
}

/**
 * Requests are a method name plus an argument object; the largest are a
 * scenario source (≤ 1 MiB of UTF-8, more once JSON-escaped) and an upload
 * chunk (≤ 512 KiB as base64). Anything bigger is abuse.
 */
export const MAX_MESSAGE_BYTES = 4 << 20;

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const host = options.host ?? LOOPBACK_HOST;
  assertLoopbackBind(host);
  // Resolve symlinks once so static lookups can compare real paths against it.
  const rootDir = await realpath(options.rendererDir);

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  wss.on('connection', (socket) => serveRpcConnection(socket, options.service));

  // `port` is known only after listen(); the handlers read it lazily.
  let port = 0;
  const server: Server = createServer((req, res) => {
    if (!allowedHosts(port).has(req.headers.host ?? '')) {
      sendStatus(res, 421, SECURITY_HEADERS);
      return;
    }
    const pathname = pathnameOf(req);
    const exportsDir = options.exportsDir ?? options.service.exportsDir;
    const serve = pathname.startsWith(EXPORTS_PREFIX)
      ? serveExport(req, res, exportsDir, pathname, SECURITY_HEADERS)
      : serveStatic(req, res, rootDir, pathname, SECURITY_HEADERS);
    serve.catch(() => {
      if (!res.headersSent) sendStatus(res, 500, SECURITY_HEADERS);
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (pathnameOf(req) !== RPC_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    if (!allowedHosts(port).has(req.headers.host ?? '')) return refuseUpgrade(socket, 421, 'Misdirected Request');
    if (!allowedOrigins(port).has(req.headers.origin ?? '')) return refuseUpgrade(socket, 403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}/`,
    port,
    close: () => {
      closing ??= closeAll(server, wss);
      return closing;
    },
  };
}

/** One browser tab: answers its requests and pushes every event stream to it. */
function serveRpcConnection(socket: WebSocket, service: WorkbenchHostService): void {
  const send = (message: RpcResponse | RpcEvent): void => {
    if (socket.readyState !== WebSocket.OPEN) return;
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (err) {
      // A result that is not JSON (e.g. a bigint) is a service bug; report it to the caller.
      if (!('id' in message)) return;
      text = JSON.stringify({ id: message.id, ok: false, error: `result not serialisable: ${String(err)}` });
    }
    socket.send(text);
  };

  const subscriptions: Disposable[] = WORKBENCH_EVENTS.map((event) =>
    event === 'onDidChangeSessions'
      ? service.onDidChangeSessions(() => send({ event, payload: null }))
      : service.onJobProgress((progress) => send({ event, payload: progress })),
  );
  socket.on('close', () => subscriptions.forEach((s) => s.dispose()));
  socket.on('error', () => socket.terminate());
  socket.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) {
      send({ id: UNKNOWN_REQUEST_ID, ok: false, error: 'malformed request: binary frames are not accepted' });
      return;
    }
    void dispatchRpc(service, rawText(data)).then(send);
  });
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString('utf8');
}

function pathnameOf(req: IncomingMessage): string {
  // Only the path matters; the base is a placeholder so relative URLs parse.
  try {
    return new URL(req.url ?? '/', 'http://host.invalid').pathname;
  } catch {
    return '/';
  }
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  // Destroy only after the status line is flushed, or the client sees a reset instead of the reason.
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

async function closeAll(server: Server, wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients) client.terminate();
  await new Promise<void>((done) => wss.close(() => done()));
  server.closeAllConnections();
  await new Promise<void>((done, fail) => server.close((err) => (err ? fail(err) : done())));
}
