/**
 * WorkbenchService implements the WorkbenchApi methods on the recorder
 * database, the built-in scenarios, the user's scenario workspace and the
 * exports folder. Both hosts (Electron main and the web host) validate input
 * first (src/shared/api/validate.ts) and then call this one implementation.
 *
 * Reading methods answer from the analysis modules on the host's connection;
 * they are bounded queries. Long jobs (runs, export, import, replay
 * verification) never run in the host's process: each is a job in a child
 * process with its own connection (src/node/jobs), a TypeScript scenario in
 * the scenario runtime's worker inside it, reporting on onJobProgress. A
 * scenario that brings its process down ends that run, not the host.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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
} from '../../shared/api/analysis';
import type {
  AppInfo,
  EventSearchRequest,
  EventSearchResult,
  EventWindow,
  EventWindowRequest,
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
  WorkbenchMethods,
} from '../../shared/api/workbench';
import { Emitter } from '../../core/base/emitter';
import type { IDisposable } from '../../core/base/disposable';
import type { VendorId } from '../../core/scenario/script-host';
import { diffSessions } from '../analysis/diff';
import { eventDetail } from '../analysis/event-detail';
import { faultLifecycle } from '../analysis/lifecycle';
import { stateAtSeq } from '../analysis/state-at';
import { sessionStats } from '../analysis/stats';
import { timelineWindow } from '../analysis/timeline';
import { APP_NAME, APP_VERSION } from '../app-info';
import type { SqlDatabase } from '../db/sql-database';
import { SessionStore } from '../recorder/session-store';
import { JobCancelledError, JobRunner } from '../jobs/job-runner';
import { checkScenarioSource, runScenarioSource, type ResolvedRun } from './scenario-runs';
import type { ScenarioCatalog } from './scenario-catalog';
import { ScenarioFiles } from './scenario-files';
import { exportFileName } from './export-files';
import { addNote, removeNote, removeSession, renameSession, requireSession } from './session-edits';
import { findEvents } from './find-events';
import { inUserTerms, UploadStore } from './uploads';

export interface WorkbenchServiceOptions {
  readonly db: SqlDatabase;
  readonly catalog: ScenarioCatalog;
  readonly host: AppInfo['host'];
  /** The scenario API typings served to the editor (resources/types/iopf.d.ts). */
  readonly typesPath: string;
  /** The user's scenario files. */
  readonly workspaceDir: string;
  /** Where exports are written (and, in the web host, served from). */
  readonly exportsDir: string;
  /** Parent of the temporary upload folder (the OS's temp folder by default). */
  readonly uploadsParentDir?: string;
}

export class WorkbenchService implements WorkbenchMethods, Pick<WorkbenchApi, 'onDidChangeSessions' | 'onJobProgress'>, IDisposable {
  private readonly sessionsChanged = new Emitter<void>();
  private readonly jobProgress = new Emitter<JobProgress>();
  private readonly db: SqlDatabase;
  private readonly sessions: SessionStore;
  private readonly catalog: ScenarioCatalog;
  private readonly files: ScenarioFiles;
  private readonly uploads: UploadStore;
  private readonly jobs: JobRunner;
  private readonly host: AppInfo['host'];
  private readonly typesPath: string;
  private disposed = false;
  /** Where exports are written; the web host serves this folder at /exports/. */
  readonly exportsDir: string;

  constructor(options: WorkbenchServiceOptions) {
    this.db = options.db;
    this.sessions = new SessionStore(options.db);
    this.catalog = options.catalog;
    this.host = options.host;
    this.typesPath = options.typesPath;
    this.files = new ScenarioFiles(options.workspaceDir);
    this.exportsDir = options.exportsDir;
    this.uploads = new UploadStore(options.uploadsParentDir);
    this.jobs = new JobRunner((p) => this.jobProgress.fire(p));
  }

  onDidChangeSessions(listener: () => void): IDisposable {
    return this.sessionsChanged.event(listener);
  }

