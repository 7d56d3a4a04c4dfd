import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setApi } from '@renderer/ipc/client';
import { FakeApi, fakeSession } from '@renderer/testing/fake-api';
import { useJobsStore } from './jobs-store';
import { refusalOf, sessionMatches, useSessionStore } from './session-store';

describe('useSessionStore', () => {
  let api: FakeApi;

  beforeEach(() => {
    api = new FakeApi();
    setApi(api);
    setActivePinia(createPinia());
  });

  afterEach(() => setApi(null));

  it('refresh() loads the session list', async () => {
    api.sessions = [fakeSession(1), fakeSession(2, { eventCount: 40 })];
    const store = useSessionStore();
    await store.refresh();
    expect(store.sessions.map((s) => s.id)).toEqual([1, 2]);
    expect(store.lastError).toBeNull();
  });

  it('select() exposes the selected summary', async () => {
    api.sessions = [fakeSession(1), fakeSession(2, { name: 'two' })];
    const store = useSessionStore();
    await store.refresh();
    store.select(2);
    expect(store.selectedSession?.name).toBe('two');
    store.select(null);
    expect(store.selectedSession).toBeNull();
  });

  it('drops the selection when the session disappears', async () => {
    api.sessions = [fakeSession(1)];
    const store = useSessionStore();
    await store.refresh();
    store.select(1);
    api.sessions = [];
    await store.refresh();
    expect(store.selectedSessionId).toBeNull();
  });

  it('keeps only the newest answer when refreshes overlap', async () => {
    const store = useSessionStore();
    let releaseSlow: (v: ReturnType<typeof fakeSession>[]) => void = () => undefined;
    const slow = new Promise<ReturnType<typeof fakeSession>[]>((r) => (releaseSlow = r));
    const spy = vi.spyOn(api, 'listSessions').mockReturnValueOnce(slow).mockResolvedValueOnce([fakeSession(9)]);
    const first = store.refresh();
    await store.refresh();
    releaseSlow([fakeSession(1)]);
    await first;
    expect(spy).toHaveBeenCalledTimes(2);
    expect(store.sessions.map((s) => s.id)).toEqual([9]);
  });

  it('refreshes when the host announces a session change', async () => {
    const store = useSessionStore();
    await store.refresh();
    api.sessions = [fakeSession(5)];
    api.fireSessionsChanged();
    await vi.waitFor(() => expect(store.sessions.map((s) => s.id)).toEqual([5]));
  });

  it('unsubscribes from the host when the store is disposed', () => {
    const store = useSessionStore();
    expect(api.listenerCount).toBe(1);
    store.$dispose();
    expect(api.listenerCount).toBe(0);
  });

  it('filters by every word typed and lists newest first', async () => {
    api.sessions = [
      fakeSession(1, { name: 'happy-path', vendor: 'amd' }),
      fakeSession(2, { name: 'prq-overflow', status: 'aborted' }),
      fakeSession(3, { name: 'happy-path', kernelProfile: 'v4' }),
    ];
    const store = useSessionStore();
    await store.refresh();
    expect(store.visibleSessions.map((s) => s.id)).toEqual([3, 2, 1]);
    store.filter = 'happy v4';
    expect(store.visibleSessions.map((s) => s.id)).toEqual([3]);
    store.filter = 'ABORTED';
    expect(store.visibleSessions.map((s) => s.id)).toEqual([2]);
    store.filter = '#1';
    expect(store.visibleSessions.map((s) => s.id)).toEqual([1]);
    expect(sessionMatches(fakeSession(4), '   ')).toBe(true);
  });

  it('rename() trims the name, tells the host and shows the new name', async () => {
    api.sessions = [fakeSession(1)];
    const store = useSessionStore();
    await store.refresh();
    expect(await store.rename(1, '  baseline  ')).toBe(true);
    expect(store.sessions[0]!.name).toBe('baseline');
  });

  it('rename() refuses an empty name without asking the host', async () => {
    api.sessions = [fakeSession(1)];
    const store = useSessionStore();
    expect(await store.rename(1, '   ')).toBe(false);
    expect(store.lastError).toBe('rename: a session needs a name');
    expect(api.calls).not.toContain('renameSession');
  });

  it('rename() reports what the host says when it refuses', async () => {
    const store = useSessionStore();
    expect(await store.rename(9, 'x')).toBe(false);
    expect(store.lastError).toBe('renameSession(#9): no session 9');
  });

  it('remove() deletes the session and drops the selection when it was selected', async () => {
    api.sessions = [fakeSession(1), fakeSession(2)];
    const store = useSessionStore();
    await store.refresh();
    store.select(2);
    expect(await store.remove(2)).toBe(true);
    expect(store.sessions.map((s) => s.id)).toEqual([1]);
    expect(store.selectedSessionId).toBeNull();
  });

  it('counts notes per session for the badges and keeps the count as notes are added and removed', async () => {
    api.sessions = [fakeSession(1), fakeSession(2)];
    api.notes = [{ id: 1, sessionId: 2, seq: 4, t: 400, text: 'stall here', createdAt: '2026-01-01T00:00:00.000Z' }];
    const store = useSessionStore();
    await store.refresh();
    await vi.waitFor(() => expect([...store.noteCounts]).toEqual([[2, 1], [1, 0]]));
    await store.showNotes(2);
    expect(store.openNotes.map((n) => n.text)).toEqual(['stall here']);
    const note = await store.addNote(2, '  second look ', 7);
    expect(note).toMatchObject({ sessionId: 2, seq: 7, text: 'second look' });
    expect(store.openNotes.map((n) => n.text)).toEqual(['stall here', 'second look']);
    expect(store.noteCounts.get(2)).toBe(2);
    await store.removeNote(2, 1);
    expect(store.openNotes.map((n) => n.text)).toEqual(['second look']);
    expect(store.noteCounts.get(2)).toBe(1);
    expect(await store.addNote(2, '   ')).toBeNull();
  });

  describe('importFiles()', () => {
    function fakeImportHost(sessionId: number): { chunks: string[] } {
      const seen = { chunks: [] as string[] };
      api.answers.beginUpload = async () => ({ uploadId: 'up-1' });
      api.answers.uploadChunk = async (r) => void seen.chunks.push(Buffer.from(r.data, 'base64').toString());
      api.answers.importTrace = async (r) => {
        api.fireJobProgress({ jobId: r.jobId!, kind: 'import', phase: 'indexing', done: 3, total: 3, finished: false });
        api.sessions.push(fakeSession(sessionId, { name: 'imported', eventCount: 3 }));
        return { sessionId, format: 'iopftrace', events: 3 };
      };
      return seen;
    }

    it('uploads the file, imports it and selects the imported session', async () => {
      api.sessions = [fakeSession(1)];
      const seen = fakeImportHost(2);
      const store = useSessionStore();
      const jobs = useJobsStore();
      const result = await store.importFiles([new File(['{"format":"iopftrace"}\n'], 'run.iopftrace')]);
      expect(result).toEqual({ sessionId: 2, format: 'iopftrace', events: 3 });
      expect(seen.chunks.join('')).toBe('{"format":"iopftrace"}\n');
      expect(store.selectedSessionId).toBe(2);
      expect(store.sessions.map((s) => s.id)).toEqual([1, 2]);
      expect(store.importing).toBeNull();
      expect(store.importError).toBeNull();
      // The job went through the jobs store: its upload and the host's phase both reached it.
      expect(jobs.list).toEqual([expect.objectContaining({ kind: 'import', label: 'import run.iopftrace', phase: 'indexing', finished: true })]);
    });

    it('refuses a file that cannot be a trace before uploading anything', async () => {
      const store = useSessionStore();
      expect(await store.importFiles([new File(['x'], 'notes.txt')])).toBeNull();
      expect(store.importError).toMatch(/^notes\.txt: not a trace file/);
      expect(api.calls).not.toContain('beginUpload');
    });

    it('shows the host\'s reason when it refuses the content, and selects nothing', async () => {
      api.sessions = [fakeSession(1)];
      const store = useSessionStore();
      await store.refresh();
      store.select(1);
      fakeImportHost(2);
      api.answers.importTrace = () => Promise.reject(new Error('bad.json: trace event 3 (near character 40): unknown kind "FOO"'));
      expect(await store.importFiles([new File(['[]'], 'bad.json')])).toBeNull();
      // The host names the file already; it is not named twice.
      expect(store.importError).toBe('bad.json: trace event 3 (near character 40): unknown kind "FOO"');
      expect(store.selectedSessionId).toBe(1);
      expect(store.importing).toBeNull();
    });

    it('imports several dropped files in turn and selects the last', async () => {
      const store = useSessionStore();
      let next = 10;
      api.answers.beginUpload = async () => ({ uploadId: `u${next}` });
      api.answers.uploadChunk = async () => undefined;
      api.answers.importTrace = async () => {
        const sessionId = next++;
        api.sessions.push(fakeSession(sessionId));
        return { sessionId, format: 'chrome', events: 1 };
      };
      await store.importFiles([new File(['[]'], 'a.json'), new File(['[]'], 'b.json')]);
      expect(store.sessions.map((s) => s.id)).toEqual([10, 11]);
      expect(store.selectedSessionId).toBe(11);
    });
  });
});

describe('refusalOf', () => {
  it('names the file once, whether or not the reason already does', () => {
    expect(refusalOf('a.json', 'a.json: empty file')).toBe('a.json: empty file');
    expect(refusalOf('a.json', 'upload is incomplete')).toBe('a.json: upload is incomplete');
    expect(refusalOf('a.json', 'a.json.bak: empty file')).toBe('a.json: a.json.bak: empty file');
  });
});
