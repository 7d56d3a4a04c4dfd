/**
 * The WorkbenchApi contract: the only way the renderer reaches the emulator and
 * the recorder. Electron's preload exposes it over IPC; the local web host
 * exposes the same methods over a WebSocket. Arguments and results are plain
 * JSON values so both transports carry them unchanged.
 */
import type { EventRow } from '../events';
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

export interface RunRequest {
  readonly scenarioId: string;
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  readonly kernelProfile?: KernelProfileId;
}

export interface RunResult {
  readonly sessionId: number;
  readonly eventCount: number;
  readonly passed: number;
  readonly failed: number;
  readonly violations: number;
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
  listSessions(): Promise<SessionSummary[]>;
  getEvents(request: EventWindowRequest): Promise<EventWindow>;
  listScenarios(): Promise<ScenarioEntry[]>;
  runScenario(request: RunRequest): Promise<RunResult>;
  /** Fires after a session is created, finished or removed. */
  onDidChangeSessions(listener: () => void): Disposable;
}

/** Request/response methods, the allow-list both transports enforce. */
export const WORKBENCH_METHODS = [
  'getAppInfo',
  'listSessions',
  'getEvents',
  'listScenarios',
  'runScenario',
] as const satisfies readonly (keyof WorkbenchApi)[];

export type WorkbenchMethod = (typeof WORKBENCH_METHODS)[number];

/** Event streams, the allow-list both transports enforce. */
export const WORKBENCH_EVENTS = ['onDidChangeSessions'] as const satisfies readonly (keyof WorkbenchApi)[];

export type WorkbenchEvent = (typeof WORKBENCH_EVENTS)[number];

/** IPC channel prefix; the preload refuses anything else. */
export const CHANNEL_PREFIX = 'iopf:';

/** The part of the API a host implements: methods only; events are pushed by the host. */
export type WorkbenchMethods = Pick<WorkbenchApi, WorkbenchMethod>;
