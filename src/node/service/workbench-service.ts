/**
 * WorkbenchService implements the WorkbenchApi methods on the recorder
 * database and the built-in scenarios. Both hosts (Electron main and the web
 * host) validate input first and then call this one implementation.
 */
import type {
  AppInfo,
  EventWindow,
  EventWindowRequest,
  RunRequest,
  RunResult,
  ScenarioEntry,
  SessionSummary,
  WorkbenchApi,
  WorkbenchMethods,
} from '../../shared/api/workbench';
import { Emitter } from '../../core/base/emitter';
import type { IDisposable } from '../../core/base/disposable';
import { APP_NAME, APP_VERSION } from '../app-info';
import type { SqlDatabase } from '../db/sql-database';
import { runScenarioSource } from '../scenario-runtime/run-scenario-source';
import { SessionStore } from '../recorder/session-store';
import type { ScenarioCatalog } from './scenario-catalog';

export class WorkbenchService implements WorkbenchMethods, Pick<WorkbenchApi, 'onDidChangeSessions'>, IDisposable {
  private readonly sessionsChanged = new Emitter<void>();
  private readonly sessions: SessionStore;

  constructor(
    private readonly db: SqlDatabase,
    private readonly catalog: ScenarioCatalog,
    private readonly host: AppInfo['host'],
  ) {
    this.sessions = new SessionStore(db);
  }

  onDidChangeSessions(listener: () => void): IDisposable {
    return this.sessionsChanged.event(listener);
  }

  async getAppInfo(): Promise<AppInfo> {
    return { name: APP_NAME, version: APP_VERSION, host: this.host, databasePath: this.db.path, sqliteDriver: this.db.driver };
  }

  async listSessions(): Promise<SessionSummary[]> {
    return this.sessions.list();
  }

  async getEvents(request: EventWindowRequest): Promise<EventWindow> {
    if (!this.sessions.get(request.sessionId)) throw new Error(`no session ${request.sessionId}`);
    return this.sessions.window(request);
  }

  async listScenarios(): Promise<ScenarioEntry[]> {
    return this.catalog.list();
  }

  async runScenario(request: RunRequest): Promise<RunResult> {
    const file = this.catalog.file(request.scenarioId);
    try {
      // TypeScript scenarios run in a worker thread (never on the caller's thread) and record there.
      const r = await runScenarioSource(file.source, file.filename, {
        db: this.db,
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.kernelProfile !== undefined ? { kernelProfile: request.kernelProfile } : {}),
      });
      if (r.error !== null || r.sessionId === null) throw new Error(r.error ?? `${file.filename}: the run recorded no session`);
      return { sessionId: r.sessionId, eventCount: r.eventCount, passed: r.passed, failed: r.failed, violations: r.violations };
    } finally {
      this.sessionsChanged.fire();
    }
  }


  dispose(): void {
    this.sessionsChanged.dispose();
    this.db.close();
  }
}
