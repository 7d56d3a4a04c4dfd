/**
 * What every hardware model needs from the run: the virtual clock (all delays
 * go through it), the trace, and the seeded RNG (the only randomness).
 */
import type { Rng } from '../sim/rng';
import type { Scheduler } from '../sim/scheduler';
import type { HwTrace } from './hw-trace';

export interface HwEnv {
  readonly sched: Scheduler;
  readonly trace: HwTrace;
  readonly rng: Rng;
}
