/**
 * The `vm` context a scenario runs in (worker side). Its globals are the
 * JavaScript built-ins only, with these changes:
 *
 * - `process`, `require`, `Buffer`, timers, `fetch`, `performance`, `crypto`,
 *   `WeakRef`, `SharedArrayBuffer`, `Atomics`, `WebAssembly`, … throw a
 *   SandboxError that says why when the script reaches them (errors.ts,
 *   DENIED_GLOBALS): nothing is silently undefined, and `typeof process`
 *   throws too;
 * - `Date.now()`, `Date()` and `new Date()` without an argument throw (use
 *   ctx.now(), virtual ns); `new Date(ms)` and the rest of Date work;
 * - `Math.random()` throws (use ctx.random(), seeded);
 * - `eval` and `new Function` throw; code generation from strings and wasm
 *   are disabled for the context (`codeGeneration: { strings: false, wasm: false }`),
 *   which also stops `(async () => {}).constructor('…')`;
 * - `console.log/info/warn/error/debug` forward formatted text to the runner.
 *
 * NOT A SECURITY BOUNDARY. `vm` isolates names, not privileges
 * (../shared/spec/feasibility.md §2). The classic escape
 * `this.constructor.constructor('return process')()` works in a plain context
 * because the global's prototype chain and `Function` belong to the host realm
 * or allow code generation. Here the contextified global has a null prototype,
 * so `this.constructor` is the sandbox's own `Object` and `.constructor` of
 * anything the script creates is the sandbox's `Function`, whose code
 * generation is disabled: that particular escape throws. What remains: every
 * object the host hands in — the API functions, the objects and promises they
 * return, errors the host throws, the guard functions — belongs to the
 * worker's main realm, where code generation is allowed, so
 * `scenario.constructor('return process')()` still reaches the worker's
 * `process` (and from there `require`, the file system and the network).
 * The sandbox keeps honest scripts deterministic and gives clear errors; a
 * script that did not come from the user must pass the trust prompt before it
 * runs (issue 4, "The runtime"), because once it runs it can do whatever the
 * workbench process can.
 */
import { format } from 'node:util';
import vm from 'node:vm';
import { DENIED_CALLS, DENIED_GLOBALS, InternalError, SandboxError } from './errors';
import type { ScriptGuard } from './guard';
import { SCRIPT_MARKER } from './positions';
import type { PreparedScript } from './transpile';
import { SHADOWED_GLOBALS } from './wrapper';

export type ConsoleLevel = 'log' | 'info' | 'warn' | 'error' | 'debug';

export interface SandboxOptions {
  /** Receives the text of each console call; dropped when absent. */
  readonly console?: (level: ConsoleLevel, text: string) => void;
}

export interface Sandbox {
  readonly context: vm.Context;
  /**
   * Runs the script's module code as one slice and returns its default export
   * (undefined when there is none; the host then says what is missing).
   * `lineSlot[0]` receives the line of each call the script makes (ScriptHostOptions.scriptLines).
   */
  evaluate(script: PreparedScript, api: unknown, guard: ScriptGuard, lineSlot?: Int32Array): unknown;
}

/**
 * Runs inside the context, so the replacements belong to the sandbox's realm
 * (`instanceof Date` and `fn.constructor === Function` keep working).
 */
const PRELUDE = `(function (deny) {
  'use strict';
  const RealDate = Date;
  const SandboxDate = new Proxy(RealDate, {
    construct(target, args, newTarget) {
      if (args.length === 0) throw deny('new Date()');
      return Reflect.construct(target, args, newTarget);
    },
    apply() { throw deny('Date()'); },
  });
  Object.defineProperty(RealDate, 'now', { value: function now() { throw deny('Date.now()'); }, writable: true, configurable: true });
  Object.defineProperty(RealDate.prototype, 'constructor', { value: SandboxDate, writable: true, configurable: true });
  Object.defineProperty(Math, 'random', { value: function random() { throw deny('Math.random()'); }, writable: true, configurable: true });
  const RealFunction = Function;
  const SandboxFunction = new Proxy(RealFunction, {
    construct() { throw deny('new Function'); },
    apply() { throw deny('new Function'); },
  });
  Object.defineProperty(RealFunction.prototype, 'constructor', { value: SandboxFunction, writable: true, configurable: true });
  return { Date: SandboxDate, Function: SandboxFunction, eval: function eval_() { throw deny('eval'); } };
})`;

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  // A null prototype: names the script looks up on the global never reach the host realm's Object.prototype.
  const globals = Object.create(null) as Record<string, unknown>;
  for (const [name, message] of Object.entries(DENIED_GLOBALS)) {
    Object.defineProperty(globals, name, {
      get() {
        throw new SandboxError(message);
      },
      enumerable: false,
      configurable: false,
    });
  }
  const context = vm.createContext(globals, {
    name: 'iopf scenario',
    codeGeneration: { strings: false, wasm: false },
  });
  const deny = (what: string): SandboxError => new SandboxError(DENIED_CALLS[what] ?? `${what} is not available in scenarios`);
  const replaced = (vm.runInContext(PRELUDE, context, { filename: 'iopf:sandbox' }) as (d: typeof deny) => Record<string, unknown>)(deny);
  for (const [name, value] of Object.entries(replaced)) globals[name] = value;
  globals.console = makeConsole(options.console);

  return {
    context,
    evaluate(script: PreparedScript, api: unknown, guard: ScriptGuard, lineSlot: Int32Array = new Int32Array(1)): unknown {
      let compiled: vm.Script;
      try {
        compiled = new vm.Script(script.code, { filename: SCRIPT_MARKER });
      } catch (e) {
        // esbuild's output parsed, so this is the instrumentation's fault, not the scenario's.
        throw new InternalError(`the instrumented scenario does not compile: ${(e as Error).message}`);
      }
      const outer = compiled.runInContext(context) as (...builtins: unknown[]) => (...params: unknown[]) => void;
      const global = vm.runInContext('globalThis', context) as Record<string, unknown>;
      const moduleFn = outer(...SHADOWED_GLOBALS.map((name) => global[name]));
      const module: { exports: unknown } = { exports: {} };
      guard.runTurn(() => moduleFn(module, api, guard.enter, guard.loop, guard.exit, guard.suspend, guard.resume, guard.forAwait, lineSlot));
      const exported = module.exports as { default?: unknown } | null;
      return typeof exported === 'object' && exported !== null ? exported.default : undefined;
    },
  };
}

function makeConsole(sink: SandboxOptions['console']): Record<ConsoleLevel, (...args: unknown[]) => void> {
  const at =
    (level: ConsoleLevel) =>
    (...args: unknown[]): void =>
      sink?.(level, format(...args));
  return Object.freeze({ log: at('log'), info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') });
}