  onJobProgress(listener: (progress: JobProgress) => void): IDisposable {
    return this.jobProgress.event(listener);
  }

  async getAppInfo(): Promise<AppInfo> {
    return { name: APP_NAME, version: APP_VERSION, host: this.host, databasePath: this.db.path, sqliteDriver: this.db.driver };
  }

  // Sessions

  async listSessions(): Promise<SessionSummary[]> {
    return this.sessions.list();
  }

  async getSession(sessionId: number): Promise<SessionDetails> {
    const d = this.sessions.details(sessionId);
    if (!d) throw new Error(`no session ${sessionId}`);
    return d;
  }

  async renameSession(request: { sessionId: number; name: string }): Promise<void> {
    renameSession(this.db, this.sessions, request.sessionId, request.name);
    this.sessionsChanged.fire();
  }

  async removeSession(sessionId: number): Promise<void> {
    removeSession(this.sessions, sessionId);
    this.sessionsChanged.fire();
  }

  async listNotes(sessionId: number): Promise<SessionNote[]> {
    requireSession(this.sessions, sessionId);
    return this.sessions.notes(sessionId);
  }

  async addNote(request: { sessionId: number; seq: number | null; text: string }): Promise<SessionNote> {
    return addNote(this.db, this.sessions, request.sessionId, request.seq, request.text);
  }

  async removeNote(request: { sessionId: number; noteId: number }): Promise<void> {
    removeNote(this.db, this.sessions, request.sessionId, request.noteId);
  }

  // Reading a session

  async getEvents(request: EventWindowRequest): Promise<EventWindow> {
    requireSession(this.sessions, request.sessionId);
    return this.sessions.window(request);
  }

  async getTimeline(request: TimelineRequest): Promise<TimelineWindow> {
    requireSession(this.sessions, request.sessionId);
    return timelineWindow(this.db, request);
  }

  async getEventDetail(request: { sessionId: number; seq: number }): Promise<EventDetail> {
    requireSession(this.sessions, request.sessionId);
    const d = eventDetail(this.db, request.sessionId, request.seq);
    if (!d) throw new Error(`session ${request.sessionId} has no event ${request.seq}`);
    return d;
  }

  async getLifecycle(request: { sessionId: number; query: LifecycleQuery }): Promise<Lifecycle> {
    requireSession(this.sessions, request.sessionId);
    return faultLifecycle(this.db, request.sessionId, request.query);
  }

  async getStateAt(request: { sessionId: number; seq: number }): Promise<StateAtSeq> {
    requireSession(this.sessions, request.sessionId);
    return stateAtSeq(this.db, request.sessionId, request.seq);
  }

  async getStats(request: { sessionId: number; fromSeq?: number; toSeq?: number }): Promise<SessionStats> {
    requireSession(this.sessions, request.sessionId);
    return sessionStats(this.db, request.sessionId, {
      ...(request.fromSeq !== undefined ? { fromSeq: request.fromSeq } : {}),
      ...(request.toSeq !== undefined ? { toSeq: request.toSeq } : {}),
    });
  }

  async findEvents(request: EventSearchRequest): Promise<EventSearchResult> {
    requireSession(this.sessions, request.sessionId);
    return findEvents(this.db, request);
  }

  async diffSessions(request: { a: number; b: number }): Promise<SessionDiff> {
    requireSession(this.sessions, request.a);
    requireSession(this.sessions, request.b);
    return diffSessions(this.db, request.a, request.b);
  }

  // Scenarios

  async listScenarios(): Promise<ScenarioEntry[]> {
    return this.catalog.list();
  }

  async getScenarioSource(scenarioId: string): Promise<ScenarioSource> {
    const f = this.catalog.file(scenarioId);
    return { fileName: f.filename, text: f.source };
  }

  async getScenarioTypes(): Promise<ScenarioSource> {
    return { fileName: 'iopf.d.ts', text: readFileSync(this.typesPath, 'utf8') };
  }

  async listScenarioFiles(): Promise<ScenarioFileEntry[]> {
    return this.files.list();
  }

