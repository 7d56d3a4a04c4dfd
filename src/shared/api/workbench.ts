/**
 * The WorkbenchApi contract: the only way the renderer reaches the emulator and
 * the recorder. Electron's preload exposes it over IPC; the local web host
 * exposes the same methods over a WebSocket. Arguments and results are plain
 * JSON values so both transports carry them unchanged.
 */
import type { EventKind, EventRow, Layer } from '../events';
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
} from './analysis';
import type { KernelProfileId } from '../uapi/profiles';

export type SessionStatus = 'running' | 'complete' | 'aborted';

export interface SessionSummary {
  readonly id: number;
  readonly name: string;
  readonly status: SessionStatus;
  readonly seed: number;
  readonly kernelProfile: KernelProfileId;
  readonly vendor: string;
  readonly eventCount: number;
  /** Virtual ns of the last event. */
  readonly endNs: number;
  /** ISO wall-clock time the session was created (metadata only, never in the trace). */
  readonly createdAt: string;
  readonly summary: string | null;
}

export interface EventWindowRequest {
  readonly sessionId: number;
  /** First seq to return (inclusive). */
  readonly fromSeq: number;
  /** At most this many rows (1..100000). */
  readonly limit: number;
}

export interface EventWindow {
  readonly sessionId: number;
  readonly events: readonly EventRow[];
  /** True when events after the last returned one exist. */
  readonly more: boolean;
}

export interface ScenarioEntry {
  /** Stable id, e.g. `happy-path`. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
}

/** A scenario file in the user's workspace folder (names only, never paths). */
export interface ScenarioFileEntry {
  /** File name inside the workspace, e.g. `my-policy.ts` (letters, digits, `-`, `_`, `.`; ends `.ts` or `.json`). */
  readonly name: string;
  readonly bytes: number;
  /** ISO wall-clock time of the last save. */
  readonly modifiedAt: string;
}

/** Scenario source text with the name it is compiled and reported under. */
export interface ScenarioSource {
  /** `happy-path.ts`, `my-policy.ts`, … (`.ts` scripts, `.json` declarative specs). */
  readonly fileName: string;
  readonly text: string;
}

/**
 * A problem found in a scenario, placed on its line: compile errors (esbuild),
 * runtime errors (a throw, the watchdog, a forbidden global), failed
 * assertions and invariant violations of a run. Lines and columns are 1-based,
 * in the source as the user wrote it (source-mapped).
 */
export interface ScenarioDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly source: 'compile' | 'runtime' | 'assertion' | 'invariant';
  readonly message: string;
  /** null when the problem has no place in the source (e.g. an invariant of the emulator). */
  readonly line: number | null;
  readonly column: number | null;
  readonly endLine?: number;
  readonly endColumn?: number;
  /** The event that reported it (failed assertion, violation), when recorded. */
  readonly seq?: number;
}

export interface RunRequest {
  /** Caller-chosen id (`[A-Za-z0-9_-]{1,64}`) naming the run in onJobProgress and cancelJob. */
  readonly jobId?: string;
  /** A built-in scenario (resources/scenarios) … */
  readonly scenarioId?: string;
  /** … or source text from the editor (exactly one of the two). */
  readonly source?: ScenarioSource;
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  readonly kernelProfile?: KernelProfileId;
  /** `vtd`, `smmuv3` or `amd`; overrides the scenario's topology vendor. */
  readonly vendor?: string;
}

export interface RunResult {
  /** The recorded session; null when nothing was recorded (compile error, cancelled before start). */
  readonly sessionId: number | null;
  readonly eventCount: number;
  readonly passed: number;
  readonly failed: number;
  readonly violations: number;
  /** Compile or runtime error text, null when the run completed. */
  readonly error: string | null;
  readonly cancelled: boolean;
  readonly diagnostics: readonly ScenarioDiagnostic[];
}

/** Progress of a long job (run, export, import, replay-verify), pushed by the host. */
export interface JobProgress {
  readonly jobId: string;
  readonly kind: 'run' | 'export' | 'import' | 'verify';
  /** Short phase text: `compiling`, `running`, `indexing`, `writing`, … */
  readonly phase: string;
  /** Units done (events, bytes) and the total when known. */
  readonly done: number;
  readonly total: number | null;
  /** True on the last message of the job. */
  readonly finished: boolean;
}

