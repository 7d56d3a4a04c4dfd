/** Virtual time and seeded randomness for scenarios (they never see the wall clock). */
import type { Distribution } from './types';
import { run } from './run-context';

/** Virtual time now, ns. */
export function now(): bigint {
  return run().system.sched.now;
}

/** Resolves after `delayNs` of virtual time. */
export function sleep(delayNs: number | bigint): Promise<void> {
  const r = run();
  const d = BigInt(delayNs);
  return r.scriptPromise<void>((resolve) => r.system.sched.after(d < 0n ? 0n : d, () => resolve()));
}

/** Seeded uniform random number in [0, 1). */
export function random(): number {
  return run().system.rng.float();
}

export const constant = (value: number): Distribution => ({ kind: 'constant', a: value, b: value });
export const uniform = (min: number, max: number): Distribution => ({ kind: 'uniform', a: min, b: max });
/** Exponential with the given mean (a Poisson process's inter-arrival times). */
export const exponential = (mean: number): Distribution => ({ kind: 'exponential', a: mean, b: mean });

/** Draws one value (rounded to an integer) from a distribution with the run's seeded RNG. */
export function sample(d: Distribution | number): number {
  if (typeof d === 'number') return d;
  const rng = run().system.rng;
  switch (d.kind) {
    case 'constant':
      return Math.round(d.a);
    case 'uniform':
      return Math.round(d.a + rng.float() * (d.b - d.a));
    case 'exponential':
      return Math.round(-Math.log(1 - rng.float()) * d.a);
  }
}
