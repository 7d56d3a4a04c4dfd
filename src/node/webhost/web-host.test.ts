import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RPC_PATH, type RpcEvent, type RpcResponse } from '../../shared/api/rpc';
import { WORKBENCH_METHODS, type AppInfo, type Disposable, type EventWindow, type JobProgress, type RunResult, type WorkbenchMethods } from '../../shared/api/workbench';
import { CONTENT_SECURITY_POLICY } from './security';
import { startWebHost, type WebHost, type WorkbenchHostService } from './web-host';

type Faked = 'getAppInfo' | 'listSessions' | 'getEvents' | 'listScenarios' | 'runScenario';
/** The methods the tests do not use: present (the host needs them all), each refusing to run. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
interface FakeService extends Omit<WorkbenchMethods, Faked> {}

/** A service that records calls and lets the test fire its events. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
class FakeService implements WorkbenchHostService {
  readonly calls: { method: string; args: unknown[] }[] = [];
  private listeners = new Set<() => void>();
  private progressListeners = new Set<(p: JobProgress) => void>();
  exportsDir: string | undefined;

  get listenerCount(): number {
    return this.listeners.size + this.progressListeners.size;
  }

  fireSessionsChanged(): void {
    for (const l of this.listeners) l();
  }

  fireProgress(p: JobProgress): void {
    for (const l of this.progressListeners) l(p);
  }

  onJobProgress(listener: (p: JobProgress) => void): Disposable {
    this.progressListeners.add(listener);
    return { dispose: () => void this.progressListeners.delete(listener) };
  }

  async getAppInfo(): Promise<AppInfo> {
    this.calls.push({ method: 'getAppInfo', args: [] });
    return { name: 'IOPF Workbench', version: '0.0.0-test', host: 'web', databasePath: ':memory:', sqliteDriver: 'fake' };
  }
  async listSessions(): Promise<never[]> {
    return [];
  }
  async getEvents(request: { sessionId: number; fromSeq: number; limit: number }): Promise<EventWindow> {
    this.calls.push({ method: 'getEvents', args: [request] });
    return { sessionId: request.sessionId, events: [], more: false };
  }
  async listScenarios(): Promise<never[]> {
    return [];
  }
  async runScenario(): Promise<RunResult> {
    throw new Error('scenario engine exploded');
  }
  onDidChangeSessions(listener: () => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }
}

for (const m of WORKBENCH_METHODS) {
  if (!(m in FakeService.prototype)) {
    Object.defineProperty(FakeService.prototype, m, { value: async () => Promise.reject(new Error(`${m} is not faked`)) });
  }
}

interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Raw http GET: unlike fetch() it sends the path exactly as given (no `..` normalisation). */
function httpGet(port: number, path: string, host = `127.0.0.1:${port}`): Promise<HttpReply> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', fail);
    req.end();
  });
}

const openSockets: WebSocket[] = [];

/** Opens the RPC socket; `origin: null` sends no Origin header at all (a non-browser client). */
function connect(host: WebHost, origin: string | null = `http://127.0.0.1:${host.port}`): Promise<WebSocket> {
  return new Promise((done, fail) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}${RPC_PATH}`, origin === null ? {} : { origin });
    openSockets.push(ws);
    ws.once('open', () => done(ws));
    ws.once('error', fail);
  });
}

/** Next server message that satisfies `match`. */
function nextMessage<T>(ws: WebSocket, match: (m: RpcResponse | RpcEvent) => boolean): Promise<T> {
  return new Promise((done) => {
    const onMessage = (data: Buffer): void => {
      const msg = JSON.parse(data.toString('utf8')) as RpcResponse | RpcEvent;
      if (!match(msg)) return;
      ws.off('message', onMessage);
      done(msg as T);
    };
    ws.on('message', onMessage);
  });
}

const reply = (ws: WebSocket, id: number): Promise<RpcResponse> =>
  nextMessage<RpcResponse>(ws, (m) => 'id' in m && m.id === id);

const INDEX_HTML = `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}"></head><body><div id="app"></div></body></html>`;

