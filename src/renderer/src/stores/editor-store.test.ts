import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunRequest, RunResult, ScenarioDiagnostic } from '@shared/api/workbench';
import type { SessionDetails } from '@shared/api/analysis';
import { setApi } from '@renderer/ipc/client';
import { NEW_SCENARIO_TEXT } from '@renderer/editor/new-scenario';
import { RECENT_FILES_KEY } from '@renderer/editor/recent-files';
import { FakeApi, fakeSession } from '@renderer/testing/fake-api';
import { memoryStorage } from '@renderer/testing/memory-storage';
import { useEditorStore } from './editor-store';
import { useLayoutStore } from './layout-store';
import { useSessionStore } from './session-store';

const okResult = (sessionId: number | null, overrides: Partial<RunResult> = {}): RunResult => ({
  sessionId,
  eventCount: 10,
  passed: 2,
  failed: 0,
  violations: 0,
  error: null,
  cancelled: false,
  diagnostics: [],
  ...overrides,
});

/** FakeApi whose runScenario answers what the test queues, after the test lets it. */
class RunApi extends FakeApi {
  readonly runRequests: RunRequest[] = [];
  next: (request: RunRequest) => Promise<RunResult> = async () => okResult(null);

  override async runScenario(request: RunRequest): Promise<RunResult> {
    this.calls.push('runScenario');
    this.runRequests.push(request);
    return this.next(request);
  }
}

/** Stands in for the Monaco model: the store reads the text through the bound reader. */
function attachEditor(store: ReturnType<typeof useEditorStore>): { text: string } {
  const model = { text: store.textToOpen() };
  store.bindTextReader(() => model.text);
  return model;
}

