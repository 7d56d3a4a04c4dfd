/**
 * Every example in resources/scenarios runs through the real runtime (esbuild,
 * instrumentation, sandbox, worker) with its checks passing, type-checks
 * against the generated resources/types/iopf.d.ts, and runs deterministically.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open-database';
import { SessionStore } from '../recorder/session-store';
import { checkScenario, formatDiagnostic } from './check';
import { formatScriptError } from './errors';
import { runScenarioScript } from './run-scenario-script';

const root = join(__dirname, '..', '..', '..');
const dir = join(root, 'resources', 'scenarios');
const TYPES = join(root, 'resources', 'types', 'iopf.d.ts');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();

describe('example scenarios in the sandboxed runtime', () => {
  it.each(files)('%s type-checks, runs in the worker and passes its checks', async (file) => {
    const source = readFileSync(join(dir, file), 'utf8');
    expect(checkScenario(source, file, { typesPath: TYPES }).map(formatDiagnostic)).toEqual([]);
    const r = await runScenarioScript({ source, filename: file, collect: true });
    expect(r.error ? formatScriptError(r.error) : undefined).toBeUndefined();
    const failures = (r.collected ?? []).filter((e) => e.kind === 'ASSERT_FAIL').map((e) => e.note);
    expect(failures).toEqual([]);
    expect(r.outcome?.passed).toBeGreaterThan(0);
  });

  it('reports a type error against the generated .d.ts', () => {
    const source = ["import { scenario, dma } from 'iopf';", "export default scenario({ name: 'x', async main() {", "  await dma('0000:03:00.0', { pasid: '1', addr: 4096n });", '} });'].join('\n');
    expect(checkScenario(source, 'bad.ts', { typesPath: TYPES }).map(formatDiagnostic)).toEqual([
      "bad.ts:3:31: Type 'string' is not assignable to type 'number'.",
    ]);
  });

  const stream = (events: unknown): string => JSON.stringify(events, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v));

  it('runs an example twice with the same seed to byte-identical streams, and differently with another seed', async () => {
    const source = readFileSync(join(dir, 'happy-path.ts'), 'utf8');
    const a = await runScenarioScript({ source, filename: 'happy-path.ts', collect: true, seed: 11 });
    const b = await runScenarioScript({ source, filename: 'happy-path.ts', collect: true, seed: 11 });
    const c = await runScenarioScript({ source, filename: 'happy-path.ts', collect: true, seed: 12 });
    expect(a.events).toBeGreaterThan(10);
    // The scenario lines are part of the stream compared.
    expect(a.collected!.filter((e) => e.line !== null).length).toBeGreaterThan(a.events / 2);
    expect(stream(a.collected)).toBe(stream(b.collected));
    expect(stream(c.collected)).not.toBe(stream(a.collected));
  });

  describe('recorded', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'iopf-examples-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it('records an example as a complete session whose row names the run', async () => {
      const source = readFileSync(join(dir, 'smmuv3-stall.ts'), 'utf8');
      const databasePath = join(tmp, 'rec.db');
      const warnings: string[] = [];
      const r = await runScenarioScript({ source, filename: 'smmuv3-stall.ts', record: { databasePath }, onConsole: (_l, t) => warnings.push(t) });
      expect(r.error).toBeUndefined();
      expect(warnings).toEqual([]);
      const db = openDatabase(databasePath, { readonly: true });
      try {
        const d = new SessionStore(db).details(r.sessionId!)!;
        expect(d).toMatchObject({
          status: 'complete',
          scenarioName: r.outcome!.name,
          seed: r.outcome!.seed,
          kernelProfile: r.outcome!.kernelProfile,
          vendor: 'smmuv3',
          eventCount: r.events,
          passed: r.outcome!.passed,
          failed: 0,
        });
      } finally {
        db.close();
      }
    });
  });
});
