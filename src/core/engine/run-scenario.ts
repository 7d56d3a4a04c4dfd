/**
 * Runs a declarative (JSON) scenario on the engine: the spec becomes a
 * scenario definition (declarative.ts) driven by the same script host as
 * TypeScript scenarios, with no script code involved.
 */
import type { KernelProfileId } from '../../shared/uapi/profiles';
import { createScriptHost } from '../scenario/create-script-host';
import { definitionFromSpec } from '../scenario/declarative';
import type { VendorId } from '../scenario/script-host';
import type { ScenarioSpec } from '../scenario/spec';
import type { TraceSink } from '../trace/sink';

export interface RunOptions {
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  readonly kernelProfile?: KernelProfileId;
  readonly vendor?: VendorId;
  /** Stops a run that has not gone idle after this many scheduler steps. */
  readonly maxSteps?: number;
  /** Lets pending promise continuations run (the core has no timers; Node passes setImmediate). */
  readonly yieldToScript: () => Promise<void>;
}

export interface RunSummary {
  readonly eventCount: number;
  readonly endNs: bigint;
  readonly passed: number;
  readonly failed: number;
  readonly violations: number;
  readonly seed: number;
  readonly kernelProfile: KernelProfileId;
  readonly vendor: VendorId;
}

export async function runScenario(spec: ScenarioSpec, sink: TraceSink, options: RunOptions): Promise<RunSummary> {
  const host = createScriptHost({
    sink,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.kernelProfile !== undefined ? { kernelProfile: options.kernelProfile } : {}),
    ...(options.vendor !== undefined ? { vendor: options.vendor } : {}),
    ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
  });
  const o = await host.run(definitionFromSpec(spec), options.yieldToScript);
  return { eventCount: o.eventCount, endNs: o.endNs, passed: o.passed, failed: o.failed, violations: o.violations, seed: o.seed, kernelProfile: o.kernelProfile, vendor: o.vendor };
}
