/**
 * Checks for values read from trace files, which are untrusted input: every
 * field is type- and range-checked, objects may only carry the keys we know,
 * and `__proto__` / `constructor` / `prototype` keys are refused outright.
 * Validated values are copied into fresh objects; parsed objects are never
 * merged into anything.
 */
import { EVENT_KINDS, LAYERS, type EventKind, type EventRow, type Layer } from '../../shared/events';
import { KERNEL_PROFILE_LIST, isKernelProfileId } from '../../shared/uapi/profiles';
import type { SessionStatus } from '../../shared/api/workbench';
import type { SessionRecord } from '../recorder/session-store';

export class TraceFileError extends Error {
  override readonly name = 'TraceFileError';
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const KINDS: ReadonlySet<string> = new Set(EVENT_KINDS);
const LAYER_SET: ReadonlySet<string> = new Set(LAYERS);

export const LIMITS = {
  /** Longest scenario source, characters. */
  source: 4 << 20,
  /** Longest short text (names, versions, times). */
  text: 4096,
  /** Longest note or summary. */
  note: 65_536,
  /** Raw struct bytes per event. */
  rawBytes: 4096,
  /** An engine checkpoint's JSON, characters. */
  checkpoint: 16 << 20,
} as const;

export type Json = Record<string, unknown>;

export function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Refuses prototype-pollution keys anywhere in a parsed value (depth-limited). */
export function assertSafeKeys(v: unknown, where: string, depth = 0): void {
  if (depth > 32) throw new TraceFileError(`${where}: nested too deeply`);
  if (Array.isArray(v)) {
    for (const x of v) assertSafeKeys(x, where, depth + 1);
    return;
  }
  if (!isPlainObject(v)) return;
  for (const k of Object.keys(v)) {
    if (FORBIDDEN.has(k)) throw new TraceFileError(`${where}: forbidden key "${k}"`);
    assertSafeKeys(v[k], where, depth + 1);
  }
}

export function onlyKeys(o: Json, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (FORBIDDEN.has(k)) throw new TraceFileError(`${where}: forbidden key "${k}"`);
    if (!allowed.includes(k)) throw new TraceFileError(`${where}: unknown field "${k}"`);
  }
}

export function intField(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new TraceFileError(`${where}: expected an integer in ${min}..${max}, got ${describe(v)}`);
  return v;
}

export function intOrNull(v: unknown, where: string, min: number, max: number): number | null {
  return v === null || v === undefined ? null : intField(v, where, min, max);
}

export function strField(v: unknown, where: string, max: number): string {
  if (typeof v !== 'string') throw new TraceFileError(`${where}: expected a string, got ${describe(v)}`);
  if (v.length > max) throw new TraceFileError(`${where}: longer than ${max} characters`);
  return v;
}

export function strOrNull(v: unknown, where: string, max: number): string | null {
  return v === null || v === undefined ? null : strField(v, where, max);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return Array.isArray(v) ? 'an array' : typeof v;
}

const U32 = 0xffff_ffff;
export const MAX_T = Number.MAX_SAFE_INTEGER;
/** Highest scenario source line (a source is at most LIMITS.source characters). */
const MAX_LINE = LIMITS.source;
/** Highest IOMMU unit index. */
const MAX_IOMMU = 255;

