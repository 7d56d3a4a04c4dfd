import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open-database';
import { SessionStore } from '../recorder/session-store';
import { formatScriptError } from './errors';
import { exitCodeFor, runScenarioScript, type RunScenarioScriptOptions, type ScriptRunResult } from './run-scenario-script';

/** Lines are numbered so each test names the line its error must point at. */
const script = (...lines: string[]): string => lines.join('\n') + '\n';
const run = (source: string, extra: Partial<RunScenarioScriptOptions> = {}): Promise<ScriptRunResult> =>
  runScenarioScript({ source, filename: 'scenario.ts', ...extra });
const text = (r: ScriptRunResult): string => (r.error ? formatScriptError(r.error) : 'ok');
const SANDBOXED = 'they run sandboxed: no Node, file system, network or timers';
/** Upper bound for "it ended" on a 2-core machine with a load average over 10: only catches a run that never stops. */
const UNDER_LOAD_MS = 20_000;

const GOOD = script(
  "import { scenario, assert, expect } from 'iopf';",
  'export default scenario({',
  "  name: 'demo', seed: 3,",
  '  async main(ctx) {',
  '    await ctx.sleep(1000);',
  "    assert(ctx.now() === 1000n, 'virtual time advanced');",
  '    expect(ctx.now()).toBe(1000n);',
  '  },',
  '});',
);

/** A scenario whose body is `lines` inside `async main(ctx)`; its first line is line 5. */
const inMain = (...lines: string[]): string =>
  script("import { scenario, assert } from 'iopf';", 'export default scenario({', "  name: 'bad',", '  async main(ctx) {', ...lines, '  },', '});');

