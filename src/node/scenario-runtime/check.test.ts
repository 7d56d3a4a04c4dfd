import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkScenario, formatDiagnostic } from './check';

const TYPES = join(__dirname, 'fixtures', 'iopf-test.d.ts');
const check = (lines: string[], typesPath = TYPES): string[] =>
  checkScenario(lines.join('\n'), 'scenario.ts', { typesPath }).map(formatDiagnostic);

const HEAD = ["import { scenario, assert } from 'iopf';", 'export default scenario({', "  name: 'x',", '  async main(ctx) {'];
const TAIL = ['  },', '});'];

describe('checkScenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iopf-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a correct scenario', () => {
    expect(check([...HEAD, '    await ctx.sleep(1000);', "    assert(ctx.now() === 1000n, 'virtual time advanced');", ...TAIL])).toEqual([]);
  });

  it('reports a type error as file:line:col: message', () => {
    expect(check([...HEAD, "    const n: number = 'x';", '    assert(n);', ...TAIL])).toEqual([
      "scenario.ts:5:11: Type 'string' is not assignable to type 'number'.",
    ]);
  });

  it('knows the API: a wrong argument and a misspelt member are errors', () => {
    expect(check([...HEAD, "    await ctx.sleep('soon');", '    ctx.nowNs();', ...TAIL])).toEqual([
      "scenario.ts:5:21: Argument of type 'string' is not assignable to parameter of type 'number | bigint'.",
      "scenario.ts:6:9: Property 'nowNs' does not exist on type 'ScenarioContext'. Did you mean 'now'?",
    ]);
  });

  it('has no Node or DOM types: process, require, fs and setTimeout are errors', () => {
    const out = check(["import { readFileSync } from 'fs';", ...HEAD, '    process.exit(1);', '    setTimeout(() => {}, 1);', ...TAIL]);
    expect(out).toEqual([
      "scenario.ts:1:30: cannot import 'fs': a scenario can import only 'iopf' (they run sandboxed: no Node, file system, network or timers)",
      'scenario.ts:6:5: `process` is not available in scenarios (they run sandboxed: no Node, file system, network or timers)',
      'scenario.ts:7:5: `setTimeout` is not available in scenarios (they run sandboxed: no Node, file system, network or timers); use `await ctx.sleep(ns)` for virtual time',
    ]);
    const other = check(["import { x } from './helper';", ...HEAD, '    undefinedThing();', ...TAIL]);
    expect(other).toEqual([
      "scenario.ts:1:19: cannot import './helper': a scenario can import only 'iopf' (they run sandboxed: no Node, file system, network or timers)",
      "scenario.ts:6:5: Cannot find name 'undefinedThing'.",
    ]);
  });

  it('reports syntax errors too', () => {
    expect(check([...HEAD, '    const a = ;', ...TAIL])).toEqual(['scenario.ts:5:15: Expression expected.']);
  });

  it("accepts a .d.ts that declares module 'iopf' itself", () => {
    const ambient = join(dir, 'ambient.d.ts');
    writeFileSync(ambient, "declare module 'iopf' {\n  export function scenario(def: { name: string; main(ctx: { now(): bigint }): unknown }): unknown;\n  export function assert(c: unknown, m?: string): boolean;\n}\n");
    expect(check([...HEAD, '    assert(ctx.now() > 0n);', ...TAIL], ambient)).toEqual([]);
    expect(check([...HEAD, '    const t: string = ctx.now();', ...TAIL], ambient)).toEqual([
      "scenario.ts:5:11: Type 'bigint' is not assignable to type 'string'.",
    ]);
  });
});
