/**
 * A ScriptHost: builds the scenario API for one run and drives a scenario
 * definition on virtual time. The script's async code interleaves with the
 * discrete-event scheduler: whenever a step resolves a promise the script is
 * waiting on, the host lets the script's continuations run (yieldToScript)
 * before virtual time moves on.
 */
import type { Ns } from '../../shared/time';
import { KERNEL_PROFILES } from '../../shared/uapi/profiles';
import { Rng } from '../sim/rng';
import { Scheduler } from '../sim/scheduler';
import { Tracer } from '../trace/tracer';
import { ScenarioError } from './spec';
import type { ScriptHost, ScriptHostOptions, ScriptOutcome, VendorId } from './script-host';

const DEFINITION = Symbol.for('iopf.scenario');

export interface ScenarioDefinition {
  readonly name: string;
  readonly seed?: number;
  readonly kernel?: keyof typeof KERNEL_PROFILES;
  readonly vendor?: VendorId;
  /** The scenario's driver: runs on virtual time; may await sleeps and fd readiness. */
  readonly main: (ctx: ScenarioContext) => unknown;
}

/** What `main` receives. */
export interface ScenarioContext {
  /** Virtual time now, ns. */
  now(): Ns;
  /** Resolves after `delay` ns of virtual time. */
  sleep(delay: number | bigint): Promise<void>;
  /** Seeded random number in [0, 1). */
  random(): number;
}

class AssertionTally {
  passed = 0;
  failed = 0;
}

export function createScriptHost(options: ScriptHostOptions): ScriptHost {
  const sched = new Scheduler();
  const tracer = new Tracer(options.sink, sched);
  const tally = new AssertionTally();
  let continuationPending = false;

  /** A promise the script awaits; resolving it asks the host to let the script run. */
  const scriptPromise = <T>(start: (resolve: (v: T) => void) => void): Promise<T> =>
    new Promise<T>((resolve) =>
      start((v) => {
        continuationPending = true;
        resolve(v);
      }),
    );

  const check = (ok: boolean, message: string): void => {
    tracer.emit('check', ok ? 'ASSERT_PASS' : 'ASSERT_FAIL', { note: message });
    if (ok) tally.passed++;
    else tally.failed++;
  };

  const api = Object.freeze({
    scenario(def: ScenarioDefinition): ScenarioDefinition {
      return Object.freeze({ ...def, [DEFINITION]: true });
    },
    /** Records a pass or a fail; never throws, so a run goes on and reports every check. */
    assert(condition: unknown, message = 'assertion'): boolean {
      check(Boolean(condition), message);
      return Boolean(condition);
    },
    expect(actual: unknown) {
      return Object.freeze({
        toBe(expected: unknown, message?: string): boolean {
          const ok = Object.is(actual, expected);
          check(ok, message ?? `expected ${show(actual)} to be ${show(expected)}`);
          return ok;
        },
      });
    },
  });

  let rng = new Rng(0);
  const ctx: ScenarioContext = Object.freeze({
    now: () => sched.now,
    sleep: (delay: number | bigint) => scriptPromise<void>((resolve) => sched.after(BigInt(delay), () => resolve())),
    random: () => rng.float(),
  });

  return {
    api,
    async run(definition: unknown, yieldToScript: () => Promise<void>): Promise<ScriptOutcome> {
      if (typeof definition !== 'object' || definition === null || !(DEFINITION in definition))
        throw new ScenarioError('the scenario module must `export default scenario({...})`');
      const def = definition as unknown as ScenarioDefinition;
      const seed = options.seed ?? def.seed ?? 1;
      const kernelProfile = options.kernelProfile ?? def.kernel ?? 'upstream';
      const vendor = options.vendor ?? def.vendor ?? 'vtd';
      rng = new Rng(seed);
      let failure: unknown = null;
      let finished = false;
      Promise.resolve()
        .then(() => def.main(ctx))
        .then(
          () => void (finished = true),
          (e: unknown) => void (failure = e),
        );
      const maxSteps = options.maxSteps ?? 50_000_000;
      let steps = 0;
      await yieldToScript();
      for (;;) {
        if (failure) throw failure;
        if (continuationPending) {
          continuationPending = false;
          await yieldToScript();
          continue;
        }
        if (!sched.step()) break;
        if (++steps > maxSteps) throw new ScenarioError(`virtual time did not run out after ${maxSteps} steps`);
      }
      if (failure) throw failure;
      if (!finished) tracer.emit('check', 'ASSERT_FAIL', { note: 'main() was still waiting when nothing else could happen' });
      return {
        eventCount: tracer.count,
        endNs: sched.now,
        passed: tally.passed,
        failed: tally.failed + (finished ? 0 : 1),
        violations: 0,
        seed,
        kernelProfile,
        vendor,
        name: def.name,
      };
    },
  };
}

function show(v: unknown): string {
  return typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? JSON.stringify(v) : String(v);
}


