/**
 * What the host hands a job worker (workerData) and what the worker posts
 * back. Plain data: everything crosses a worker_threads message port.
 */
import type { KernelProfileId } from '../../shared/uapi/profiles';
import type { ReplayVerification } from '../../shared/api/analysis';
import type { VendorId } from '../../core/scenario/script-host';

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
  readonly export: ExportJobResult;
  readonly import: ImportJobResult;
  readonly verify: ReplayVerification;
}

export type JobWorkerMessage =
  /** Units done (events, bytes) and the total when known; posted at most every PROGRESS_EVERY_MS. */
  | { readonly type: 'progress'; readonly phase: string; readonly done: number; readonly total: number | null }
  /** The job created this session (a run), so a cancelled job's session can be marked aborted. */
  | { readonly type: 'session'; readonly sessionId: number }
  | { readonly type: 'done'; readonly result: unknown }
  | { readonly type: 'failed'; readonly name: string; readonly message: string };

/** How often a worker may post progress, ms. */
export const PROGRESS_EVERY_MS = 50;
