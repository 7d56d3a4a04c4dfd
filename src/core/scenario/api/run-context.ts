/**
 * The run a scenario's API calls act on. Scripts import plain functions from
 * 'iopf'; each delegates to the run the host has started, so one module-level
 * API serves every run (one run at a time per worker or process).
 */
import type { System } from '../../engine/system';
import { ScenarioError } from '../spec';
import type { ScriptPromiseFactory } from './uapi';
import type { Uapi } from './types';

export interface RunContext {
  readonly system: System;
  readonly uapi: Uapi;
  readonly scriptPromise: ScriptPromiseFactory;
  /** Records a check's outcome. */
  check(ok: boolean, message: string): void;
  /** Events seen so far, per kind. */
  readonly counts: Map<string, number>;
}

let current: RunContext | null = null;

export function setCurrentRun(ctx: RunContext | null): void {
  current = ctx;
}

export function run(): RunContext {
  if (!current) throw new ScenarioError('the scenario API is only usable while a scenario runs (inside setup, policy, workload, checks or main)');
  return current;
}

/** For `assert`/`expect` used outside a run: they still need somewhere to report. */
export function currentRunOrNull(): RunContext | null {
  return current;
}
