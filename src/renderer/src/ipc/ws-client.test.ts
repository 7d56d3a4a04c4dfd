import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RpcRequest } from '@shared/api/rpc';
import { WORKBENCH_METHODS, type JobProgress } from '@shared/api/workbench';
import { createWebSocketApi, type SocketLike } from './ws-client';

type Listener = (ev: { data: unknown }) => void;

/** A socket the test drives by hand: open(), reply(), push(), drop(). */
class FakeSocket implements SocketLike {
  readyState = 0;
  readonly sent: RpcRequest[] = [];
  closed = false;
  private readonly listeners = new Map<string, Listener[]>();

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as RpcRequest);
  }

  close(): void {
    this.closed = true;
  }

  private emit(type: string, data: unknown = undefined): void {
    for (const l of this.listeners.get(type) ?? []) l({ data });
  }

  open(): void {
    this.readyState = 1;
    this.emit('open');
  }

  reply(message: object): void {
    this.emit('message', JSON.stringify(message));
  }

  drop(): void {
    this.readyState = 3;
    this.emit('error');
    this.emit('close');
  }
}

describe('createWebSocketApi', () => {
  let sockets: FakeSocket[];
  const create = (): FakeSocket => {
    const s = new FakeSocket();
    sockets.push(s);
    return s;
  };

  beforeEach(() => {
    sockets = [];
    vi.useFakeTimers();
  });

  afterEach(() => vi.useRealTimers());

  it('queues calls until the socket opens, then matches replies by id', async () => {
    const api = createWebSocketApi('ws://127.0.0.1:1/api', { createSocket: create });
    const info = api.getAppInfo();
    const events = api.getEvents({ sessionId: 1, fromSeq: 0, limit: 10 });
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.sent).toEqual([]);
    sockets[0]!.open();
    expect(sockets[0]!.sent).toEqual([
      { id: 1, method: 'getAppInfo', args: [] },
      { id: 2, method: 'getEvents', args: [{ sessionId: 1, fromSeq: 0, limit: 10 }] },
    ]);
    sockets[0]!.reply({ id: 2, ok: true, result: { sessionId: 1, events: [], more: false } });
    sockets[0]!.reply({ id: 1, ok: true, result: { host: 'web' } });
    await expect(info).resolves.toEqual({ host: 'web' });
    await expect(events).resolves.toEqual({ sessionId: 1, events: [], more: false });
  });

  it('rejects with the host error message', async () => {
    const api = createWebSocketApi('ws://h/api', { createSocket: create });
    const run = api.runScenario({ scenarioId: 'nope' });
    sockets[0]!.open();
    sockets[0]!.reply({ id: 1, ok: false, error: 'unknown scenario "nope"' });
    await expect(run).rejects.toThrow('unknown scenario "nope"');
  });

  it('rejects pending calls with a clear error when the socket closes, and reconnects on the next call', async () => {
    const api = createWebSocketApi('ws://h/api', { createSocket: create });
    const pending = api.listSessions();
    sockets[0]!.open();
    sockets[0]!.drop();
    await expect(pending).rejects.toThrow('listSessions: connection to the workbench host at ws://h/api closed before it answered');
    const again = api.listSessions();
    expect(sockets).toHaveLength(2);
    sockets[1]!.open();
    sockets[1]!.reply({ id: 2, ok: true, result: [] });
    await expect(again).resolves.toEqual([]);
  });

  it('delivers pushed events to subscribers until disposed', () => {
    const api = createWebSocketApi('ws://h/api', { createSocket: create });
    const listener = vi.fn();
    const sub = api.onDidChangeSessions(listener);
    sockets[0]!.open();
    sockets[0]!.reply({ event: 'onDidChangeSessions', payload: null });
    expect(listener).toHaveBeenCalledTimes(1);
    sub.dispose();
    sockets[0]!.reply({ event: 'onDidChangeSessions', payload: null });
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('reconnects on its own while someone listens, and announces a change after reconnecting', () => {
    const api = createWebSocketApi('ws://h/api', { createSocket: create, reconnectDelayMs: 100 });
    const listener = vi.fn();
    api.onDidChangeSessions(listener);
    sockets[0]!.open();
    sockets[0]!.drop();
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    sockets[1]!.open();
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('implements every contract method as a request of that name', () => {
    const api = createWebSocketApi('ws://h/api', { createSocket: create });
    const call = api as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const m of WORKBENCH_METHODS) void call[m]!({ probe: m }).catch(() => undefined);
    sockets[0]!.open();
    expect(sockets[0]!.sent.map((r) => r.method)).toEqual([...WORKBENCH_METHODS]);
    expect(sockets[0]!.sent.find((r) => r.method === 'exportSession')?.args).toEqual([{ probe: 'exportSession' }]);
  });

  it('delivers job progress with its payload, and only to progress listeners', () => {
    const api = createWebSocketApi('ws://h/api', { createSocket: create });
    const progress = vi.fn();
    const sessions = vi.fn();
    api.onJobProgress(progress);
    api.onDidChangeSessions(sessions);
    sockets[0]!.open();
    const p: JobProgress = { jobId: 'v1', kind: 'verify', phase: 'replaying', done: 5, total: 9, finished: false };
    sockets[0]!.reply({ event: 'onJobProgress', payload: p });
    sockets[0]!.reply({ event: 'onSomethingElse', payload: 1 });
    expect(progress).toHaveBeenCalledWith(p);
    expect(progress).toHaveBeenCalledTimes(1);
    expect(sessions).not.toHaveBeenCalled();
  });

  it('keeps reconnecting for a progress listener alone', () => {
    const api = createWebSocketApi('ws://h/api', { createSocket: create, reconnectDelayMs: 50 });
    api.onJobProgress(vi.fn());
    sockets[0]!.open();
    sockets[0]!.drop();
    vi.advanceTimersByTime(50);
    expect(sockets).toHaveLength(2);
  });

  it('ignores malformed and unknown messages', async () => {
    const api = createWebSocketApi('ws://h/api', { createSocket: create });
    const info = api.getAppInfo();
    sockets[0]!.open();
    sockets[0]!.reply({ id: 99, ok: true, result: 'stray' });
    sockets[0]!.reply({ id: 1, ok: true, result: 'mine' });
    await expect(info).resolves.toBe('mine');
  });

  it('rejects calls after dispose and closes the socket', async () => {
    const api = createWebSocketApi('ws://h/api', { createSocket: create });
    const pending = api.listScenarios();
    api.dispose();
    expect(sockets[0]!.closed).toBe(true);
    await expect(pending).rejects.toThrow(/closed before it answered/);
    await expect(api.listScenarios()).rejects.toThrow('listScenarios: the workbench client was disposed');
  });
});
