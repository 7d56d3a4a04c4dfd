/**
 * Runs and records a scenario whatever its format: a TypeScript scenario goes
 * through the sandboxed runtime in a job process of its own (src/node/jobs:
 * its worker thread runs there, type-checked first when the API's .d.ts is
 * given), so a scenario that brings its process down cannot take the caller
 * with it; a declarative JSON scenario is data and runs in-process. One
 * result shape for the CLI and replay.
 */
import { extname } from 'node:path';
import type { KernelProfileId } from '../../shared/uapi/profiles';
import type { VendorId } from '../../core/scenario/script-host';
import { ScenarioError } from '../../core/scenario/spec';
import { APP_VERSION } from '../app-info';
import type { SqlDatabase } from '../db/sql-database';
import { recordRun } from '../recorder/record-run';
import { JobRunner } from '../jobs/job-runner';
import { runScriptJob } from '../jobs/script-job';
import { formatScriptError } from './errors';

export interface RunSourceOptions {
  /** The recorder database (already prepared); the TS runtime opens its own connection to the same file. */
  readonly db: SqlDatabase;
  readonly seed?: number;
  readonly kernelProfile?: KernelProfileId;
  readonly vendor?: VendorId;
  /** Type-check TypeScript scenarios against this iopf.d.ts before running. */
  readonly typesPath?: string;
  readonly sessionName?: string;
}

export interface RunSourceResult {
  /** 0 every check passed, 1 a check failed, 2 the scenario could not run. */
  readonly exitCode: 0 | 1 | 2;
  readonly sessionId: number | null;
  readonly name: string;
  readonly eventCount: number;
  readonly endNs: bigint;
  readonly passed: number;
  readonly failed: number;
  readonly violations: number;
  readonly seed: number | null;
  readonly kernelProfile: KernelProfileId | null;
  readonly vendor: VendorId | null;
  /** `file:line:col: message` when the scenario could not run. */
  readonly error: string | null;
}

export const scenarioFormatOf = (filename: string): 'json' | 'ts' => (extname(filename).toLowerCase() === '.json' ? 'json' : 'ts');

export async function runScenarioSource(source: string, filename: string, o: RunSourceOptions): Promise<RunSourceResult> {
  if (scenarioFormatOf(filename) === 'json') {
    try {
      const { sessionId, summary, spec } = await recordRun(o.db, source, filename, {
        appVersion: APP_VERSION,
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(o.kernelProfile !== undefined ? { kernelProfile: o.kernelProfile } : {}),
        ...(o.vendor !== undefined ? { vendor: o.vendor } : {}),
        ...(o.sessionName ? { name: o.sessionName } : {}),
      });
      return { exitCode: summary.failed > 0 ? 1 : 0, sessionId, name: spec.name, ...summary, error: null };
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      return failure(e.message);
    }
  }
  const jobs = new JobRunner(() => undefined);
  let r;
  try {
    r = await runScriptJob(jobs, undefined, {
      databasePath: o.db.path,
      source,
      fileName: filename,
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.kernelProfile !== undefined ? { kernelProfile: o.kernelProfile } : {}),
      ...(o.vendor !== undefined ? { vendor: o.vendor } : {}),
      ...(o.typesPath ? { typesPath: o.typesPath } : {}),
      ...(o.sessionName ? { sessionName: o.sessionName } : {}),
    });
  } finally {
    jobs.dispose();
  }
  const out = r.outcome;
  return {
    exitCode: !r.ok || !out ? 2 : out.failed > 0 ? 1 : 0,
    sessionId: r.sessionId ?? null,
    name: out?.name ?? filename,
    eventCount: out?.eventCount ?? r.events,
    endNs: out?.endNs ?? 0n,
    passed: out?.passed ?? 0,
    failed: out?.failed ?? 0,
    violations: out?.violations ?? 0,
    seed: out?.seed ?? null,
    kernelProfile: out?.kernelProfile ?? null,
    vendor: out?.vendor ?? null,
    error: r.ok || !r.error ? null : formatScriptError(r.error),
  };
}

function failure(message: string): RunSourceResult {
  return { exitCode: 2, sessionId: null, name: '', eventCount: 0, endNs: 0n, passed: 0, failed: 0, violations: 0, seed: null, kernelProfile: null, vendor: null, error: message };
}
