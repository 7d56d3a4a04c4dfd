/**
 * Every example in resources/scenarios runs, in-process, and its own checks
 * pass with no invariant violation (except where the example demonstrates one).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemorySink } from '../trace/sink';
import { createScriptHost } from './create-script-host';

const dir = join(__dirname, '..', '..', '..', 'resources', 'scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
const yieldToScript = () => new Promise<void>((r) => setTimeout(r, 0));

/** Examples whose point is a violation the oracle must report. */
const EXPECTED_VIOLATIONS: Record<string, RegExp> = {
  'prq-overflow-amd': /never answered/,
};

describe('example scenarios', () => {
  it('there are at least ten', () => expect(files.length).toBeGreaterThanOrEqual(10));

  it.each(files)('%s runs and its checks pass', async (file) => {
    const mod = (await import(join(dir, file))) as { default: unknown };
    const sink = new MemorySink();
    const outcome = await createScriptHost({ sink }).run(mod.default, yieldToScript);
    const failures = sink.events.filter((e) => e.kind === 'ASSERT_FAIL').map((e) => e.note);
    expect(failures, `${file} failed checks`).toEqual([]);
    expect(outcome.passed).toBeGreaterThan(0);
    const violations = sink.events.filter((e) => e.kind === 'INVARIANT_VIOLATION').map((e) => e.note ?? '');
    const allowed = EXPECTED_VIOLATIONS[outcome.name];
    if (allowed) for (const v of violations) expect(v).toMatch(allowed);
    else expect(violations, `${file} violations`).toEqual([]);
  });
});
