import { describe, expect, it } from 'vitest';
import { JOB_ID } from '@shared/api/validate';
import { buildRunRequest, newRunJobId, parseSeed, progressFraction } from './run-options';

describe('run options', () => {
  it('reads the seed field: empty is the scenario’s own, decimal and hex u32 are taken', () => {
    expect(parseSeed('')).toEqual({ ok: true, seed: null });
    expect(parseSeed('  ')).toEqual({ ok: true, seed: null });
    expect(parseSeed('7')).toEqual({ ok: true, seed: 7 });
    expect(parseSeed('0xffffffff')).toEqual({ ok: true, seed: 0xffff_ffff });
    for (const bad of ['-1', '4294967296', '1.5', 'abc', '0x', '1e3']) expect(parseSeed(bad).ok, bad).toBe(false);
  });

  it('sends only the choices that override the scenario', () => {
    const source = { fileName: 'a.ts', text: 'x' };
    expect(buildRunRequest('j1', source, { seed: null, kernelProfile: null, vendor: null })).toEqual({ jobId: 'j1', source });
    expect(buildRunRequest('j1', source, { seed: 0, kernelProfile: 'v4', vendor: 'amd' })).toEqual({ jobId: 'j1', source, seed: 0, kernelProfile: 'v4', vendor: 'amd' });
  });

  it('makes job ids the host accepts, different each time', () => {
    const a = newRunJobId(1_700_000_000_000);
    const b = newRunJobId(1_700_000_000_000);
    expect(a).toMatch(JOB_ID);
    expect(b).toMatch(JOB_ID);
    expect(a).not.toBe(b);
  });

  it('turns progress into a fraction when the total is known', () => {
    expect(progressFraction(5, 10)).toBe(0.5);
    expect(progressFraction(15, 10)).toBe(1);
    expect(progressFraction(5, null)).toBeNull();
    expect(progressFraction(0, 0)).toBeNull();
  });
});
