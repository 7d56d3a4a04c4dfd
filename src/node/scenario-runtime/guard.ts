/**
 * The runaway guard: host functions (worker side, outside the sandbox) that
 * the instrumented scenario calls on every loop iteration, function entry and
 * exit, and around every await (instrument.ts).
 *
 * What a "slice" is. Script code runs in synchronous slices between which the
 * engine has control: a slice starts when the runtime hands control to the
 * script (module evaluation, each `yieldToScript` turn in which the script's
 * promise continuations run) or when the engine calls a script function
 * synchronously (a policy callback: a function entry at script depth 0 outside
 * a turn). Time the script spends inside API calls it makes counts toward its
 * slice. When a slice has run longer than `sliceMs` of wall time and also
 * used more than `sliceMs` of the worker thread's CPU time (a slice on a
 * starved machine can take far longer than it computes; thread-cpu.ts) the
 * guard throws a RunawayError naming the loop or function it was called from,
 * and from then on every guard call throws it again (a `catch` in the script
 * cannot swallow it for good). Where the system does not report a thread's
 * CPU time, wall time alone decides.
 *
 * The clock (performance.now, worker side) and the heap (v8.getHeapStatistics)
 * are read only when the parent's watchdog tick changed the EPOCH word or
 * every CHECK_EVERY calls, so the hot path is two shared-memory stores, a load
 * and a compare. The thread's CPU clock is read only at checks of a slice
 * already past the wall limit.
 */
import { getHeapStatistics } from 'node:v8';
import { RunawayError, runawayMessages, type RunawayReason } from './errors';
import { HB } from './heartbeat';
import { cpuPastLimit, markOverLimit, readThreadTimes, type OverLimitMark, type ThreadTimes } from './thread-cpu';

/** Guard calls between two clock and heap checks when the parent's ticks do not arrive. */
export const CHECK_EVERY = 1024;

/** The clocks the guard reads; tests give their own. */
export interface GuardClocks {
  /** Wall time, ms (performance.now). */
  wallMs(): number;
  /** The worker thread's CPU and run-queue time, or null where the system does not report them. */
  threadTimes(): ThreadTimes | null;
}

const SYSTEM_CLOCKS: GuardClocks = { wallMs: () => performance.now(), threadTimes: readThreadTimes };

export interface GuardOptions {
  readonly view: Int32Array;
  /** Time a slice may run, ms (default 1000): wall time, and CPU time where the system reports it. */
  readonly sliceMs?: number;
  /** Used heap that counts as runaway allocation, bytes. */
  readonly heapLimitBytes: number;
  /** Called once, when the guard trips (the worker tells the parent). */
  readonly onTrip?: (error: RunawayError) => void;
  readonly clocks?: GuardClocks;
}

export interface ScriptGuard {
  /** Function entry: `__iopf_e(id)`. */
  readonly enter: (id: number) => void;
  /** Loop iteration: `__iopf_l(id)`. */
  readonly loop: (id: number) => void;
  /** Function exit (finally): `__iopf_x()`. */
  readonly exit: () => void;
  /** Before an await/yield suspends: `__iopf_w(value)`. */
  readonly suspend: <T>(value: T) => T;
  /** After an await/yield resumes: `__iopf_r(value)`. */
  readonly resume: <T>(value: T) => T;
  /** `for await (… of __iopf_fa(x))`. */
  readonly forAwait: (iterable: unknown) => unknown;
  /** Lets the script's pending promise continuations run, in one slice (ScriptHost.run's yieldToScript). */
  readonly yieldToScript: () => Promise<void>;
  /** Runs `fn` (module evaluation) as one slice. */
  runTurn<T>(fn: () => T): T;
  /** Counts engine progress (an emitted event) for the parent's stall watchdog. */
  pulse(): void;
  /**
   * Takes `ms` the worker spent blocked outside the script (waiting for the
   * parent to take streamed events) out of the current slice: it is not the
   * script's running time.
   */
  exclude(ms: number): void;
  /** The error the guard tripped with, if it did. */
  readonly tripped: RunawayError | null;
}

