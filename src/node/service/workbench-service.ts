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
import { recordRun } from '../recorder/record-run';
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
    const source = this.catalog.read(request.scenarioId);
    try {
      const { sessionId, summary } = recordRun(this.db, source, `resources/scenarios/${request.scenarioId}.json`, {
        appVersion: APP_VERSION,
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.kernelProfile !== undefined ? { kernelProfile: request.kernelProfile } : {}),
      });
      return { sessionId, eventCount: summary.eventCount, passed: summary.passed, failed: summary.failed, violations: 0 };
    } finally {
      this.sessionsChanged.fire();
    }
  }

  dispose(): void {
    this.sessionsChanged.dispose();
    this.db.close();
  }
}
