/**
 * Scenario source (TypeScript) → the code the sandbox runs: esbuild transforms
 * it to CommonJS with a source map (about 1.5 ms for a 200-line script,
 * ../shared/spec/feasibility.md §3), instrument.ts adds the runaway guards and
 * resolves `import … from 'iopf'` to the API object, and the result is wrapped
 * in a function that receives the guards, the API and the sandbox's built-ins
 * as parameters. Runs on the caller's thread (it is cheap and starts no
 * worker, so a syntax error is reported without one).
 */
import { transform, type Message, type TransformFailure } from 'esbuild';
import { importMessage, type ScriptError } from './errors';
import { instrument, LINE_SLOT, type GuardSite } from './instrument';
import type { PositionData } from './positions';
import { SourceMapIndex } from './source-map';
import { MODULE_PARAMS, SHADOWED_GLOBALS } from './wrapper';

/** A scenario ready for the sandbox; plain data, so it can be posted to a worker. */
export interface PreparedScript extends PositionData {
  readonly source: string;
  /** The wrapped code: evaluates to `(builtins…) => (module, api, guards…, lineSlot) => void`. */
  readonly code: string;
  /** Timings of this preparation, ms. */
  readonly transpileMs: number;
  readonly instrumentMs: number;
}

export type PrepareResult = { readonly ok: true; readonly script: PreparedScript } | { readonly ok: false; readonly error: ScriptError };

export interface TranspiledScript {
  readonly js: string;
  readonly map: string;
}

/** esbuild TS → CommonJS with an external source map; a syntax error comes back as a ScriptError. */
export async function transpileScenario(
  source: string,
  filename: string,
): Promise<{ ok: true; value: TranspiledScript } | { ok: false; error: ScriptError }> {
  try {
    const r = await transform(source, {
      loader: filename.endsWith('.js') || filename.endsWith('.mjs') ? 'js' : 'ts',
      format: 'cjs',
      platform: 'neutral',
      target: 'es2022',
      sourcemap: 'external',
      sourcefile: filename,
      sourcesContent: false,
      logLevel: 'silent',
      // Keep every import as written, so `import fs from 'fs'` is reported even when fs goes unused.
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
    });
    return { ok: true, value: { js: r.code, map: r.map } };
  } catch (e) {
    const first = (e as Partial<TransformFailure>).errors?.[0];
    if (!first) throw e;
    return { ok: false, error: syntaxError(first, filename) };
  }
}

function syntaxError(m: Message, filename: string): ScriptError {
  const loc = m.location;
  return {
    kind: 'syntax',
    message: m.text,
    file: filename,
    line: loc ? loc.line : 0,
    column: loc ? loc.column + 1 : 0,
  };
}

/**
 * Transpiles, checks imports, instruments and wraps a scenario.
 * @param options.guards false: no runaway guards (only to measure what they cost)
 * @param options.lines false: no line stores for TraceEvent.line (likewise)
 */
export async function prepareScript(source: string, filename: string, options: { guards?: boolean; lines?: boolean } = {}): Promise<PrepareResult> {
  const t0 = performance.now();
  const t = await transpileScenario(source, filename);
  if (!t.ok) return t;
  const t1 = performance.now();
  const { js, map } = t.value;
  let inst;
  try {
    inst = instrument(js, SourceMapIndex.fromJson(map), source, options);
  } catch (e) {
    // esbuild's output always parses; this is a bug of the instrumentation, not of the scenario.
    return { ok: false, error: { kind: 'internal', message: `could not instrument the transpiled scenario: ${(e as Error).message}`, file: filename, line: 0, column: 0 } };
  }
  const bad = inst.forbiddenImports[0];
  if (bad) return { ok: false, error: { kind: 'syntax', message: importMessage(bad.module), file: filename, line: bad.line, column: bad.column } };
  const code =
    `(function (${SHADOWED_GLOBALS.join(', ')}) { return function (${MODULE_PARAMS.join(', ')}, ${LINE_SLOT}) {"use strict";\n` +
    `${inst.code}\n}; })`;
  return {
    ok: true,
    script: {
      filename,
      source,
      js,
      map,
      instrumented: inst.code,
      edits: inst.edits,
      guards: inst.guards as (GuardSite | null)[],
      code,
      transpileMs: t1 - t0,
      instrumentMs: performance.now() - t1,
    },
  };
}
