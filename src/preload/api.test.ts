import { describe, expect, it } from 'vitest';
import { WORKBENCH_EVENTS, WORKBENCH_METHODS } from '../shared/api/workbench';
import { channelFor, createWorkbenchBridge, type IpcRendererLike } from './api';

type Listener = (event: unknown, ...args: unknown[]) => void;

/** Records what the bridge does with ipcRenderer and lets the test emit events. */
function fakeIpc() {
  const invoked: { channel: string; args: unknown[] }[] = [];
  const listeners = new Map<string, Set<Listener>>();
  const ipc: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      invoked.push({ channel, args });
      return { echo: channel };
    },
    on: (channel, listener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)?.add(listener);
    },
    removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
  };
  const emit = (channel: string, ...args: unknown[]) => {
    const event = { sender: ipc, senderId: 0, ports: [] };
    for (const l of listeners.get(channel) ?? []) l(event, ...args);
  };
  const count = (channel: string) => listeners.get(channel)?.size ?? 0;
  return { ipc, invoked, emit, count };
}

describe('createWorkbenchBridge', () => {
  it('exposes exactly the contract: the allow-listed methods and events, and no ipcRenderer', () => {
    const api = createWorkbenchBridge(fakeIpc().ipc);
    expect(Object.keys(api).sort()).toEqual([...WORKBENCH_METHODS, ...WORKBENCH_EVENTS].sort());
    expect(Object.values(api).every((v) => typeof v === 'function')).toBe(true);
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('maps each method to invoke("iopf:<method>", ...args) and returns its result', async () => {
    const { ipc, invoked } = fakeIpc();
    const api = createWorkbenchBridge(ipc);
    await expect(api.listSessions()).resolves.toEqual({ echo: 'iopf:listSessions' });
    await api.getEvents({ sessionId: 3, fromSeq: 0, limit: 10 });
    await api.runScenario({ scenarioId: 'happy-path', seed: 7 });
    expect(invoked).toEqual([
      { channel: 'iopf:listSessions', args: [] },
      { channel: 'iopf:getEvents', args: [{ sessionId: 3, fromSeq: 0, limit: 10 }] },
      { channel: 'iopf:runScenario', args: [{ scenarioId: 'happy-path', seed: 7 }] },
    ]);
  });

  it('calls a session listener without the IPC event, and stops after dispose (twice is harmless)', () => {
    const { ipc, emit, count } = fakeIpc();
    const api = createWorkbenchBridge(ipc);
    const calls: unknown[][] = [];
    const sub = api.onDidChangeSessions((...args: unknown[]) => calls.push(args));
    expect(count('iopf:onDidChangeSessions')).toBe(1);
    emit('iopf:onDidChangeSessions', 'ignored payload');
    expect(calls).toEqual([[]]);
    sub.dispose();
    sub.dispose();
    emit('iopf:onDidChangeSessions');
    expect(calls).toHaveLength(1);
    expect(count('iopf:onDidChangeSessions')).toBe(0);
  });

  it('keeps subscriptions independent', () => {
    const { ipc, emit } = fakeIpc();
    const api = createWorkbenchBridge(ipc);
    let a = 0;
    let b = 0;
    const subA = api.onDidChangeSessions(() => a++);
    api.onDidChangeSessions(() => b++);
    subA.dispose();
    emit('iopf:onDidChangeSessions');
    expect([a, b]).toEqual([0, 1]);
  });

  it('passes job progress to the listener as its one argument, never the IPC event', () => {
    const { ipc, emit, count } = fakeIpc();
    const api = createWorkbenchBridge(ipc);
    const calls: unknown[][] = [];
    const sub = api.onJobProgress((...args: unknown[]) => calls.push(args));
    expect(count('iopf:onJobProgress')).toBe(1);
    const progress = { jobId: 'imp-1', kind: 'import', phase: 'reading', done: 3, total: null, finished: false };
    emit('iopf:onJobProgress', progress);
    expect(calls).toEqual([[progress]]);
    sub.dispose();
    emit('iopf:onJobProgress', progress);
    expect(calls).toHaveLength(1);
    expect(count('iopf:onJobProgress')).toBe(0);
  });

  it('maps the new methods like the old ones (findEvents, uploadChunk)', async () => {
    const { ipc, invoked } = fakeIpc();
    const api = createWorkbenchBridge(ipc);
    await api.findEvents({ sessionId: 1, filter: { text: 'read' }, fromSeq: 4, direction: 'backward', limit: 1 });
    await api.uploadChunk({ uploadId: 'u1', offset: 0, data: 'AAAA' });
    expect(invoked.map((c) => c.channel)).toEqual(['iopf:findEvents', 'iopf:uploadChunk']);
    expect(invoked[1]!.args).toEqual([{ uploadId: 'u1', offset: 0, data: 'AAAA' }]);
  });

  it('rejects a listener that is not a function', () => {
    const api = createWorkbenchBridge(fakeIpc().ipc);
    expect(() => api.onDidChangeSessions('nope' as unknown as () => void)).toThrow(TypeError);
    expect(() => api.onJobProgress(42 as unknown as () => void)).toThrow(TypeError);
  });
});

describe('channelFor', () => {
  it('prefixes allow-listed names with iopf:', () => {
    expect(channelFor('getAppInfo')).toBe('iopf:getAppInfo');
    expect(channelFor('onDidChangeSessions')).toBe('iopf:onDidChangeSessions');
  });

  it('refuses anything off the allow-list', () => {
    for (const name of ['', 'dispose', 'constructor', '__proto__', 'iopf:getAppInfo', '../getAppInfo', 'getappinfo']) {
      expect(() => channelFor(name)).toThrow(/not an allowed channel/);
    }
  });
});
