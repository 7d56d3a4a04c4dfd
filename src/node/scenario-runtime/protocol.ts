/** What the parent hands the scenario worker and what the worker posts back. */
import type { ScriptOutcome, VendorId } from '../../core/scenario/script-host';
import type { TraceEvent } from '../../shared/events';
import type { KernelProfileId } from '../../shared/uapi/profiles';
import type { ScriptError } from './errors';
import type { PackedEvents, StreamInput } from './event-stream';
import type { ConsoleLevel } from './sandbox';
import type { PreparedScript } from './transpile';

export interface WorkerInput {
  readonly script: PreparedScript;
  /** The heartbeat words (heartbeat.ts). */
  readonly heartbeat: SharedArrayBuffer;
  readonly seed?: number;
  readonly kernelProfile?: KernelProfileId;
  readonly vendor?: VendorId;
  readonly maxSteps?: number;
  readonly record?: { readonly databasePath: string; readonly sessionName?: string };
  readonly collect: boolean;
  /** Post every event to the parent in packed batches, with backpressure (event-stream.ts). */
  readonly stream?: StreamInput;
  /** Wall time a slice of script code may run, ms. */
  readonly sliceMs: number;
  /** Used heap that counts as runaway allocation, MB. */
  readonly heapLimitMb: number;
}

export type WorkerMessage =
  | { readonly type: 'session'; readonly sessionId: number }
  | { readonly type: 'console'; readonly level: ConsoleLevel; readonly text: string }
  /** A batch of streamed events; the parent acknowledges it through the stream's shared words. */
  | { readonly type: 'events'; readonly batch: PackedEvents }
  /** The guard tripped; the worker is unwinding (the parent terminates it if it does not finish soon). */
  | { readonly type: 'trip'; readonly error: ScriptError }
  | {
      readonly type: 'done';
      readonly outcome?: ScriptOutcome;
      readonly error?: ScriptError;
      readonly events: number;
      readonly collected?: TraceEvent[];
      readonly sessionId?: number;
      /** Wall time of evaluation and run, ms. */
      readonly runMs: number;
    };