/** Filter for search, breakpoints and "next/previous matching event". Every given field must match. */
export interface EventFilter {
  readonly kinds?: readonly EventKind[];
  readonly layer?: Layer;
  readonly dev?: number;
  readonly pasid?: number;
  readonly grpid?: number;
  readonly cookie?: number;
  readonly code?: number;
  readonly errno?: number;
  /** Events caused by the event with this seq (their `parent`); a parent always precedes its children. */
  readonly parent?: number;
  /** Case-insensitive substring of the kind name or the note. */
  readonly text?: string;
}

export interface EventSearchRequest {
  readonly sessionId: number;
  readonly filter: EventFilter;
  /** Search starts here (inclusive) and walks in `direction`. */
  readonly fromSeq: number;
  readonly direction: 'forward' | 'backward';
  /**
   * The walk stops at this seq (inclusive): its far end in `direction`, so not
   * before `fromSeq` forward and not after it backward. Absent: the session's
   * end (forward) or start (backward). Bounds the rows a rare filter can read.
   */
  readonly toSeq?: number;
  /** At most this many matches (1..10000). */
  readonly limit: number;
}

export interface EventSearchResult {
  /** Matching events in walk order. */
  readonly events: readonly EventRow[];
  /** True when more matches exist past the last one returned. */
  readonly more: boolean;
}

export interface ExportRequest {
  readonly jobId?: string;
  readonly sessionId: number;
  readonly format: 'pftrace' | 'chrome' | 'iopftrace';
}

export interface ExportedFile {
  readonly sessionId: number;
  readonly format: ExportRequest['format'];
  /** Where the host wrote it (the app's exports folder). */
  readonly path: string;
  readonly fileName: string;
  readonly bytes: number;
  readonly events: number;
  /** Same-origin URL the web host serves the file at; null in the desktop app. */
  readonly downloadUrl: string | null;
}

/** Import of a trace the renderer uploaded with beginUpload/uploadChunk. */
export interface ImportRequest {
  readonly jobId?: string;
  readonly uploadId: string;
}

export interface ImportedSession {
  readonly sessionId: number;
  readonly format: 'iopftrace' | 'chrome';
  readonly events: number;
}

export interface VerifyRequest {
  readonly jobId?: string;
  readonly sessionId: number;
  /**
   * Imported TypeScript scenarios are code from elsewhere: they replay only
   * after the user trusts them (the UI asks; false refuses with a clear error).
   */
  readonly trust: boolean;
}

export interface AppInfo {
  readonly name: string;
  readonly version: string;
  /** Which host serves the API. */
  readonly host: 'electron' | 'web';
  /** The SQLite file sessions are recorded in. */
  readonly databasePath: string;
  /** The SQLite driver in use, e.g. `better-sqlite3 12.11.1`. */
  readonly sqliteDriver: string;
}

export interface Disposable {
  dispose(): void;
}

/** Methods are request/response; `onXxx` members are event subscriptions. */
export interface WorkbenchApi {
  getAppInfo(): Promise<AppInfo>;

  // Sessions
  listSessions(): Promise<SessionSummary[]>;
  /** One session in full, with its scenario source. */
  getSession(sessionId: number): Promise<SessionDetails>;
  renameSession(request: { sessionId: number; name: string }): Promise<void>;
  /** Deletes the session and everything recorded for it. */
  removeSession(sessionId: number): Promise<void>;
  listNotes(sessionId: number): Promise<SessionNote[]>;
  addNote(request: { sessionId: number; seq: number | null; text: string }): Promise<SessionNote>;
  removeNote(request: { sessionId: number; noteId: number }): Promise<void>;

