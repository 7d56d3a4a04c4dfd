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
  RunRequest,
  RunResult,
  ScenarioEntry,
  SessionSummary,
  WorkbenchApi,
} from '@shared/api/workbench';
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
    this.sessions.push(fakeSession(id, { name: request.scenarioId, eventCount: 3 }));
    this.fireSessionsChanged();
    return { sessionId: id, eventCount: 3, passed: 1, failed: 0, violations: 0 };
  }

  onDidChangeSessions(listener: () => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }
}
