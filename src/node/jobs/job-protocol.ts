/**
 * What the host hands a job process and what the job posts back. Plain data
 * (bigints included): everything crosses a child process's IPC channel with
 * the 'advanced' (structured clone) serialization.
 */
import type { KernelProfileId } from '../../shared/uapi/profiles';
import type { ReplayVerification } from '../../shared/api/analysis';
import type { ScriptOutcome, VendorId } from '../../core/scenario/script-host';
import type { ScriptError } from '../scenario-runtime/errors';

export const JOB_WORKER_TAG = 'iopf-job-worker/1';

export type JobInput =
  /** Records a declarative (JSON) scenario. */
  | {
      readonly kind: 'run-json';
      readonly databasePath: string;
      readonly source: string;
      readonly fileName: string;
      readonly seed?: number;
      readonly kernelProfile?: KernelProfileId;
      readonly vendor?: VendorId;
    }
  /** Records a TypeScript scenario through the sandboxed runtime (its own worker thread inside the job's process). */
  | {
      readonly kind: 'run-ts';
      readonly databasePath: string;
      readonly source: string;
      readonly fileName: string;
      readonly seed?: number;
      readonly kernelProfile?: KernelProfileId;
      readonly vendor?: VendorId;
      readonly sessionName?: string;
      /** Type-check against this iopf.d.ts first. */
      readonly typesPath?: string;
      /** The scenario worker's old-generation heap, MB (the job's process gets a little more). */
      readonly memoryMb: number;
    }
  | { readonly kind: 'export'; readonly databasePath: string; readonly sessionId: number; readonly format: 'pftrace' | 'chrome' | 'iopftrace'; readonly path: string }
  | { readonly kind: 'import'; readonly databasePath: string; readonly path: string }
  | { readonly kind: 'verify'; readonly databasePath: string; readonly sessionId: number; readonly trusted: boolean };

export interface RunJsonResult {
  readonly sessionId: number | null;
  readonly eventCount: number;
  readonly passed: number;
  readonly failed: number;
  readonly violations: number;
  /** The engine refused or stopped the scenario. */
  readonly error: string | null;
}

/** A TypeScript run as the scenario runtime reported it (its ScriptRunResult without the collected events). */
export interface RunTsResult {
  readonly ok: boolean;
  readonly outcome?: ScriptOutcome;
  readonly error?: ScriptError;
  readonly events: number;
  readonly sessionId?: number;
}

export interface ExportJobResult {
  readonly path: string;
  readonly bytes: number;
  readonly events: number;
}

export interface ImportJobResult {
  readonly sessionId: number;
  readonly format: 'iopftrace' | 'chrome';
  readonly events: number;
}

export interface JobResults {
  readonly 'run-json': RunJsonResult;
  readonly 'run-ts': RunTsResult;
  readonly export: ExportJobResult;
  readonly import: ImportJobResult;
  readonly verify: ReplayVerification;
}

export type JobWorkerMessage =
  /** Units done (events, bytes) and the total when known; posted at most every PROGRESS_EVERY_MS. */
  /**
   * Units done (events, bytes) and the total when known; posted at most every PROGRESS_EVERY_MS.
   * A TypeScript run adds the last scenario line its guard saw, so the host can name it if the process dies.
   */
  | { readonly type: 'progress'; readonly phase: string; readonly done: number; readonly total: number | null; readonly at?: ScriptPosition }
  /** The job created this session (a run), so a cancelled job's session can be marked aborted. */
  | { readonly type: 'session'; readonly sessionId: number }
  | { readonly type: 'done'; readonly result: unknown }
  | { readonly type: 'failed'; readonly name: string; readonly message: string };

export interface ScriptPosition {
  readonly line: number;
  readonly column: number;
  /** The scenario's file name, where the host does not know it (a verify job replays a stored scenario). */
  readonly file?: string;
}

/** What the host sends a job process once it is up: the one job it runs. */
export interface JobStartMessage {
  readonly type: 'start';
  readonly tag: typeof JOB_WORKER_TAG;
  readonly input: JobInput;
}

/** The scenario worker's heap limit for runs the host starts, MB (run-scenario-script.ts's default). */
export const SCENARIO_MEMORY_MB = 1024;

/**
 * The job process's own heap (its main thread: the runtime's watchdog, the
 * recorder of a verify job), MB above the scenario worker's limit: small
 * enough that an allocation gone wrong there ends the process quickly.
 */
export const JOB_PROCESS_HEAP_HEADROOM_MB = 256;

/** How often a worker may post progress, ms. */
export const PROGRESS_EVERY_MS = 50;
