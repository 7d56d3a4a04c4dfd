/** The web host in front of the real WorkbenchService: events and methods over the WebSocket, downloads over HTTP. */
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RPC_PATH, type RpcEvent, type RpcResponse } from '../../shared/api/rpc';
import type { ExportedFile, JobProgress, RunResult } from '../../shared/api/workbench';
import { tempDir, useTempDatabases } from '../recorder/testing/fixtures';
import { testWorkbench, useTestWorkbenches } from '../service/testing';
import { startWebHost, type WebHost } from './web-host';

useTempDatabases();
useTestWorkbenches();

const hosts: WebHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
});

function get(port: number, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

async function client(host: WebHost) {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}${RPC_PATH}`, { origin: `http://127.0.0.1:${host.port}` });
  await new Promise((done, fail) => ws.once('open', done).once('error', fail));
  const events: RpcEvent[] = [];
  const replies = new Map<number, (r: RpcResponse) => void>();
  ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString('utf8')) as RpcResponse | RpcEvent;
    if ('event' in m) events.push(m);
    else replies.get(m.id)?.(m);
  });
  let id = 0;
  const call = <T>(method: string, ...args: unknown[]): Promise<T> =>
    new Promise((done, fail) => {
      const n = ++id;
      replies.set(n, (r) => (r.ok ? done(r.result as T) : fail(new Error(r.error))));
      ws.send(JSON.stringify({ id: n, method, args }));
    });
  return { ws, events, call };
}

describe('web host with the real service', () => {
  it('runs a scenario, pushes its job progress and the session change, answers searches and serves the export', async () => {
    const w = testWorkbench('web');
    const renderer = join(tempDir(), 'renderer');
    await mkdir(renderer, { recursive: true });
    await writeFile(join(renderer, 'index.html'), '<!doctype html>');
    const host = await startWebHost({ service: w.service, rendererDir: renderer, port: 0 });
    hosts.push(host);
    const c = await client(host);

    const run = await c.call<RunResult>('runScenario', { scenarioId: 'happy-path', jobId: 'ws-run' });
    expect(run.error).toBeNull();
    const progress = c.events.filter((e) => e.event === 'onJobProgress').map((e) => e.payload as JobProgress);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.every((p) => p.jobId === 'ws-run' && p.kind === 'run')).toBe(true);
    expect(progress.at(-1)!.finished).toBe(true);
    await expect.poll(() => c.events.some((e) => e.event === 'onDidChangeSessions')).toBe(true);

    const found = await c.call<{ events: { kind: string }[] }>('findEvents', {
      sessionId: run.sessionId,
      filter: { kinds: ['PAGE_RESPONSE'] },
      fromSeq: 0,
      direction: 'forward',
      limit: 10,
    });
    expect(found.events.map((e) => e.kind)).toEqual(['PAGE_RESPONSE']);
    await expect(c.call('findEvents', { sessionId: run.sessionId, filter: { kinds: ['BOGUS'] }, fromSeq: 0, direction: 'forward', limit: 1 })).rejects.toThrow(
      /findEvents: filter.kinds/,
    );

    const file = await c.call<ExportedFile>('exportSession', { sessionId: run.sessionId, format: 'iopftrace' });
    expect(file.downloadUrl).toBe(`/exports/${file.fileName}`);
    const res = await get(host.port, file.downloadUrl!);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${file.fileName}"`);
    expect(res.body.equals(await readFile(file.path))).toBe(true);
    c.ws.terminate();
  });
});