describe('useEditorStore', () => {
  let api: RunApi;

  beforeEach(() => {
    vi.stubGlobal('localStorage', memoryStorage());
    vi.stubGlobal('matchMedia', undefined);
    api = new RunApi();
    api.scenarios = [
      { id: 'declarative-happy-path', title: 'Declarative', description: '' },
      { id: 'happy-path', title: 'Happy path', description: '' },
    ];
    setApi(api);
    setActivePinia(createPinia());
  });

  afterEach(() => {
    setApi(null);
    vi.unstubAllGlobals();
  });

  it('initialize() lists examples and files and opens the default example', async () => {
    api.files.set('mine.ts', '// mine\n');
    const store = useEditorStore();
    await store.initialize();
    expect(store.examples.map((e) => e.id)).toEqual(['declarative-happy-path', 'happy-path']);
    expect(store.workspaceFiles.map((f) => f.name)).toEqual(['mine.ts']);
    expect(store.document).toMatchObject({ fileName: 'happy-path.ts', origin: 'example', exampleId: 'happy-path' });
    expect(store.textToOpen()).toBe('// happy-path\n');
    expect(store.dirty).toBe(false);
  });

  it('initialize() reopens the most recent file instead', async () => {
    localStorage.setItem(RECENT_FILES_KEY, JSON.stringify([{ kind: 'workspace', name: 'mine.ts' }]));
    api.files.set('mine.ts', '// mine\n');
    const store = useEditorStore();
    await store.initialize();
    expect(store.document).toMatchObject({ fileName: 'mine.ts', origin: 'workspace' });
  });

  it('a recent file that is gone leaves the list and the default example opens', async () => {
    localStorage.setItem(RECENT_FILES_KEY, JSON.stringify([{ kind: 'workspace', name: 'gone.ts' }]));
    const store = useEditorStore();
    await store.initialize();
    expect(store.recentFiles).toEqual([{ kind: 'example', name: 'happy-path' }]);
    expect(store.document?.exampleId).toBe('happy-path');
  });

  it('tracks dirtiness by the edit version and reads the text from the editor', async () => {
    const store = useEditorStore();
    await store.openExample('happy-path');
    const model = attachEditor(store);
    model.text = 'edited';
    store.noteEdit(1, []);
    expect(store.dirty).toBe(true);
    expect(store.currentText()).toBe('edited');
    store.noteEdit(0, []); // undone back to the opened text
    expect(store.dirty).toBe(false);
  });

  it('saving an example asks for a name; save-as writes a workspace file the document then is', async () => {
    const store = useEditorStore();
    await store.openExample('happy-path');
    const model = attachEditor(store);
    model.text = 'changed';
    store.noteEdit(3, []);
    expect(await store.save()).toEqual({ kind: 'needs-name' });
    expect(store.saveAsPrompt).toBe(true);
    expect(api.calls).not.toContain('writeScenarioFile');

    expect(await store.saveAs('my copy')).toMatchObject({ kind: 'invalid' });
    expect(await store.saveAs('my-copy')).toEqual({ kind: 'saved', fileName: 'my-copy.ts' });
    expect(api.files.get('my-copy.ts')).toBe('changed');
    expect(store.document).toMatchObject({ fileName: 'my-copy.ts', origin: 'workspace', exampleId: null });
    expect(store.dirty).toBe(false);
    expect(store.saveAsPrompt).toBe(false);
    expect(store.workspaceFiles.map((f) => f.name)).toEqual(['my-copy.ts']);
    expect(store.recentFiles[0]).toEqual({ kind: 'workspace', name: 'my-copy.ts' });
    expect(JSON.parse(localStorage.getItem(RECENT_FILES_KEY)!)[0]).toEqual({ kind: 'workspace', name: 'my-copy.ts' });

    model.text = 'changed again';
    store.noteEdit(4, []);
    expect(await store.save()).toEqual({ kind: 'saved', fileName: 'my-copy.ts' });
    expect(api.files.get('my-copy.ts')).toBe('changed again');
  });

  it('save-as does not replace another existing file unless told to', async () => {
    api.files.set('taken.ts', 'old');
    const store = useEditorStore();
    await store.openExample('happy-path');
    attachEditor(store);
    expect(await store.saveAs('taken.ts')).toEqual({ kind: 'exists', fileName: 'taken.ts' });
    expect(api.files.get('taken.ts')).toBe('old');
    expect(await store.saveAs('taken.ts', { overwrite: true })).toEqual({ kind: 'saved', fileName: 'taken.ts' });
    expect(api.files.get('taken.ts')).toBe('// happy-path\n');
  });

  it('a failed save keeps the document dirty and says why', async () => {
    api.files.set('w.ts', 'x');
    const store = useEditorStore();
    await store.openWorkspaceFile('w.ts');
    store.noteEdit(1, []);
    api.failNext = { method: 'writeScenarioFile', message: 'disk full' };
    expect(await store.save()).toEqual({ kind: 'failed', error: 'save w.ts: disk full' });
    expect(store.dirty).toBe(true);
    expect(store.fileError).toBe('save w.ts: disk full');
  });

  it('run() sends the editor text with the chosen options and follows its progress', async () => {
    const store = useEditorStore();
    const sessions = useSessionStore();
    const layout = useLayoutStore();
    layout.showView('editor');
    await store.openExample('happy-path');
    const model = attachEditor(store);
    model.text = 'the text being edited';
    store.seedText = '42';
    store.kernelProfile = 'v4';
    store.vendor = 'smmuv3';

    let finish!: (r: RunResult) => void;
    api.next = () => new Promise((resolve) => (finish = resolve));
    const running = store.run();
    await vi.waitFor(() => expect(api.runRequests).toHaveLength(1));
    const request = api.runRequests[0]!;
    expect(request).toEqual({ jobId: store.jobId, source: { fileName: 'happy-path.ts', text: 'the text being edited' }, seed: 42, kernelProfile: 'v4', vendor: 'smmuv3' });
    expect(store.running).toBe(true);

    api.fireJobProgress({ jobId: 'someone-else', kind: 'export', phase: 'writing', done: 9, total: 10, finished: false });
    api.fireJobProgress({ jobId: request.jobId!, kind: 'run', phase: 'running', done: 40, total: null, finished: false });
    expect(store.progress).toMatchObject({ phase: 'running', done: 40 });
    expect(store.progressCount).toBe(1);

    api.sessions.push(fakeSession(7));
    finish(okResult(7));
    await running;
    expect(store.running).toBe(false);
    expect(store.runError).toBeNull();
    expect(sessions.selectedSessionId).toBe(7);
    expect(sessions.sessions.map((s) => s.id)).toEqual([7]);
    expect(layout.centerView).toBe('timeline');
  });

  it('a run with a runtime error keeps the editor in view with its diagnostics', async () => {
    const store = useEditorStore();
    const layout = useLayoutStore();
    await store.openExample('happy-path');
    attachEditor(store);
    const diagnostics: ScenarioDiagnostic[] = [{ severity: 'error', source: 'runtime', message: 'Error: boom', line: 12, column: 5 }];
    api.next = async () => okResult(null, { error: 'happy-path.ts:12:5: Error: boom', diagnostics });
    await store.run();
    expect(store.runError).toBe('happy-path.ts:12:5: Error: boom');
    expect(store.runDiagnostics).toEqual(diagnostics);
    expect(layout.centerView).toBe('editor');

    // An edit on that line clears it; the next run starts clean.
    store.noteEdit(1, [{ startLineNumber: 12, endLineNumber: 12, text: 'x' }]);
    expect(store.runDiagnostics).toEqual([]);
  });

  it('failed checks select the session but stay in the editor with a summary', async () => {
    const store = useEditorStore();
    const sessions = useSessionStore();
    const layout = useLayoutStore();
    await store.openExample('happy-path');
    attachEditor(store);
    api.sessions.push(fakeSession(3));
    api.next = async () =>
      okResult(3, { passed: 1, failed: 2, violations: 1, diagnostics: [{ severity: 'error', source: 'assertion', message: 'expected 2', line: 8, column: 1, seq: 30 }] });
    await store.run();
    expect(sessions.selectedSessionId).toBe(3);
    expect(layout.centerView).toBe('editor');
    expect(store.runError).toBe('2 checks failed, 1 invariant violation (1 passed)');
    expect(store.runDiagnostics).toHaveLength(1);
  });

  it('newDocument() opens an untitled scenario that saving names first', async () => {
    const store = useEditorStore();
    await store.openExample('happy-path');
    store.newDocument();
    expect(store.document).toMatchObject({ fileName: 'untitled.ts', origin: 'untitled' });
    expect(store.textToOpen()).toBe(NEW_SCENARIO_TEXT);
    expect(await store.save()).toEqual({ kind: 'needs-name' });
  });

  it('a bad seed is refused before anything is sent', async () => {
    const store = useEditorStore();
    await store.openExample('happy-path');
    store.seedText = '-3';
    expect(store.seedError).not.toBeNull();
    expect(await store.run()).toBeNull();
    expect(store.runError).toBe(store.seedError);
    expect(api.runRequests).toHaveLength(0);
  });

  it('run() waits for an open in flight and runs the new document', async () => {
    const store = useEditorStore();
    await store.openExample('declarative-happy-path');
    void store.openExample('happy-path');
    await store.run();
    expect(api.runRequests[0]!.source).toEqual({ fileName: 'happy-path.ts', text: '// happy-path\n' });
  });

  it('stop() cancels the running job by its id', async () => {
    const store = useEditorStore();
    await store.openExample('happy-path');
    let finish!: (r: RunResult) => void;
    api.next = () => new Promise((resolve) => (finish = resolve));
    const cancelled: string[] = [];
    api.answers.cancelJob = async (id) => {
      cancelled.push(id);
      finish(okResult(null, { cancelled: true }));
      return true;
    };
    const running = store.run();
    await vi.waitFor(() => expect(store.jobId).not.toBeNull());
    const id = store.jobId!;
    expect(await store.stop()).toBe(true);
    await running;
    expect(cancelled).toEqual([id]);
    expect(store.runError).toBe('Stopped.');
    expect(store.running).toBe(false);
    expect(await store.stop()).toBe(false);
  });

  it('a rejected run is reported, not thrown', async () => {
    const store = useEditorStore();
    await store.openExample('happy-path');
    api.next = async () => {
      throw new Error('runScenario: source.fileName must be …');
    };
    expect(await store.run()).toBeNull();
    expect(store.runError).toBe('runScenario: source.fileName must be …');
    expect(store.running).toBe(false);
  });

  it("showSessionScenario() opens a session's scenario unless it is the open text", async () => {
    const details = (id: number, source: string): SessionDetails =>
      ({ id, scenarioName: 'happy-path', scenarioSource: source, scenarioFormat: 'ts' }) as unknown as SessionDetails;
    api.answers.getSession = async (id) => details(id, id === 1 ? '// happy-path\n' : 'export default 1;\n');
    const store = useEditorStore();
    await store.openExample('happy-path');
    attachEditor(store);
    const generation = store.document!.generation;

    expect(await store.showSessionScenario(1)).toBe(true);
    expect(store.document!.generation).toBe(generation);

    expect(await store.showSessionScenario(2)).toBe(true);
    expect(store.document).toMatchObject({ fileName: 'happy-path.ts', origin: 'session', sessionId: 2 });
    expect(store.textToOpen()).toBe('export default 1;\n');
    expect(await store.save()).toEqual({ kind: 'needs-name' });

    // Unsaved edits are replaced only when the user agrees.
    store.noteEdit(2, []);
    const asked: number[] = [];
    expect(await store.showSessionScenario(1, () => (asked.push(1), false))).toBe(false);
    expect(store.document).toMatchObject({ origin: 'session', sessionId: 2 });
    expect(await store.showSessionScenario(1, () => (asked.push(1), true))).toBe(true);
    expect(asked).toHaveLength(2);
    expect(store.document).toMatchObject({ origin: 'session', sessionId: 1 });
  });

  it('opens that answer late lose to the newest', async () => {
    const store = useEditorStore();
    api.files.set('slow.ts', 'slow');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const read = api.readScenarioFile.bind(api);
    api.readScenarioFile = async (name) => {
      await gate;
      return read(name);
    };
    const slow = store.openWorkspaceFile('slow.ts');
    expect(await store.openExample('happy-path')).toBe(true);
    release();
    expect(await slow).toBe(false);
    expect(store.document?.exampleId).toBe('happy-path');
    expect(store.opening).toBe(false);
  });

  it('drops the progress subscription with the store', () => {
    let subscribed = 0;
    const original = api.onJobProgress.bind(api);
    api.onJobProgress = (l) => {
      subscribed++;
      const d = original(l);
      return { dispose: () => (subscribed--, d.dispose()) };
    };
    const store = useEditorStore();
    expect(subscribed).toBe(1);
    store.$dispose();
    expect(subscribed).toBe(0);
  });
});
