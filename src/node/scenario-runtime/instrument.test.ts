import { describe, expect, it } from 'vitest';
import { createGuard } from './guard';
import { createHeartbeat, HB } from './heartbeat';
import { originalOffset, ScriptPositions } from './positions';
import { createSandbox } from './sandbox';
import { prepareScript, type PreparedScript } from './transpile';

async function prepare(source: string, guards = true): Promise<PreparedScript> {
  const p = await prepareScript(source, 'case.ts', { guards });
  if (!p.ok) throw new Error(`${p.error.line}:${p.error.column}: ${p.error.message}`);
  return p.script;
}

/** Runs a module in the sandbox on this thread; `report(v)` collects values, `main` is awaited. */
async function runHere(source: string, guards = true): Promise<unknown[]> {
  const script = await prepare(source, guards);
  const { view } = createHeartbeat();
  const guard = createGuard({ view, heapLimitBytes: 2 ** 40 });
  const results: unknown[] = [];
  const api = Object.freeze({ scenario: (d: unknown) => d, report: (v: unknown) => void results.push(v) });
  const def = createSandbox().evaluate(script, api, guard) as { main(): Promise<void> };
  await def.main();
  return results;
}

/** Constructs the instrumentation must keep working: each reports what plain JavaScript gives. */
const CONSTRUCTS = `import { scenario, report } from 'iopf';
class Base { constructor(public x: number) {} get twice() { return this.x * 2; } static make() { return new this(1); } }
class Derived extends Base {
  y = 5;
  static count = 0;
  static { Derived.count = 7; }
  constructor(x: number) { super(x + 1); }
  set value(v: number) { this.y = v; }
}
function strictThis(this: unknown) { 'use strict'; return this; }
function* gen(n: number): Generator<number, string, number> { let got = 0; for (let i = 0; i < n; i++) got += yield i; return 'done' + got; }
function* outer() { const r = yield* gen(2); yield r; }
async function* agen() { for (const v of [1, 2, 3]) { await null; yield v; } }
const obj = () => ({ a: 1 });
const add = (x: number) => (y: number) => x + y;
function withFinally(): string { try { return 'try'; } finally { report('finally ran'); } }
function args(..._rest: unknown[]) { return arguments.length; }
export default scenario({
  async main() {
    report(obj());
    report(add(2)(3));
    const d = new Derived(1); d.value = 9;
    report([d.x, d.y, d.twice, Derived.count, Base.make().x]);
    report(strictThis());
    const g = gen(3); g.next(); g.next(10); g.next(20); report(g.next(30));
    report([...outer()]);
    const seen: number[] = [];
    for await (const v of agen()) { if (v === 3) break; seen.push(v); }
    report(seen);
    let i = 0; while (i < 3) i++; do i++; while (i < 5); for (;;) { if (++i > 7) break; }
    report(i);
    const hits: string[] = [];
    rows: for (const r of ['a', 'b']) { for (const c of [1, 2, 3]) { if (c === 2) continue rows; hits.push(r + c); } }
    report(hits);
    const keys: string[] = []; for (const k in { p: 1, q: 2 }) keys.push(k);
    report(keys);
    report((await Promise.resolve(4)) + (await (async () => 5)()));
    report(await await Promise.resolve('twice'));
    report(withFinally());
    report(args(1, 2, 3));
    const { a, ...rest } = { a: 1, b: 2, c: 3 };
    report([a, rest]);
    report(typeof (() => {}) === 'function' && (() => {}) instanceof Function && new Date(0) instanceof Date);
    report(['x', 'y'].map((s, n) => s + n).join());
  },
});
`;

const EXPECTED = [
  { a: 1 },
  5,
  [2, 9, 4, 7, 1],
  undefined,
  { value: 'done60', done: true },
  [0, 1, 'doneNaN'],
  [1, 2],
  8,
  ['a1', 'b1'],
  ['p', 'q'],
  9,
  'twice',
  'finally ran',
  'try',
  3,
  [1, { b: 2, c: 3 }],
  true,
  'x0,y1',
];