describe('runScenarioScript', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iopf-scenario-runtime-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a good scenario in a worker: virtual time, assertions, outcome', async () => {
    const r = await run(GOOD);
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.outcome).toMatchObject({ name: 'demo', seed: 3, passed: 2, failed: 0, endNs: 1000n, kernelProfile: 'upstream', vendor: 'vtd' });
    expect(r.events).toBe(2);
    expect(exitCodeFor(r)).toBe(0);
  });

  it('stops an endless loop once it passed the slice limit and names its line', async () => {
    const r = await run(inMain('    await ctx.sleep(10);', '    let n = 0;', '    while (true) { n++; }'));
    expect(text(r)).toBe('scenario.ts:7:5: runaway script: it ran for 1000 ms without giving control back to the engine (an endless loop?)');
    expect(r.error?.kind).toBe('runaway');
    // Not before the limit; the upper bound only says "it ended" (a loaded machine may take many times longer).
    expect(r.timings.runMs).toBeGreaterThanOrEqual(1000);
    expect(r.timings.runMs).toBeLessThan(UNDER_LOAD_MS);
    expect(exitCodeFor(r)).toBe(2);
  });

  it('stops an endless loop that swallows the error (the guard keeps throwing)', async () => {
    const r = await run(inMain('    for (;;) {', '      try { for (let i = 0; ; i++) {} } catch {}', '    }'), { limits: { sliceMs: 300 } });
    expect(r.error?.kind).toBe('runaway');
    expect(r.error?.message).toBe('runaway script: it ran for 300 ms without giving control back to the engine (an endless loop?)');
    expect(r.error?.line).toBe(6);
  });

  it('stops an endless loop at the top level of the module', async () => {
    const r = await run(script("import { scenario } from 'iopf';", 'let spins = 0;', 'do { spins++; } while (spins > 0);', "export default scenario({ name: 'x', main() {} });"), {
      limits: { sliceMs: 200 },
    });
    expect(text(r)).toBe('scenario.ts:3:1: runaway script: it ran for 200 ms without giving control back to the engine (an endless loop?)');
  });

  it('stops endless recursion with the line of the recursive call', async () => {
    const r = await run(inMain('    const down = (n: number): number => 1 + down(n + 1);', '    down(0);'));
    expect(text(r)).toBe('scenario.ts:5:45: endless recursion? RangeError: Maximum call stack size exceeded');
    expect(r.error?.kind).toBe('runaway');
  });

  it('stops runaway allocation with the line of the loop', async () => {
    const r = await run(inMain('    const keep: number[][] = [];', '    for (let i = 0; ; i++) keep.push(new Array(1000).fill(i));'), {
      limits: { memoryMb: 64 },
    });
    expect(r.error?.kind).toBe('runaway');
    expect(r.error?.message).toMatch(/^runaway allocation: the scenario's heap grew to \d+ MB \(limit 54 MB\)$/);
    expect([r.error?.line, r.error?.column]).toEqual([6, 5]);
  });

  it('survives an allocation too fast for the guard: the worker hits its heap limit, the host does not', async () => {
    // 96 MB in one statement: no guard call between the allocations, so the guard cannot see the heap grow
    // however the machine's load spaces the watchdog's ticks; the worker's own limit has to stop it.
    const chunk = 'new Array(4_000_000).fill(1)';
    const r = await run(inMain('    const keep: number[][] = [];', `    while (true) keep.push(${chunk}, ${chunk}, ${chunk});`), {
      limits: { memoryMb: 64 },
    });
    expect(text(r)).toBe(
      'scenario.ts:6:5: runaway allocation: the worker ran out of memory (limit 64 MB) and was terminated; this is the last line it passed',
    );
  });

  it('reports a throw inside main at its source line and column, with the mapped stack', async () => {
    const r = await run(inMain('    await ctx.sleep(5);', "    const fail = (why: string) => { throw new Error('boom: ' + why); };", "    fail('no mapping');"));
    expect(text(r)).toBe('scenario.ts:6:43: Error: boom: no mapping');
    expect(r.error?.kind).toBe('runtime');
    expect(r.error?.stack).toBe('    at fail (scenario.ts:6:43)\n    at main (scenario.ts:7:5)');
  });

  it('reports a syntax error as file:line:col without starting a worker', async () => {
    const r = await run(inMain('    const a = ;'));
    expect(text(r)).toBe('scenario.ts:5:15: Unexpected ";"');
    expect(r.error?.kind).toBe('syntax');
    expect(r.timings.runMs).toBe(0);
  });

  it('reports a type error when asked to type-check first', async () => {
    const r = await run(inMain("    const n: number = 'x';", '    assert(n);'), { typesPath: join(__dirname, 'fixtures', 'iopf-test.d.ts') });
    expect(text(r)).toBe("scenario.ts:5:11: Type 'string' is not assignable to type 'number'.");
    expect(r.error?.kind).toBe('type');
  });

  it.each([
    ['process', '    process.exit(1);', 5, 5, `\`process\` is not available in scenarios (${SANDBOXED})`],
    ['typeof process', "    if (typeof process !== 'undefined') assert(false);", 5, 5, `\`process\` is not available in scenarios (${SANDBOXED})`],
    ["require('fs')", "    const fs = require('fs');", 5, 16, `\`require\` is not available in scenarios (${SANDBOXED}); import the scenario API from 'iopf'`],
    ['setTimeout', '    setTimeout(() => {}, 10);', 5, 5, `\`setTimeout\` is not available in scenarios (${SANDBOXED}); use \`await ctx.sleep(ns)\` for virtual time`],
    ['queueMicrotask', '    queueMicrotask(() => {});', 5, 5, `\`queueMicrotask\` is not available in scenarios (${SANDBOXED}); use \`await Promise.resolve()\``],
    ['Buffer', '    Buffer.from([1]);', 5, 5, `\`Buffer\` is not available in scenarios (${SANDBOXED}); use Uint8Array`],
    ['eval', "    eval('1 + 1');", 5, 5, '`eval` is not available in scenarios (code generation from strings is disabled)'],
    ['new Function', "    new Function('return 1');", 5, 5, '`new Function` is not available in scenarios (code generation from strings is disabled)'],
    ['Function via a constructor', "    (() => 0).constructor('return process')();", 5, 15, '`new Function` is not available in scenarios (code generation from strings is disabled)'],
    [
      'the classic vm escape',
      "    (globalThis as any).constructor.constructor('return process')();",
      5,
      37,
      '`new Function` is not available in scenarios (code generation from strings is disabled)',
    ],
    [
      'an async function constructor',
      "    (async () => {}).constructor('return 1');",
      5,
      22,
      'code generation from strings (`eval`, `new Function`, …) is not available in scenarios (code generation from strings is disabled)',
    ],
    ['Date.now()', '    Date.now();', 5, 10, '`Date.now()` is not available in scenarios (they are deterministic); use ctx.now() for virtual time in ns'],
    ['new Date()', '    new Date();', 5, 5, '`new Date()` without an argument is not available in scenarios (they are deterministic); use ctx.now() for virtual time in ns'],
    ['Math.random()', '    Math.random();', 5, 10, "`Math.random()` is not available in scenarios (they are deterministic); use ctx.random(), seeded by the scenario's seed"],
  ])('refuses %s with an exact message', async (_what, line, l, c, message) => {
    const r = await run(inMain(line));
    expect(r.error?.kind).toBe('runtime');
    expect(text(r)).toBe(`scenario.ts:${l}:${c}: ${message}`);
  });

  it.each([
    ["import { readFileSync } from 'node:fs';", 'node:fs', 30],
    ["export * from 'os';", 'os', 15],
    ["const later = import('fs');", 'fs', 15],
  ])('refuses %s before running', async (line, module, column) => {
    const r = await run(script(line, "import { scenario } from 'iopf';", "export default scenario({ name: 'x', main() {} });"));
    expect(text(r)).toBe(`scenario.ts:1:${column}: cannot import '${module}': a scenario can import only 'iopf' (${SANDBOXED})`);
    expect(r.error?.kind).toBe('syntax');
    expect(r.timings.runMs).toBe(0);
  });

  it("resolves import('iopf') and import * as to the API", async () => {
    const r = await run(
      script(
        "import * as iopf from 'iopf';",
        'export default iopf.scenario({',
        "  name: 'dynamic',",
        '  async main() {',
        "    const api = await import('iopf');",
        '    api.assert(api.scenario === iopf.scenario);',
        '  },',
        '});',
      ),
    );
    expect(r.error).toBeUndefined();
    expect(r.outcome?.passed).toBe(1);
  });

  it('keeps Date with an explicit time, and console output reaches the caller', async () => {
    const lines: string[] = [];
    const r = await run(inMain('    console.log(new Date(0).toISOString(), { a: 1n });', '    assert(new Date(86_400_000).getUTCDate() === 2);'), {
      onConsole: (level, t) => lines.push(`${level}: ${t}`),
    });
    expect(r.error).toBeUndefined();
    expect(r.outcome?.passed).toBe(1);
    expect(lines).toEqual(['log: 1970-01-01T00:00:00.000Z { a: 1n }']);
  });

  it('says what is missing when the module has no default export', async () => {
    const r = await run(script("import { scenario } from 'iopf';", "scenario({ name: 'x', main() {} });"));
    expect(text(r)).toBe('scenario.ts: the scenario module must `export default scenario({...})`');
    expect(r.error?.kind).toBe('scenario');
  });

  it('terminates a worker stuck where the guard cannot see (a native stall) and names the last line', async () => {
    const r = await run(inMain('    await ctx.sleep(1);', "    const s = 'a'.repeat(40) + 'b';", '    for (let i = 0; i < 1; i++) assert(/^(a+)+$/.test(s));'));
    expect(r.error?.kind).toBe('runaway');
    expect(text(r)).toBe(
      'scenario.ts:7:5: runaway script: the worker made no progress for 1000 ms (a stall the guard cannot see, such as a regular expression that never ends) and was terminated; this is the last line it passed',
    );
    expect(r.timings.runMs).toBeGreaterThanOrEqual(1000);
    expect(r.timings.runMs).toBeLessThan(UNDER_LOAD_MS);
  });

  it('does not stop a long run whose slices are short', async () => {
    // 120 turns of ~5 ms of script work each (a loaded machine may stretch one many times over and stay
    // below the limit): about three slices' worth in all, so the slice must start afresh every turn.
    const r = await run(
      inMain(
        '    for (let turn = 0; turn < 120; turn++) {',
        '      await ctx.sleep(1000);',
        '      let x = 0;',
        '      for (let i = 0; i < 1_000_000; i++) x = (x + i) % 1_000_003;',
        '      assert(x >= 0);',
        '    }',
      ),
      { limits: { sliceMs: 200 } },
    );
    expect(r.error).toBeUndefined();
    expect(r.outcome?.passed).toBe(120);
    expect(r.timings.runMs).toBeGreaterThan(200);
  });

  it('fails the run on a promise the script let reject unhandled', async () => {
    const r = await run(inMain("    const lost = async () => { await ctx.sleep(5); throw new RangeError('nobody awaited me'); };", '    void lost();', '    await ctx.sleep(100);'));
    expect(text(r)).toBe('scenario.ts:5:58: RangeError: nobody awaited me');
  });

  it('terminates a run that passes its time limit', async () => {
    // Endless, in short turns (no guard trips). The limit counts from the worker's start, so it is long enough
    // for the script to be running when it passes even when a loaded machine takes a second to start a worker.
    const r = await run(
      inMain('    for (let turn = 0; ; turn++) {', '      await ctx.sleep(1);', '      for (let i = 0; i < 1_000_000; i++) {}', '    }'),
      { timeoutMs: 2500 },
    );
    expect(r.error?.kind).toBe('runaway');
    expect(text(r)).toMatch(/^scenario\.ts:(5:5|7:7): the run took longer than its time limit of 2500 ms and was terminated; this is the last line it passed$/);
    expect(r.timings.runMs).toBeGreaterThanOrEqual(2500);
  });

  it('is not a security boundary: an object from the host realm still reaches the worker (documented)', async () => {
    // The sandbox's own Function is blocked (see above), but the API functions belong to the
    // worker's main realm, whose Function constructor generates code. See sandbox.ts.
    const r = await run(
      script(
        "import { scenario, assert } from 'iopf';",
        'export default scenario({',
        "  name: 'escape',",
        '  main() {',
        "    const hostFunction = (scenario as any).constructor as (code: string) => () => string;",
        "    assert(hostFunction('return typeof process.pid')() === 'number', 'escaped');",
        '  },',
        '});',
      ),
    );
    expect(r.outcome?.passed).toBe(1);
  });

  it('still runs a good scenario in the same process after all of the above', async () => {
    const r = await run(GOOD);
    expect(r.ok).toBe(true);
    expect(r.outcome?.passed).toBe(2);
  });

  describe('determinism', () => {
    const RANDOM = script(
      "import { scenario, assert } from 'iopf';",
      'export default scenario({',
      "  name: 'random', seed: 1,",
      '  async main(ctx) {',
      '    for (let i = 0; i < 50; i++) {',
      '      await ctx.sleep(Math.floor(ctx.random() * 1000));',
      "      assert(true, 'draw ' + ctx.random().toFixed(6) + ' at ' + ctx.now());",
      '    }',
      '  },',
      '});',
    );
    const stream = (r: ScriptRunResult): string => JSON.stringify(r.collected, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

    it('gives byte-identical event streams for the same source and seed, and a different stream for another seed', async () => {
      const a = await run(RANDOM, { collect: true, seed: 7 });
      const b = await run(RANDOM, { collect: true, seed: 7 });
      const c = await run(RANDOM, { collect: true, seed: 8 });
      expect(a.collected).toHaveLength(50);
      expect(stream(a)).toBe(stream(b));
      expect(stream(c)).not.toBe(stream(a));
      expect(a.outcome?.seed).toBe(7);
    });
  });

  describe('recording', () => {
    const details = (dbPath: string, id: number) => {
      const db = openDatabase(dbPath, { readonly: true });
      try {
        const store = new SessionStore(db);
        const d = store.details(id)!;
        const n = Number(db.prepare('SELECT count(*) AS n FROM events WHERE session_id = ?').get(id)!.n);
        return { ...d, stored: n };
      } finally {
        db.close();
      }
    };

    it('records a good run as a complete session with its events, source, hash and seed', async () => {
      const dbPath = join(dir, 'good.db');
      const r = await run(GOOD, { record: { databasePath: dbPath, sessionName: 'first' }, vendor: 'smmuv3' });
      expect(r.error).toBeUndefined();
      const d = details(dbPath, r.sessionId!);
      expect(d).toMatchObject({ name: 'first', scenarioName: 'demo', status: 'complete', seed: 3, vendor: 'smmuv3', kernelProfile: 'upstream', eventCount: 2, stored: 2, passed: 2, failed: 0, scenarioFormat: 'ts' });
      expect(d.scenarioSource).toBe(GOOD);
      expect(d.scenarioHash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('leaves an aborted session with the events recorded before a throw', async () => {
      const dbPath = join(dir, 'throw.db');
      const r = await run(
        inMain('    for (let i = 0; i < 3; i++) { await ctx.sleep(10); assert(true); }', "    throw new TypeError('midway');"),
        { record: { databasePath: dbPath } },
      );
      expect(text(r)).toBe('scenario.ts:6:11: TypeError: midway');
      expect(r.events).toBe(3);
      const d = details(dbPath, r.sessionId!);
      expect(d).toMatchObject({ name: 'bad', status: 'aborted', eventCount: 3, stored: 3, summary: 'run failed: scenario.ts:6:11: TypeError: midway' });
    });

    it('reports a database it cannot open as an internal error', async () => {
      const r = await run(GOOD, { record: { databasePath: join(dir, 'good.db', 'not-a-dir', 'x.db') } });
      expect(r.error?.kind).toBe('internal');
      expect(r.error?.message).toMatch(/^cannot record into .*x\.db: /);
      expect(exitCodeFor(r)).toBe(2);
    });

    it('marks the session aborted from the parent when the worker had to be terminated', async () => {
      const dbPath = join(dir, 'stall.db');
      const r = await run(inMain('    await ctx.sleep(1);', '    assert(true);', "    /^(a+)+$/.test('a'.repeat(40) + 'b');"), {
        record: { databasePath: dbPath },
        limits: { stallMs: 500 },
      });
      expect(r.error?.kind).toBe('runaway');
      const d = details(dbPath, r.sessionId!);
      expect(d.status).toBe('aborted');
      // The one event was still in the sink's unflushed batch when the worker died.
      expect(d.summary).toMatch(/^run failed: scenario\.ts:4:3: runaway script: the worker made no progress for 500 ms /);
    });
  });
});