describe('startWebHost', () => {
  let base: string;
  let rendererDir: string;
  let service: FakeService;
  let host: WebHost;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'iopf-webhost-'));
    rendererDir = join(base, 'renderer');
    await mkdir(join(rendererDir, 'assets'), { recursive: true });
    await writeFile(join(rendererDir, 'index.html'), INDEX_HTML);
    await writeFile(join(rendererDir, 'assets', 'index-abc.js'), 'console.log(1);');
    await writeFile(join(rendererDir, 'assets', 'mod.mjs'), 'export {};');
    await writeFile(join(rendererDir, 'assets', 'index.css'), 'body{}');
    await writeFile(join(rendererDir, 'assets', 'ts.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d]));
    await writeFile(join(base, 'secret.txt'), 'TOP-SECRET');
    service = new FakeService();
    host = await startWebHost({ service, rendererDir, port: 0 });
  });

  afterEach(() => {
    for (const ws of openSockets.splice(0)) ws.terminate();
  });

  afterAll(async () => {
    await host.close();
    await rm(base, { recursive: true, force: true });
  });

  it('listens on loopback and reports its url', () => {
    expect(host.port).toBeGreaterThan(0);
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/`);
  });

  it('serves index.html at / with the CSP header and nosniff', async () => {
    const res = await httpGet(host.port, '/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toContain('<div id="app">');
  });

  it('serves assets with their content types', async () => {
    const expected: [string, string][] = [
      ['/assets/index-abc.js', 'text/javascript; charset=utf-8'],
      ['/assets/mod.mjs', 'text/javascript; charset=utf-8'],
      ['/assets/index.css', 'text/css; charset=utf-8'],
      ['/assets/ts.wasm', 'application/wasm'],
    ];
    for (const [path, type] of expected) {
      const res = await httpGet(host.port, path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type'], path).toBe(type);
    }
  });

  it('answers 404 for missing files and directories', async () => {
    expect((await httpGet(host.port, '/nope.js')).status).toBe(404);
    expect((await httpGet(host.port, '/assets')).status).toBe(404);
    const missing = await httpGet(host.port, '/nope.js');
    expect(missing.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it('refuses path traversal', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%5csecret.txt', '/%00', '/%E0%A4%A']) {
      const res = await httpGet(host.port, path);
      expect([403, 404], path).toContain(res.status);
      expect(res.body, path).not.toContain('TOP-SECRET');
    }
  });

  it('refuses requests for a foreign Host header (DNS rebinding)', async () => {
    const res = await httpGet(host.port, '/', `evil.example:${host.port}`);
    expect(res.status).toBe(421);
    expect(res.body).not.toContain('<div id="app">');
  });

  it('round-trips an RPC call', async () => {
    const ws = await connect(host);
    const pending = reply(ws, 1);
    ws.send(JSON.stringify({ id: 1, method: 'getAppInfo', args: [] }));
    const res = await pending;
    expect(res).toEqual({ id: 1, ok: true, result: expect.objectContaining({ host: 'web', sqliteDriver: 'fake' }) });
  });

  it('passes validated arguments to the service', async () => {
    const ws = await connect(host);
    const pending = reply(ws, 2);
    ws.send(JSON.stringify({ id: 2, method: 'getEvents', args: [{ sessionId: 7, fromSeq: 0, limit: 10, extra: 'dropped' }] }));
    expect(await pending).toEqual({ id: 2, ok: true, result: { sessionId: 7, events: [], more: false } });
    expect(service.calls.at(-1)).toEqual({ method: 'getEvents', args: [{ sessionId: 7, fromSeq: 0, limit: 10 }] });
  });

  it('replies with a validation error and does not call the service', async () => {
    const ws = await connect(host);
    const before = service.calls.length;
    const pending = reply(ws, 3);
    ws.send(JSON.stringify({ id: 3, method: 'getEvents', args: [{ sessionId: -1, fromSeq: 0, limit: 10 }] }));
    const res = await pending;
    expect(res.ok).toBe(false);
    expect(res.ok === false && res.error).toMatch(/getEvents: sessionId must be a positive integer/);
    expect(service.calls.length).toBe(before);
  });

  it('replies with the service error message when the service throws', async () => {
    const ws = await connect(host);
    const pending = reply(ws, 4);
    ws.send(JSON.stringify({ id: 4, method: 'runScenario', args: [{ scenarioId: 'happy-path' }] }));
    expect(await pending).toEqual({ id: 4, ok: false, error: 'scenario engine exploded' });
  });

  it('rejects unknown methods by name', async () => {
    const ws = await connect(host);
    const pending = reply(ws, 5);
    ws.send(JSON.stringify({ id: 5, method: 'constructor', args: [] }));
    expect(await pending).toEqual({ id: 5, ok: false, error: 'unknown method "constructor"' });
  });

  it('answers malformed JSON with an error and keeps serving', async () => {
    const ws = await connect(host);
    const bad = reply(ws, -1);
    ws.send('{"id": 6, "method": ');
    const res = await bad;
    expect(res.ok).toBe(false);
    expect(res.ok === false && res.error).toMatch(/malformed request: not JSON/);
    const good = reply(ws, 7);
    ws.send(JSON.stringify({ id: 7, method: 'listSessions', args: [] }));
    expect(await good).toEqual({ id: 7, ok: true, result: [] });
  });

  it('pushes onDidChangeSessions and unsubscribes when the socket closes', async () => {
    // Sockets of earlier tests were terminated; wait until the host has noticed.
    await expect.poll(() => service.listenerCount).toBe(0);
    const ws = await connect(host);
    expect(service.listenerCount).toBe(2);
    const pushed = nextMessage<RpcEvent>(ws, (m) => 'event' in m);
    service.fireSessionsChanged();
    expect(await pushed).toEqual({ event: 'onDidChangeSessions', payload: null });
    ws.close();
    await expect.poll(() => service.listenerCount).toBe(0);
  });

  it('pushes onJobProgress with its payload to every client', async () => {
    const a = await connect(host);
    const b = await connect(host);
    const progress: JobProgress = { jobId: 'exp-1', kind: 'export', phase: 'writing', done: 10, total: 40, finished: false };
    const atA = nextMessage<RpcEvent>(a, (m) => 'event' in m && m.event === 'onJobProgress');
    const atB = nextMessage<RpcEvent>(b, (m) => 'event' in m && m.event === 'onJobProgress');
    service.fireProgress(progress);
    expect(await atA).toEqual({ event: 'onJobProgress', payload: progress });
    expect(await atB).toEqual({ event: 'onJobProgress', payload: progress });
  });

  describe('GET /exports/<fileName>', () => {
    beforeAll(async () => {
      service.exportsDir = join(base, 'exports');
      await mkdir(service.exportsDir, { recursive: true });
      await writeFile(join(service.exportsDir, 'run-1.iopftrace'), '{"format":"iopftrace"}\n');
      await writeFile(join(service.exportsDir, 'run-1.pftrace.partial'), 'half');
      await writeFile(join(base, 'outside-1.json'), '{"secret":true}');
      await symlink(join(base, 'outside-1.json'), join(service.exportsDir, 'link-1.json'));
    });

    it('serves an exported file as an attachment with the security headers', async () => {
      const res = await httpGet(host.port, '/exports/run-1.iopftrace');
      expect(res.status).toBe(200);
      expect(res.body).toBe('{"format":"iopftrace"}\n');
      expect(res.headers['content-disposition']).toBe('attachment; filename="run-1.iopftrace"');
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
    });

    it('refuses traversal, encoded separators, partial files and symlinks out of the folder', async () => {
      for (const path of [
        '/exports/../secret.txt',
        '/exports/..%2Fsecret.txt',
        '/exports/%2e%2e%2foutside-1.json',
        '/exports/..%5Coutside-1.json',
        '/exports/.hidden.json',
        '/exports/run-1.pftrace.partial',
        '/exports/sub/run-1.iopftrace',
      ]) {
        const res = await httpGet(host.port, path);
        expect(res.status, path).toBeGreaterThanOrEqual(403);
        expect(res.body, path).not.toContain('secret');
        expect(res.headers['content-security-policy'], path).toBe(CONTENT_SECURITY_POLICY);
      }
      expect((await httpGet(host.port, '/exports/link-1.json')).status).toBe(404);
      expect((await httpGet(host.port, '/exports/missing-1.json')).status).toBe(404);
    });

    it('refuses a foreign Host header on the download too', async () => {
      expect((await httpGet(host.port, '/exports/run-1.iopftrace', 'evil.example')).status).toBe(421);
    });
  });

  it('refuses WebSocket upgrades from a foreign or missing Origin', async () => {
    await expect(connect(host, 'http://evil.example')).rejects.toThrow(/403/);
    await expect(connect(host, `http://127.0.0.1:${host.port + 1}`)).rejects.toThrow(/403/);
    await expect(connect(host, null)).rejects.toThrow(/403/);
    const ok = await connect(host, `http://localhost:${host.port}`);
    expect(ok.readyState).toBe(WebSocket.OPEN);
  });

  it('refuses upgrades on other paths', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/not-api`, { origin: `http://127.0.0.1:${host.port}` });
    openSockets.push(ws);
    await expect(new Promise((done, fail) => ws.once('open', done).once('error', fail))).rejects.toThrow(/404/);
  });

  it('refuses to bind to anything but 127.0.0.1', async () => {
    for (const bind of ['0.0.0.0', '::', 'localhost', '192.168.1.10']) {
      await expect(startWebHost({ service, rendererDir, port: 0, host: bind })).rejects.toThrow(/refusing to bind/);
    }
  });

  it('close() disconnects clients and is idempotent', async () => {
    const other = await startWebHost({ service, rendererDir, port: 0 });
    const ws = await connect(other);
    const closed = new Promise<number>((done) => ws.once('close', done));
    await Promise.all([other.close(), other.close()]);
    expect(await closed).toBeGreaterThan(0);
    await expect(httpGet(other.port, '/')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('renderer CSP', () => {
  it('index.html carries exactly the CSP the host sends as a header', async () => {
    const html = await readFile(resolve(__dirname, '../../renderer/index.html'), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html);
    expect(meta?.[1]).toBe(CONTENT_SECURITY_POLICY);
  });
});
