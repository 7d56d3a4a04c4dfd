/**
 * The run bar's choices turned into a RunRequest: the seed field (empty means
 * the scenario's own seed), the kernel profile and the vendor (null means the
 * scenario's own), and a fresh job id to follow the run's progress by.
 */
import type { RunRequest, ScenarioSource } from '@shared/api/workbench';
import { VENDORS } from '@shared/api/validate';
import { KERNEL_PROFILE_IDS, type KernelProfileId } from '@shared/uapi/profiles';

export type Vendor = (typeof VENDORS)[number];
export const VENDOR_CHOICES: readonly Vendor[] = VENDORS;
export const PROFILE_CHOICES: readonly KernelProfileId[] = KERNEL_PROFILE_IDS;

export const U32_MAX = 0xffff_ffff;

export type SeedParse = { readonly ok: true; readonly seed: number | null } | { readonly ok: false; readonly error: string };

/** `''` → the scenario's seed; decimal or `0x` hex u32 → that seed; anything else → an error to show. */
export function parseSeed(input: string): SeedParse {
  const s = input.trim();
  if (s === '') return { ok: true, seed: null };
  const value = /^0x[0-9a-f]+$/i.test(s) ? Number.parseInt(s.slice(2), 16) : /^\d+$/.test(s) ? Number(s) : Number.NaN;
  if (!Number.isSafeInteger(value) || value > U32_MAX) {
    return { ok: false, error: `Seed must be an integer 0..${U32_MAX} (or 0x… hex), or empty for the scenario's own.` };
  }
  return { ok: true, seed: value };
}

export interface RunChoices {
  readonly seed: number | null;
  readonly kernelProfile: KernelProfileId | null;
  readonly vendor: Vendor | null;
}

export function buildRunRequest(jobId: string, source: ScenarioSource, choices: RunChoices): RunRequest {
  return {
    jobId,
    source,
    ...(choices.seed !== null ? { seed: choices.seed } : {}),
    ...(choices.kernelProfile !== null ? { kernelProfile: choices.kernelProfile } : {}),
    ...(choices.vendor !== null ? { vendor: choices.vendor } : {}),
  };
}

let jobCounter = 0;

/** A job id the host accepts (`[A-Za-z0-9_-]{1,64}`), unique within this window. */
export function newRunJobId(now: number = Date.now()): string {
  jobCounter = (jobCounter + 1) % 1_000_000;
  return `run-${now.toString(36)}-${jobCounter}`;
}

/** Fraction 0..1 of a job's progress, or null when the total is unknown. */
export function progressFraction(done: number, total: number | null): number | null {
  if (total === null || total <= 0) return null;
  return Math.min(1, Math.max(0, done / total));
}
