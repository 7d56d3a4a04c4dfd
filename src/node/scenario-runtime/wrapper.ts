/**
 * The function a prepared scenario is wrapped in (transpile.ts writes it, the
 * sandbox calls it): an outer function taking the sandbox's built-ins, which
 * returns the module function taking `module`, the API and the guards.
 */
/** Identifiers the instrumented code uses; the sandbox passes them in as parameters. */
export const GUARD_NAMES = {
  api: '__iopf_api',
  enter: '__iopf_e',
  loop: '__iopf_l',
  exit: '__iopf_x',
  suspend: '__iopf_w',
  resume: '__iopf_r',
  forAwait: '__iopf_fa',
} as const;

/**
 * Built-ins the wrapper passes in as parameters. A global lookup inside a
 * `vm` context goes through Node's interceptors and costs ~50–90 ns (measured:
 * `Math.min` in a loop, 94 ns against 0.5 ns through a local), so the common
 * globals are bound once, in an outer function (an inner `const Map = …` in the
 * scenario then shadows them without a redeclaration error).
 */
export const SHADOWED_GLOBALS = [
  'globalThis', 'Object', 'Function', 'Array', 'Number', 'parseFloat', 'parseInt', 'Boolean', 'String', 'Symbol',
  'Date', 'Promise', 'RegExp', 'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError',
  'TypeError', 'URIError', 'JSON', 'Math', 'Intl', 'ArrayBuffer', 'Uint8Array', 'Int8Array', 'Uint16Array',
  'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'Uint8ClampedArray', 'BigUint64Array',
  'BigInt64Array', 'DataView', 'Map', 'BigInt', 'Set', 'WeakMap', 'WeakSet', 'Proxy', 'Reflect', 'decodeURI',
  'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'isFinite', 'isNaN', 'console',
] as const;

/** Parameters of the inner (module) function, in order. */
export const MODULE_PARAMS = [
  'module',
  GUARD_NAMES.api,
  GUARD_NAMES.enter,
  GUARD_NAMES.loop,
  GUARD_NAMES.exit,
  GUARD_NAMES.suspend,
  GUARD_NAMES.resume,
  GUARD_NAMES.forAwait,
] as const;

