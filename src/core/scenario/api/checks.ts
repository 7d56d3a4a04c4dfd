/**
 * Self-checks: `assert` and `expect` record ASSERT_PASS / ASSERT_FAIL events
 * and never throw, so one run reports every check (`N passed, M failed`).
 */
import type { SyscallResult } from './types';
import { run } from './run-context';

export function assert(condition: unknown, message = 'assertion'): boolean {
  const ok = Boolean(condition);
  run().check(ok, message);
  return ok;
}

export interface Expectation {
  toBe(expected: unknown, message?: string): boolean;
  toEqual(expected: unknown, message?: string): boolean;
  toBeGreaterThan(n: number | bigint, message?: string): boolean;
  toBeLessThanOrEqual(n: number | bigint, message?: string): boolean;
  /** For a syscall result: it failed with this errno name. */
  toFailWith(errno: string, message?: string): boolean;
  /** For a syscall result: it succeeded. */
  toSucceed(message?: string): boolean;
}

export function expect(actual: unknown): Expectation {
  const report = (ok: boolean, message: string): boolean => {
    run().check(ok, message);
    return ok;
  };
  return {
    toBe: (expected, message) => report(Object.is(actual, expected), message ?? `expected ${show(actual)} to be ${show(expected)}`),
    toEqual: (expected, message) => report(deepEqual(actual, expected), message ?? `expected ${show(actual)} to equal ${show(expected)}`),
    toBeGreaterThan: (n, message) => report((actual as number) > n, message ?? `expected ${show(actual)} > ${show(n)}`),
    toBeLessThanOrEqual: (n, message) => report((actual as number) <= n, message ?? `expected ${show(actual)} <= ${show(n)}`),
    toFailWith: (errno, message) => {
      const r = actual as SyscallResult;
      return report(r?.ret === -1 && r.errno === errno, message ?? `expected the call to fail with ${errno}, got ${r?.errno ?? `ret ${show(r?.ret)}`}`);
    },
    toSucceed: (message) => {
      const r = actual as SyscallResult;
      return report(r?.ret >= 0 && r.errno === null, message ?? `expected the call to succeed, got ${r?.errno ?? 'no result'}`);
    },
  };
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${show(x)}`).join(', ')} }`;
  return String(v);
}