  async readScenarioFile(name: string): Promise<ScenarioSource> {
    return this.files.read(name);
  }

  async writeScenarioFile(request: ScenarioSource): Promise<ScenarioFileEntry> {
    return this.files.write(request);
  }

  async checkScenario(source: ScenarioSource): Promise<ScenarioDiagnostic[]> {
    return checkScenarioSource(source);
  }

  // Jobs

  async runScenario(request: RunRequest): Promise<RunResult> {
    const source = request.source ?? this.builtIn(request.scenarioId);
    const run: ResolvedRun = {
      source,
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.kernelProfile !== undefined ? { kernelProfile: request.kernelProfile } : {}),
      ...(request.vendor !== undefined ? { vendor: request.vendor as VendorId } : {}),
    };
    try {
      return await runScenarioSource(this.db, this.jobs, request.jobId, run);
    } finally {
      if (!this.disposed) this.sessionsChanged.fire();
    }
  }

  async cancelJob(jobId: string): Promise<boolean> {
    return this.jobs.cancel(jobId);
  }

  async exportSession(request: ExportRequest): Promise<ExportedFile> {
    const s = this.sessions.get(request.sessionId);
    if (!s) throw new Error(`no session ${request.sessionId}`);
    if (s.status === 'running') throw new Error(`session ${request.sessionId} is still recording; export it when it stops`);
    mkdirSync(this.exportsDir, { recursive: true });
    const fileName = exportFileName(s.id, s.name, request.format);
    const path = join(this.exportsDir, fileName);
    const job = this.jobs.start(request.jobId, { kind: 'export', databasePath: this.db.path, sessionId: s.id, format: request.format, path });
    try {
      const r = await job.result;
      return {
        sessionId: s.id,
        format: request.format,
        path: r.path,
        fileName,
        bytes: r.bytes,
        events: r.events,
        downloadUrl: this.host === 'web' ? `/exports/${encodeURIComponent(fileName)}` : null,
      };
    } catch (e) {
      // A terminated exporter leaves its `.partial` file; the finished file is only ever renamed into place.
      rmSync(`${path}.partial`, { force: true });
      throw e;
    }
  }

  async beginUpload(request: { fileName: string; bytes: number }): Promise<{ uploadId: string }> {
    return this.uploads.begin(request.fileName, request.bytes);
  }

  async uploadChunk(request: { uploadId: string; offset: number; data: string }): Promise<void> {
    this.uploads.append(request.uploadId, request.offset, request.data);
  }

  async importTrace(request: ImportRequest): Promise<ImportedSession> {
    const upload = this.uploads.take(request.uploadId);
    const job = this.jobs.start(request.jobId, { kind: 'import', databasePath: this.db.path, path: upload.path });
    try {
      const r = await job.result;
      if (!this.disposed) this.sessionsChanged.fire();
      return { sessionId: r.sessionId, format: r.format, events: r.events };
    } catch (e) {
      // The import runs in one transaction, rolled back when its worker is terminated;
      // a session row that still shows up here was left by a failure after the commit.
      if (e instanceof JobCancelledError && !this.disposed) for (const id of job.sessions) if (this.sessions.get(id)) this.sessions.remove(id);
      throw inUserTerms(e, upload);
    } finally {
      upload.remove();
    }
  }

  async verifyReplay(request: VerifyRequest): Promise<ReplayVerification> {
    requireSession(this.sessions, request.sessionId);
    const job = this.jobs.start(request.jobId, { kind: 'verify', databasePath: this.db.path, sessionId: request.sessionId, trusted: request.trust });
    return job.result;
  }

  private builtIn(scenarioId: string | undefined): ScenarioSource {
    if (scenarioId === undefined) throw new Error('runScenario: give a scenarioId or a source');
    const f = this.catalog.file(scenarioId);
    return { fileName: f.filename, text: f.source };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.jobs.dispose();
    this.uploads.dispose();
    this.sessionsChanged.dispose();
    this.jobProgress.dispose();
    this.db.close();
  }
}
