/**
 * How the scenario runtime reports a failed script: one ScriptError with a
 * kind, a message and the scenario position it names, printed as
 * `file:line:col: message` (docs/scenario-api.md, "Errors").
 */

/**
 * - `syntax`: esbuild could not parse the file, or it imports a module other than 'iopf';
 * - `type`: the TypeScript checker found an error (checkScenario);
 * - `runtime`: the script threw, or reached something a sandboxed scenario does not have;
 * - `runaway`: an endless loop, runaway allocation or endless recursion was stopped;
 * - `scenario`: the engine refused the scenario (no default export, virtual time never ran out, …);
 * - `internal`: the workbench failed (the recorder's database, a crashed worker).
 */
export type ScriptErrorKind = 'syntax' | 'type' | 'runtime' | 'runaway' | 'scenario' | 'internal';

export interface ScriptError {
  readonly kind: ScriptErrorKind;
  /** The message without the position. */
  readonly message: string;
  /** The scenario file as the caller named it. */
  readonly file: string;
  /** 1-based line in the scenario source; 0 when no position is known. */
  readonly line: number;
  /** 1-based column in the scenario source; 0 when no position is known. */
  readonly column: number;
  /** The scenario's frames, mapped to the source (`at main (scenario.ts:4:11)`), when there was a stack. */
  readonly stack?: string;
}

/** `file:line:col: message` (or `file: message` without a position). */
export function formatScriptError(e: ScriptError): string {
  return e.line > 0 ? `${e.file}:${e.line}:${e.column}: ${e.message}` : `${e.file}: ${e.message}`;
}

const SANDBOXED = 'they run sandboxed: no Node, file system, network or timers';
const DETERMINISTIC = 'they are deterministic';
const NO_CODEGEN = 'code generation from strings is disabled';

/**
 * Every global a scenario cannot use and what the error says. Reaching one of
 * these names throws; nothing is silently undefined.
 */
export const DENIED_GLOBALS: Readonly<Record<string, string>> = {
  process: `\`process\` is not available in scenarios (${SANDBOXED})`,
  require: `\`require\` is not available in scenarios (${SANDBOXED}); import the scenario API from 'iopf'`,
  module: `\`module\` is not available in scenarios (${SANDBOXED})`,
  exports: `\`exports\` is not available in scenarios (${SANDBOXED}); use \`export default scenario({...})\``,
  __dirname: `\`__dirname\` is not available in scenarios (${SANDBOXED})`,
  __filename: `\`__filename\` is not available in scenarios (${SANDBOXED})`,
  global: `\`global\` is not available in scenarios (${SANDBOXED})`,
  Buffer: `\`Buffer\` is not available in scenarios (${SANDBOXED}); use Uint8Array`,
  setTimeout: `\`setTimeout\` is not available in scenarios (${SANDBOXED}); use \`await ctx.sleep(ns)\` for virtual time`,
  setInterval: `\`setInterval\` is not available in scenarios (${SANDBOXED}); use \`await ctx.sleep(ns)\` in a loop for virtual time`,
  setImmediate: `\`setImmediate\` is not available in scenarios (${SANDBOXED}); use \`await ctx.sleep(0)\``,
  clearTimeout: `\`clearTimeout\` is not available in scenarios (${SANDBOXED})`,
  clearInterval: `\`clearInterval\` is not available in scenarios (${SANDBOXED})`,
  clearImmediate: `\`clearImmediate\` is not available in scenarios (${SANDBOXED})`,
  queueMicrotask: `\`queueMicrotask\` is not available in scenarios (${SANDBOXED}); use \`await Promise.resolve()\``,
  fetch: `\`fetch\` is not available in scenarios (${SANDBOXED})`,
  XMLHttpRequest: `\`XMLHttpRequest\` is not available in scenarios (${SANDBOXED})`,
  WebSocket: `\`WebSocket\` is not available in scenarios (${SANDBOXED})`,
  performance: `\`performance\` is not available in scenarios (${DETERMINISTIC}); use ctx.now() for virtual time in ns`,
  crypto: `\`crypto\` is not available in scenarios (${DETERMINISTIC}); use ctx.random(), seeded by the scenario's seed`,
  SharedArrayBuffer: `\`SharedArrayBuffer\` is not available in scenarios (a scenario runs on one thread)`,
  Atomics: `\`Atomics\` is not available in scenarios (a scenario runs on one thread)`,
  WebAssembly: `\`WebAssembly\` is not available in scenarios (${NO_CODEGEN})`,
  WeakRef: `\`WeakRef\` is not available in scenarios (${DETERMINISTIC}; garbage collection is not)`,
  FinalizationRegistry: `\`FinalizationRegistry\` is not available in scenarios (${DETERMINISTIC}; garbage collection is not)`,
};

/** Errors of the replaced built-ins (Date, Math.random, eval, Function). */
export const DENIED_CALLS: Readonly<Record<string, string>> = {
  'Date.now()': `\`Date.now()\` is not available in scenarios (${DETERMINISTIC}); use ctx.now() for virtual time in ns`,
  'new Date()': `\`new Date()\` without an argument is not available in scenarios (${DETERMINISTIC}); use ctx.now() for virtual time in ns`,
  'Date()': `\`Date()\` is not available in scenarios (${DETERMINISTIC}); use ctx.now() for virtual time in ns`,
  'Math.random()': `\`Math.random()\` is not available in scenarios (${DETERMINISTIC}); use ctx.random(), seeded by the scenario's seed`,
  eval: `\`eval\` is not available in scenarios (${NO_CODEGEN})`,
  'new Function': `\`new Function\` is not available in scenarios (${NO_CODEGEN})`,
  codegen: `code generation from strings (\`eval\`, \`new Function\`, …) is not available in scenarios (${NO_CODEGEN})`,
};

export const importMessage = (module: string): string =>
  `cannot import '${module}': a scenario can import only 'iopf' (${SANDBOXED})`;

/** Thrown when a script reaches something the sandbox does not offer. */
export class SandboxError extends Error {
  override readonly name = 'SandboxError';
}

/** A failure of the workbench itself (reported as kind 'internal'). */
export class InternalError extends Error {
  override readonly name = 'InternalError';
}

export type RunawayReason = 'time' | 'memory';

/** Thrown by the guard into the script; sticky: every later guard call throws it again. */
export class RunawayError extends Error {
  override readonly name = 'RunawayError';
  constructor(
    message: string,
    readonly reason: RunawayReason,
    /** The guard id that tripped (names the loop or function). */
    readonly guardId: number,
  ) {
    super(message);
  }
}

/** The messages name the limit that was passed, never a measured time: the same script gives the same text on a busy machine. */
export const runawayMessages = {
  time: (ms: number) =>
    `runaway script: it ran for ${Math.round(ms)} ms without giving control back to the engine (an endless loop?)`,
  memory: (usedMb: number, limitMb: number) =>
    `runaway allocation: the scenario's heap grew to ${usedMb} MB (limit ${limitMb} MB)`,
  recursion: (message: string) => `endless recursion? ${message}`,
  stall: (limitMs: number) =>
    `runaway script: the worker made no progress for ${Math.round(limitMs)} ms (a stall the guard cannot see, such as a regular expression that never ends) and was terminated; this is the last line it passed`,
  outOfMemory: (limitMb: number) =>
    `runaway allocation: the worker ran out of memory (limit ${limitMb} MB) and was terminated; this is the last line it passed`,
  timeout: (ms: number) => `the run took longer than its time limit of ${ms} ms and was terminated; this is the last line it passed`,
  ignored: (message: string) =>
    `${message} (the script or the engine caught the error and went on; the worker was terminated)`,
};