/** Validates one event's columns (everything but seq order, which the reader checks). */
export function eventFromFields(
  f: {
    seq: unknown;
    t: unknown;
    kind: unknown;
    layer: unknown;
    dev: unknown;
    pasid: unknown;
    grpid: unknown;
    cookie: unknown;
    addr: unknown;
    perm: unknown;
    code: unknown;
    errno: unknown;
    parent: unknown;
    raw: unknown;
    note: unknown;
    /** Absent in files written before schema v3. */
    line?: unknown;
    iommu?: unknown;
  },
  where: string,
): EventRow {
  const seq = intField(f.seq, `${where}: seq`, 0, MAX_T);
  const t = intField(f.t, `${where}: t`, 0, MAX_T);
  if (typeof f.kind !== 'string' || !KINDS.has(f.kind)) throw new TraceFileError(`${where}: unknown event kind ${describe(f.kind)}`);
  if (typeof f.layer !== 'string' || !LAYER_SET.has(f.layer)) throw new TraceFileError(`${where}: unknown layer ${describe(f.layer)}`);
  const addr = strOrNull(f.addr, `${where}: addr`, 18);
  if (addr !== null && !/^0x[0-9a-f]{1,16}$/.test(addr)) throw new TraceFileError(`${where}: addr must be lowercase hex like "0xdeadb000"`);
  const raw = strOrNull(f.raw, `${where}: raw`, LIMITS.rawBytes * 2);
  if (raw !== null && !/^(?:[0-9a-f]{2})*$/.test(raw)) throw new TraceFileError(`${where}: raw must be lowercase hex bytes`);
  const parent = intOrNull(f.parent, `${where}: parent`, 0, MAX_T);
  if (parent !== null && parent >= seq) throw new TraceFileError(`${where}: parent ${parent} is not an earlier event`);
  return {
    seq,
    t,
    kind: f.kind as EventKind,
    layer: f.layer as Layer,
    dev: intOrNull(f.dev, `${where}: dev`, 0, U32),
    pasid: intOrNull(f.pasid, `${where}: pasid`, 0, U32),
    grpid: intOrNull(f.grpid, `${where}: grpid`, 0, U32),
    cookie: intOrNull(f.cookie, `${where}: cookie`, 0, U32),
    addr,
    perm: intOrNull(f.perm, `${where}: perm`, 0, U32),
    code: intOrNull(f.code, `${where}: code`, 0, U32),
    errno: intOrNull(f.errno, `${where}: errno`, 0, 4095),
    parent,
    raw,
    note: strOrNull(f.note, `${where}: note`, LIMITS.note),
    line: intOrNull(f.line, `${where}: line`, 1, MAX_LINE),
    iommu: intOrNull(f.iommu, `${where}: iommu`, 0, MAX_IOMMU),
  };
}

export const SESSION_KEYS = [
  'name',
  'status',
  'scenarioName',
  'scenarioSource',
  'scenarioHash',
  'scenarioFormat',
  'seed',
  'kernelProfile',
  'vendor',
  'appVersion',
  'createdAt',
  'finishedAt',
  'eventCount',
  'endNs',
  'passed',
  'failed',
  'summary',
] as const satisfies readonly (keyof SessionRecord)[];

/** Validates an exported session record. Imported sessions are never `running`. */
export function sessionFromJson(v: unknown, where: string): SessionRecord {
  if (!isPlainObject(v)) throw new TraceFileError(`${where}: expected an object`);
  onlyKeys(v, SESSION_KEYS, where);
  const status = strField(v.status, `${where}.status`, 16);
  if (status !== 'complete' && status !== 'aborted') throw new TraceFileError(`${where}.status: expected "complete" or "aborted", got ${describe(status)}`);
  const kernelProfile = strField(v.kernelProfile, `${where}.kernelProfile`, 16);
  if (!isKernelProfileId(kernelProfile)) throw new TraceFileError(`${where}.kernelProfile: expected one of ${KERNEL_PROFILE_LIST}`);
  return {
    name: strField(v.name, `${where}.name`, LIMITS.text),
    status: status as SessionStatus,
    scenarioName: strField(v.scenarioName, `${where}.scenarioName`, LIMITS.text),
    scenarioSource: strField(v.scenarioSource, `${where}.scenarioSource`, LIMITS.source),
    scenarioHash: strField(v.scenarioHash, `${where}.scenarioHash`, 128),
    scenarioFormat: strField(v.scenarioFormat, `${where}.scenarioFormat`, 32),
    seed: intField(v.seed, `${where}.seed`, 0, U32),
    kernelProfile,
    vendor: strField(v.vendor, `${where}.vendor`, 32),
    appVersion: strField(v.appVersion, `${where}.appVersion`, LIMITS.text),
    createdAt: strField(v.createdAt, `${where}.createdAt`, 64),
    finishedAt: strOrNull(v.finishedAt, `${where}.finishedAt`, 64),
    eventCount: intField(v.eventCount, `${where}.eventCount`, 0, MAX_T),
    endNs: intField(v.endNs, `${where}.endNs`, 0, MAX_T),
    passed: intField(v.passed, `${where}.passed`, 0, U32),
    failed: intField(v.failed, `${where}.failed`, 0, U32),
    summary: strOrNull(v.summary, `${where}.summary`, LIMITS.note),
  };
}