describe('instrument', () => {
  it('keeps the meaning of functions, classes, generators, async iteration, labels and loops', async () => {
    const plain = await runHere(CONSTRUCTS, false);
    const guarded = await runHere(CONSTRUCTS, true);
    // Realms differ (sandbox objects), so compare as JSON.
    expect(JSON.stringify(plain)).toBe(JSON.stringify(EXPECTED));
    expect(JSON.stringify(guarded)).toBe(JSON.stringify(EXPECTED));
  });

  it('puts a guard in every loop body and function, after a directive prologue', async () => {
    const s = await prepare(
      [
        "import { scenario } from 'iopf';",
        "function f() { 'use strict'; return 1; }",
        'const g = (x: number) => x;',
        'for (let i = 0; i < 2; i++) f();',
        'export default scenario({ name: "x", main() { while (g(1) > 2) {} } });',
      ].join('\n'),
    );
    expect(s.instrumented).toContain(`function f() {\n  "use strict";__iopf_e(`);
    expect(s.instrumented).toMatch(/const g = \(x\) => \{__iopf_e\(\d+\);try\{return x\}finally\{__iopf_x\(\)\}\};/);
    expect(s.instrumented).toMatch(/for \(let i = 0; i < 2; i\+\+\) \{__iopf_l\(\d+\);\(__iopf_n\[0\]=4,f\(\)\);\}/);
    const sites = s.guards.filter((g) => g !== null).map((g) => `${g!.kind}@${g!.line}:${g!.column}`);
    expect(sites).toEqual(expect.arrayContaining(['function@2:1', 'function@3:11', 'loop@4:1', 'function@5:38', 'loop@5:47']));
  });

  it('maps a position in instrumented code back through the edits and the source map', async () => {
    const s = await prepare(["import { scenario } from 'iopf';", 'export default scenario({ name: "x", main() {', '  const v = (n: number) => n.toFixed(1);', '} });'].join('\n'));
    const positions = new ScriptPositions(s);
    // Find `toFixed` in the instrumented code and ask for its scenario position (1-based, after the wrapper line).
    const at = s.instrumented.indexOf('toFixed');
    const line = s.instrumented.slice(0, at).split('\n').length;
    const column = at - s.instrumented.lastIndexOf('\n', at - 1);
    expect(positions.fromStack(line + 1, column)).toEqual({ line: 3, column: 30, inserted: false });
  });

  it('maps inserted text to its insertion point', () => {
    // "ab" with "XYZ" inserted at 1 and "cd" replacing [2, 3) of "abc": aXYZbcd
    const edits = [1, 1, 3, 2, 3, 2];
    expect(originalOffset(edits, 0)).toEqual({ offset: 0, inserted: false });
    expect(originalOffset(edits, 2)).toEqual({ offset: 1, inserted: true });
    expect(originalOffset(edits, 4)).toEqual({ offset: 1, inserted: false });
    expect(originalOffset(edits, 5)).toEqual({ offset: 2, inserted: false });
    expect(originalOffset(edits, 7)).toEqual({ offset: 3, inserted: false });
  });

  it('stores the scenario line of every call into the line slot before the call is made', async () => {
    const source = [
      "import { scenario, at } from 'iopf';", // 1
      'const later = () => at("arrow");', // 2
      'export default scenario({', // 3
      '  name: "x",', // 4
      '  first: at("property"),', // 5
      '  async main() {', // 6
      '    at("statement");', // 7
      '    const o = { m: () => ({ n: () => "chained" }) };', // 8
      '    at(o?.m()?.n(),', // 9
      '      at("argument"));', // 10
      '    let i = 0;', // 11
      '    while (at("test") && i++ < 1) {}', // 12
      '    if (i) at("branch");', // 13
      '    await Promise.resolve();', // 14
      '    const v = [await Promise.resolve(1), at("resumed")];', // 15
      '    later();', // 16
      '    const none = null as null | { m(): void };', // 17
      '    at(none?.m());', // 18
      '  },', // 19
      '});', // 20
    ].join('\n');
    const script = await prepare(source);
    const slot = new Int32Array(1);
    const seen: [unknown, number][] = [];
    const guard = createGuard({ view: createHeartbeat().view, heapLimitBytes: 2 ** 40 });
    const api = { scenario: (d: unknown) => d, at: (what: unknown) => (seen.push([what, slot[0]!]), what) };
    const def = createSandbox().evaluate(script, api, guard, slot) as { main(): Promise<void> };
    await def.main();
    expect(seen).toEqual([
      ['property', 5],
      ['statement', 7],
      ['argument', 10],
      ['chained', 9],
      ['test', 12],
      ['test', 12],
      ['branch', 13],
      ['resumed', 15],
      ['arrow', 2],
      [undefined, 18],
    ]);
  });

  it('writes the guard id into the heartbeat as the script runs', async () => {
    const script = await prepare("import { scenario } from 'iopf';\nexport default scenario({ name: 'x', main() {\n  for (let i = 0; i < 3; i++) {}\n} });");
    const { view } = createHeartbeat();
    const guard = createGuard({ view, heapLimitBytes: 2 ** 40 });
    const def = createSandbox().evaluate(script, { scenario: (d: unknown) => d }, guard) as { main(): void };
    def.main();
    const positions = new ScriptPositions(script);
    expect(positions.guard(view[HB.GUARD]!)).toEqual({ kind: 'loop', line: 3, column: 3 });
    expect(view[HB.BEAT]).toBeGreaterThan(3);
  });
});
