/**
 * An in-memory WorkbenchApi for renderer unit tests: sessions are plain
 * objects, runScenario appends one and fires onDidChangeSessions, and every
 * call is logged so tests can assert on traffic.
 */
import type {
  AppInfo,
  Disposable,
  EventWindow,
  EventWindowRequest,
  EventSearchRequest,
  EventSearchResult,
  ExportedFile,
  ExportRequest,
  ImportedSession,
  ImportRequest,
  JobProgress,
  RunRequest,
  RunResult,
  ScenarioDiagnostic,
  ScenarioEntry,
  ScenarioFileEntry,
  ScenarioSource,
  SessionSummary,
  VerifyRequest,
  WorkbenchApi,
} from '@shared/api/workbench';
import type {
  EventDetail,
  Lifecycle,
  LifecycleQuery,
  ReplayVerification,
  SessionDetails,
  SessionDiff,
  SessionNote,
  SessionStats,
  StateAtSeq,
  TimelineRequest,
  TimelineWindow,
} from '@shared/api/analysis';
import type { EventRow } from '@shared/events';

export function fakeSession(id: number, overrides: Partial<SessionSummary> = {}): SessionSummary {
  return {
    id,
    name: `session ${id}`,
    status: 'complete',
    seed: 1,
    kernelProfile: 'upstream',
    vendor: 'vtd',
    eventCount: 0,
    endNs: 0,
    createdAt: '2026-01-01T00:00:00.000Z',
    summary: null,
    ...overrides,
  };
}

export function fakeEvent(seq: number, overrides: Partial<EventRow> = {}): EventRow {
  return {
    seq,
    t: seq * 100,
    kind: 'DMA_ISSUE',
    layer: 'device',
    dev: 1,
    pasid: null,
    grpid: null,
    cookie: null,
    addr: null,
    perm: null,
    code: null,
    errno: null,
    parent: null,
    raw: null,
    note: null,
    line: null,
    iommu: null,
    ...overrides,
  };
}

export class FakeApi implements WorkbenchApi {
  sessions: SessionSummary[] = [];
  events = new Map<number, EventRow[]>();
  scenarios: ScenarioEntry[] = [{ id: 'happy-path', title: 'Happy path', description: 'one fault, answered' }];
  readonly calls: string[] = [];
  /** When set, the next call of that method rejects with this message. */
  failNext: { method: string; message: string } | null = null;
  private readonly listeners = new Set<() => void>();

  get listenerCount(): number {
    return this.listeners.size;
  }

  fireSessionsChanged(): void {
    for (const l of [...this.listeners]) l();
  }

  private enter(method: string): void {
    this.calls.push(method);
    if (this.failNext?.method === method) {
      const { message } = this.failNext;
      this.failNext = null;
      throw new Error(message);
    }
  }

  async getAppInfo(): Promise<AppInfo> {
    this.enter('getAppInfo');
    return { name: 'IOPF Workbench', version: '0.0.0', host: 'web', databasePath: '/tmp/x.db', sqliteDriver: 'fake' };
  }

  async listSessions(): Promise<SessionSummary[]> {
    this.enter('listSessions');
    return this.sessions.slice();
  }

  async getEvents(request: EventWindowRequest): Promise<EventWindow> {
    this.enter('getEvents');
    const all = this.events.get(request.sessionId) ?? [];
    const from = all.filter((e) => e.seq >= request.fromSeq);
    return { sessionId: request.sessionId, events: from.slice(0, request.limit), more: from.length > request.limit };
  }

  async listScenarios(): Promise<ScenarioEntry[]> {
    this.enter('listScenarios');
    return this.scenarios.slice();
  }

  async runScenario(request: RunRequest): Promise<RunResult> {
    this.enter('runScenario');
    const id = (this.sessions.at(-1)?.id ?? 0) + 1;
    this.sessions.push(fakeSession(id, { name: request.scenarioId ?? request.source?.fileName ?? 'scenario', eventCount: 3 }));
    this.fireSessionsChanged();
    return { sessionId: id, eventCount: 3, passed: 1, failed: 0, violations: 0, error: null, cancelled: false, diagnostics: [] };
  }

  /*
   * The methods below answer from the `answers` table when a test put a
   * function there, else with a plain in-memory behaviour where one is obvious,
   * else they reject with "not faked" so a test never passes on a silent default.
   */
  readonly answers: Partial<{ [K in keyof WorkbenchApi]: WorkbenchApi[K] }> = {};
  notes: SessionNote[] = [];
  files = new Map<string, string>();
  private readonly progressListeners = new Set<(p: JobProgress) => void>();

  /** Subscribers to onJobProgress (stores must let go when disposed). */
  get progressListenerCount(): number {
    return this.progressListeners.size;
  }

  fireJobProgress(p: JobProgress): void {
    for (const l of [...this.progressListeners]) l(p);
  }

  private answer<K extends keyof WorkbenchApi>(method: K, args: unknown[]): ReturnType<WorkbenchApi[K]> {
    this.enter(method);
    const f = this.answers[method] as ((...a: unknown[]) => ReturnType<WorkbenchApi[K]>) | undefined;
    if (!f) return Promise.reject(new Error(`${method}: not faked`)) as ReturnType<WorkbenchApi[K]>;
    return f(...args);
  }