  // Reading a session
  getEvents(request: EventWindowRequest): Promise<EventWindow>;
  /** Per-track buckets for the timeline at a resolution (analysis/timeline.ts). */
  getTimeline(request: TimelineRequest): Promise<TimelineWindow>;
  getEventDetail(request: { sessionId: number; seq: number }): Promise<EventDetail>;
  getLifecycle(request: { sessionId: number; query: LifecycleQuery }): Promise<Lifecycle>;
  /** The fault path's state right after event `seq`. */
  getStateAt(request: { sessionId: number; seq: number }): Promise<StateAtSeq>;
  /** Statistics of the session, or of the faults whose first event lies in [fromSeq, toSeq]. */
  getStats(request: { sessionId: number; fromSeq?: number; toSeq?: number }): Promise<SessionStats>;
  findEvents(request: EventSearchRequest): Promise<EventSearchResult>;
  /** Aligns two sessions by fault identity (analysis/diff.ts). */
  diffSessions(request: { a: number; b: number }): Promise<SessionDiff>;

  // Scenarios
  listScenarios(): Promise<ScenarioEntry[]>;
  /** A built-in scenario's source. */
  getScenarioSource(scenarioId: string): Promise<ScenarioSource>;
  /** The scenario API typings (`iopf.d.ts`) for the editor. */
  getScenarioTypes(): Promise<ScenarioSource>;
  listScenarioFiles(): Promise<ScenarioFileEntry[]>;
  readScenarioFile(name: string): Promise<ScenarioSource>;
  writeScenarioFile(request: ScenarioSource): Promise<ScenarioFileEntry>;
  /** Compiles without running: compile diagnostics only. */
  checkScenario(source: ScenarioSource): Promise<ScenarioDiagnostic[]>;

  // Jobs: they run off the UI and main threads and report on onJobProgress
  /** Runs a scenario and records it; script errors come back in the result, not as a rejection. */
  runScenario(request: RunRequest): Promise<RunResult>;
  /** Stops a running job; true when one was found. Its promise then settles (cancelled / rejected). */
  cancelJob(jobId: string): Promise<boolean>;
  exportSession(request: ExportRequest): Promise<ExportedFile>;
  /** Starts an upload of a trace file the user opened or dropped. */
  beginUpload(request: { fileName: string; bytes: number }): Promise<{ uploadId: string }>;
  /** Appends base64 data at `offset` (chunks ≤ 512 KiB decoded, in order). */
  uploadChunk(request: { uploadId: string; offset: number; data: string }): Promise<void>;
  importTrace(request: ImportRequest): Promise<ImportedSession>;
  verifyReplay(request: VerifyRequest): Promise<ReplayVerification>;

  /** Fires after a session is created, finished, renamed or removed. */
  onDidChangeSessions(listener: () => void): Disposable;
  onJobProgress(listener: (progress: JobProgress) => void): Disposable;
}

/** Request/response methods, the allow-list both transports enforce. */
export const WORKBENCH_METHODS = [
  'getAppInfo',
  'listSessions',
  'getSession',
  'renameSession',
  'removeSession',
  'listNotes',
  'addNote',
  'removeNote',
  'getEvents',
  'getTimeline',
  'getEventDetail',
  'getLifecycle',
  'getStateAt',
  'getStats',
  'findEvents',
  'diffSessions',
  'listScenarios',
  'getScenarioSource',
  'getScenarioTypes',
  'listScenarioFiles',
  'readScenarioFile',
  'writeScenarioFile',
  'checkScenario',
  'runScenario',
  'cancelJob',
  'exportSession',
  'beginUpload',
  'uploadChunk',
  'importTrace',
  'verifyReplay',
] as const satisfies readonly (keyof WorkbenchApi)[];

export type WorkbenchMethod = (typeof WORKBENCH_METHODS)[number];

/** Event streams, the allow-list both transports enforce. */
export const WORKBENCH_EVENTS = ['onDidChangeSessions', 'onJobProgress'] as const satisfies readonly (keyof WorkbenchApi)[];

export type WorkbenchEvent = (typeof WORKBENCH_EVENTS)[number];

/** IPC channel prefix; the preload refuses anything else. */
export const CHANNEL_PREFIX = 'iopf:';

/** The part of the API a host implements: methods only; events are pushed by the host. */
export type WorkbenchMethods = Pick<WorkbenchApi, WorkbenchMethod>;
