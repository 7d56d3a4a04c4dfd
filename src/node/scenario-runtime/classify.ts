/**
 * Turns whatever a scenario run threw into a ScriptError with the scenario
 * position it names (worker side, where the stack is still available).
 */
import { RecorderError } from '../recorder/sqlite-errors';
import { DENIED_CALLS, InternalError, RunawayError, SandboxError, runawayMessages, type ScriptError, type ScriptErrorKind } from './errors';
import type { ScenarioPosition, ScriptPositions } from './positions';

interface ErrorLike {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** Duck-typed: errors from the sandbox's realm are not `instanceof Error` here. */
function isErrorLike(e: unknown): e is ErrorLike {
  return typeof e === 'object' && e !== null && typeof (e as ErrorLike).message === 'string' && typeof (e as ErrorLike).name === 'string';
}

/**
 * @param lastGuardId the last guard the script passed: the position used when
 *   the thrown value carries no stack (`throw 'text'`).
 */
export function toScriptError(e: unknown, positions: ScriptPositions, lastGuardId: number): ScriptError {
  const file = positions.filename;
  const guardAt = (id: number): ScenarioPosition | undefined => positions.guard(id);
  const make = (kind: ScriptErrorKind, message: string, at: ScenarioPosition | undefined, frames: string[] = []): ScriptError => ({
    kind,
    message,
    file,
    line: at?.line ?? 0,
    column: at?.column ?? 0,
    ...(frames.length > 0 ? { stack: frames.join('\n') } : {}),
  });

  if (e instanceof RunawayError) {
    const mapped = positions.mapStack(e.stack);
    return make('runaway', e.message, guardAt(e.guardId) ?? mapped.top, mapped.frames);
  }
  if (!isErrorLike(e)) {
    return make('runtime', `the script threw a value that is not an Error: ${describeValue(e)}`, guardAt(lastGuardId));
  }
  const mapped = positions.mapStack(safeStack(e));
  if (e instanceof SandboxError) return make('runtime', e.message, mapped.top, mapped.frames);
  if (e instanceof RecorderError || e instanceof InternalError) return make('internal', e.message, undefined);
  if (e.name === 'ScenarioError') return make('scenario', e.message, mapped.top, mapped.frames);
  if (e.name === 'RangeError' && /Maximum call stack size exceeded/.test(e.message))
    return make('runaway', runawayMessages.recursion(`RangeError: ${e.message}`), mapped.top ?? guardAt(lastGuardId), mapped.frames);
  if (e.name === 'EvalError' && /Code generation from strings disallowed/.test(e.message))
    return make('runtime', DENIED_CALLS.codegen!, mapped.top, mapped.frames);
  return make('runtime', `${e.name}: ${e.message}`, mapped.top, mapped.frames);
}

function safeStack(e: ErrorLike): string | undefined {
  try {
    return typeof e.stack === 'string' ? e.stack : undefined;
  } catch {
    return undefined;
  }
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return String(v);
  } catch {
    return typeof v;
  }
}