  async getSession(sessionId: number): Promise<SessionDetails> {
    return this.answer('getSession', [sessionId]);
  }

  async renameSession(request: { sessionId: number; name: string }): Promise<void> {
    this.enter('renameSession');
    const i = this.sessions.findIndex((s) => s.id === request.sessionId);
    if (i < 0) throw new Error(`no session ${request.sessionId}`);
    this.sessions[i] = { ...this.sessions[i]!, name: request.name };
    this.fireSessionsChanged();
  }

  async removeSession(sessionId: number): Promise<void> {
    this.enter('removeSession');
    this.sessions = this.sessions.filter((s) => s.id !== sessionId);
    this.events.delete(sessionId);
    this.fireSessionsChanged();
  }

  async listNotes(sessionId: number): Promise<SessionNote[]> {
    this.enter('listNotes');
    return this.notes.filter((n) => n.sessionId === sessionId);
  }

  async addNote(request: { sessionId: number; seq: number | null; text: string }): Promise<SessionNote> {
    this.enter('addNote');
    const note: SessionNote = { id: this.notes.length + 1, sessionId: request.sessionId, seq: request.seq, t: null, text: request.text, createdAt: '2026-01-01T00:00:00.000Z' };
    this.notes.push(note);
    return note;
  }

  async removeNote(request: { sessionId: number; noteId: number }): Promise<void> {
    this.enter('removeNote');
    this.notes = this.notes.filter((n) => n.id !== request.noteId);
  }

  async getTimeline(request: TimelineRequest): Promise<TimelineWindow> {
    return this.answer('getTimeline', [request]);
  }

  async getEventDetail(request: { sessionId: number; seq: number }): Promise<EventDetail> {
    return this.answer('getEventDetail', [request]);
  }

  async getLifecycle(request: { sessionId: number; query: LifecycleQuery }): Promise<Lifecycle> {
    return this.answer('getLifecycle', [request]);
  }

  async getStateAt(request: { sessionId: number; seq: number }): Promise<StateAtSeq> {
    return this.answer('getStateAt', [request]);
  }

  async getStats(request: { sessionId: number; fromSeq?: number; toSeq?: number }): Promise<SessionStats> {
    return this.answer('getStats', [request]);
  }

  async findEvents(request: EventSearchRequest): Promise<EventSearchResult> {
    return this.answer('findEvents', [request]);
  }

  async diffSessions(request: { a: number; b: number }): Promise<SessionDiff> {
    return this.answer('diffSessions', [request]);
  }

  async getScenarioSource(scenarioId: string): Promise<ScenarioSource> {
    this.enter('getScenarioSource');
    if (!this.scenarios.some((s) => s.id === scenarioId)) throw new Error(`no scenario ${scenarioId}`);
    return { fileName: `${scenarioId}.ts`, text: `// ${scenarioId}\n` };
  }

  async getScenarioTypes(): Promise<ScenarioSource> {
    this.enter('getScenarioTypes');
    return { fileName: 'iopf.d.ts', text: "declare module 'iopf' {}\n" };
  }

  async listScenarioFiles(): Promise<ScenarioFileEntry[]> {
    this.enter('listScenarioFiles');
    return [...this.files].map(([name, text]) => ({ name, bytes: text.length, modifiedAt: '2026-01-01T00:00:00.000Z' }));
  }

  async readScenarioFile(name: string): Promise<ScenarioSource> {
    this.enter('readScenarioFile');
    const text = this.files.get(name);
    if (text === undefined) throw new Error(`no file ${name}`);
    return { fileName: name, text };
  }

  async writeScenarioFile(request: ScenarioSource): Promise<ScenarioFileEntry> {
    this.enter('writeScenarioFile');
    this.files.set(request.fileName, request.text);
    return { name: request.fileName, bytes: request.text.length, modifiedAt: '2026-01-01T00:00:00.000Z' };
  }

  async checkScenario(source: ScenarioSource): Promise<ScenarioDiagnostic[]> {
    return this.answer('checkScenario', [source]);
  }

  async cancelJob(jobId: string): Promise<boolean> {
    return this.answer('cancelJob', [jobId]);
  }

  async exportSession(request: ExportRequest): Promise<ExportedFile> {
    return this.answer('exportSession', [request]);
  }

  async beginUpload(request: { fileName: string; bytes: number }): Promise<{ uploadId: string }> {
    return this.answer('beginUpload', [request]);
  }

  async uploadChunk(request: { uploadId: string; offset: number; data: string }): Promise<void> {
    return this.answer('uploadChunk', [request]);
  }

  async importTrace(request: ImportRequest): Promise<ImportedSession> {
    return this.answer('importTrace', [request]);
  }

  async verifyReplay(request: VerifyRequest): Promise<ReplayVerification> {
    return this.answer('verifyReplay', [request]);
  }

  onJobProgress(listener: (progress: JobProgress) => void): Disposable {
    this.progressListeners.add(listener);
    return { dispose: () => void this.progressListeners.delete(listener) };
  }

  onDidChangeSessions(listener: () => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }
}
