/** Options shared by several commands, parsed and checked in one place. */
import { resolve } from 'node:path';
import { isKernelProfileId, type KernelProfileId } from '../shared/uapi/profiles';
import { defaultDatabasePath } from '../node/paths';
import { UsageError } from './exit-codes';

export function databaseOption(value: string | undefined, env: NodeJS.ProcessEnv): string {
  return value ? resolve(value) : defaultDatabasePath(env);
}

export function seedOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 0xffff_ffff) throw new UsageError(`--seed must be an integer in 0..4294967295, got "${value}"`);
  return Number(value);
}

export function profileOption(value: string | undefined): KernelProfileId | undefined {
  if (value === undefined) return undefined;
  if (!isKernelProfileId(value)) throw new UsageError(`--profile must be "v4" or "upstream", got "${value}"`);
  return value;
}

export function portOption(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`--port must be an integer in 0..65535, got "${value}"`);
  return Number(value);
}
