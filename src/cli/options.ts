/** Options shared by several commands, parsed and checked in one place. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { KERNEL_PROFILES, KERNEL_PROFILE_IDS, isKernelProfileId, type KernelProfileId } from '../shared/uapi/profiles';
import type { SqlDatabase } from '../node/db/sql-database';
import { openDatabase } from '../node/db/open-database';
import { defaultDatabasePath } from '../node/paths';
import { prepareRecorderDb } from '../node/recorder/recorder-db';
import { UsageError } from './exit-codes';

export function databaseOption(value: string | undefined, env: NodeJS.ProcessEnv): string {
  return value ? resolve(value) : defaultDatabasePath(env);
}

export function seedOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 0xffff_ffff) throw new UsageError(`--seed must be an integer in 0..4294967295, got "${value}"`);
  return Number(value);
}

/** The kernel profiles, one a line with what each models, for the help of commands that take --profile. */
export const PROFILE_HELP = `Kernel profiles (--profile):
${KERNEL_PROFILE_IDS.map((id) => `  ${id.padEnd(10)}${KERNEL_PROFILES[id].title}`).join('\n')}`;

export function profileOption(value: string | undefined): KernelProfileId | undefined {
  if (value === undefined) return undefined;
  if (!isKernelProfileId(value)) throw new UsageError(`--profile must be one of ${KERNEL_PROFILE_IDS.join(', ')}, got "${value}"`);
  return value;
}

export function vendorOption(value: string | undefined): 'vtd' | 'smmuv3' | 'amd' | undefined {
  if (value === undefined) return undefined;
  if (value !== 'vtd' && value !== 'smmuv3' && value !== 'amd') throw new UsageError(`--vendor must be "vtd", "smmuv3" or "amd", got "${value}"`);
  return value;
}

export function portOption(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`--port must be an integer in 0..65535, got "${value}"`);
  return Number(value);
}

/** A session id argument: a positive integer. */
export function sessionIdOption(value: string | undefined, what = 'session id'): number {
  if (value === undefined) throw new UsageError(`missing ${what}`);
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > Number.MAX_SAFE_INTEGER) throw new UsageError(`${what} must be a positive integer, got "${value}"`);
  return Number(value);
}

export function positiveIntOption(value: string | undefined, name: string, dflt: number): number {
  if (value === undefined) return dflt;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1_000_000) throw new UsageError(`${name} must be an integer in 1..1000000, got "${value}"`);
  return Number(value);
}

/**
 * Opens the recorder database for a command and closes it afterwards. With
 * `mustExist`, a missing file is an error instead of a new empty database.
 */
export async function withDatabase<T>(path: string, fn: (db: SqlDatabase) => T | Promise<T>, mustExist = false): Promise<T> {
  if (mustExist && !existsSync(path)) throw new Error(`${path}: no such database`);
  const db = prepareRecorderDb(openDatabase(path));
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}