export function createGuard(options: GuardOptions): ScriptGuard {
  const view = options.view;
  const sliceMs = options.sliceMs ?? 1000;
  const heapLimit = options.heapLimitBytes;
  const clocks = options.clocks ?? SYSTEM_CLOCKS;
  let depth = 0;
  let inTurn = false;
  /** performance.now() at the start of the current slice; -1: started, not yet timed (set at the next check). */
  let sliceStart = -1;
  /** Set at the first check of the current slice past the wall limit; null until then. */
  let overLimit: OverLimitMark | null = null;
  let beat = 0;
  let seenEpoch = view[HB.EPOCH]!;
  let countdown = CHECK_EVERY;
  let trip: RunawayError | null = null;

  const fail = (reason: RunawayReason, id: number, message: string): never => {
    trip = new RunawayError(message, reason, id);
    seenEpoch = -1; // every later guard call takes the slow path and throws again
    options.onTrip?.(trip);
    throw trip;
  };

  /** Past the wall limit: whether the slice also used more than the limit of CPU (true where CPU time is not reported). */
  const usedCpuPastLimit = (wallMs: number): boolean => {
    const times = clocks.threadTimes();
    if (!times) return true;
    overLimit ??= markOverLimit(wallMs, times);
    return cpuPastLimit(sliceMs, overLimit, times);
  };
  const startSlice = (at: number): void => {
    sliceStart = at;
    overLimit = null;
  };

  const check = (id: number): void => {
    if (trip) throw trip;
    countdown = CHECK_EVERY;
    seenEpoch = view[HB.EPOCH]!;
    const now = clocks.wallMs();
    if (sliceStart < 0) sliceStart = now;
    // The message names the limit, not the measured time: the same loop gives the same text on a busy machine.
    else if (now - sliceStart > sliceMs && usedCpuPastLimit(now - sliceStart)) fail('time', id, runawayMessages.time(sliceMs));
    const used = getHeapStatistics().used_heap_size;
    if (used > heapLimit) fail('memory', id, runawayMessages.memory(Math.round(used / 2 ** 20), Math.round(heapLimit / 2 ** 20)));
  };

  const enter = (id: number): void => {
    view[HB.GUARD] = id;
    view[HB.BEAT] = ++beat;
    if (depth++ === 0 && !inTurn) startSlice(-1);
    if (view[HB.EPOCH] !== seenEpoch || --countdown === 0) check(id);
  };
  const loop = (id: number): void => {
    view[HB.GUARD] = id;
    view[HB.BEAT] = ++beat;
    if (view[HB.EPOCH] !== seenEpoch || --countdown === 0) check(id);
  };
  const exit = (): void => {
    if (depth > 0) depth--;
  };
  const suspend = <T>(value: T): T => {
    if (depth > 0) depth--;
    return value;
  };
  const resume = <T>(value: T): T => {
    if (trip) throw trip;
    if (depth++ === 0 && !inTurn) startSlice(-1);
    return value;
  };

  const forAwait = (iterable: unknown): unknown => {
    const method = (iterable as { [Symbol.asyncIterator]?: unknown } | null | undefined)?.[Symbol.asyncIterator];
    // A sync iterable is iterated by the engine's async-from-sync wrapper; left as it is.
    if (typeof method !== 'function') return iterable;
    return {
      [Symbol.asyncIterator]() {
        const it = method.call(iterable) as AsyncIterator<unknown>;
        const settled = <R>(r: R): R => resume(r);
        const failed = (e: unknown): never => {
          resume(undefined);
          throw e;
        };
        const step = (call: () => unknown): Promise<IteratorResult<unknown>> => {
          suspend(undefined);
          return Promise.resolve(call()).then(settled, failed) as Promise<IteratorResult<unknown>>;
        };
        const wrapped: AsyncIterator<unknown> = { next: (v?: unknown) => step(() => it.next(v)) };
        if (typeof it.return === 'function') wrapped.return = (v?: unknown) => step(() => it.return!(v));
        if (typeof it.throw === 'function') wrapped.throw = (e?: unknown) => step(() => it.throw!(e));
        return wrapped;
      },
    };
  };

  const beginTurn = (): void => {
    inTurn = true;
    depth = 0;
    startSlice(clocks.wallMs());
    view[HB.BEAT] = ++beat;
  };
  const endTurn = (): void => {
    inTurn = false;
    depth = 0;
  };

  return {
    enter,
    loop,
    exit,
    suspend,
    resume,
    forAwait,
    yieldToScript(): Promise<void> {
      if (trip) return Promise.reject(trip);
      beginTurn();
      // setImmediate runs after the microtask queue is empty: every continuation the
      // script had pending (and every one those queue) has run by then.
      return new Promise<void>((resolve, reject) =>
        setImmediate(() => {
          endTurn();
          if (trip) reject(trip);
          else resolve();
        }),
      );
    },
    runTurn<T>(fn: () => T): T {
      beginTurn();
      try {
        return fn();
      } finally {
        endTurn();
      }
    },
    pulse(): void {
      view[HB.BEAT] = ++beat;
    },
    exclude(ms: number): void {
      if (sliceStart >= 0) sliceStart += ms;
    },
    get tripped(): RunawayError | null {
      return trip;
    },
  };
}
