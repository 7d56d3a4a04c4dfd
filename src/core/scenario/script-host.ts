/**
 * The contract between a scenario script and the engine. A script is a
 * TypeScript module that imports the scenario API from 'iopf' and
 * default-exports the definition returned by `scenario({...})`. The Node
 * runtime (src/node/scenario-runtime) transpiles and sandboxes the script; this
 * host gives it the API object and then runs the definition on virtual time.
 *
 * Determinism: the host never reads the wall clock or Math.random; scripts get
 * seeded and virtual-time versions instead. `yieldToScript` is supplied by the
 * runtime (it lets pending promise continuations of the script run) because
 * the core has no timers.
 */
import type { KernelProfileId } from '../../shared/uapi/profiles';
import type { TraceSink } from '../trace/sink';

export type VendorId = 'vtd' | 'smmuv3' | 'amd';

export interface ScriptHostOptions {
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  readonly kernelProfile?: KernelProfileId;
  readonly vendor?: VendorId;
  readonly sink: TraceSink;
  /** Stops a run whose virtual time never runs out after this many scheduler steps. */
  readonly maxSteps?: number;
  /**
   * The runtime's line slot: the instrumented script stores the 1-based line
   * of each call it makes into `[0]`, so events get the line that caused them
   * (TraceEvent.line). Without it, script events carry no line.
   */
  readonly scriptLines?: Int32Array;
}

export interface ScriptOutcome {
  readonly eventCount: number;
  /** Virtual ns at the end of the run. */
  readonly endNs: bigint;
  readonly passed: number;
  readonly failed: number;
  readonly violations: number;
  readonly seed: number;
  readonly kernelProfile: KernelProfileId;
  readonly vendor: VendorId;
  readonly name: string;
}

export interface ScriptHost {
  /** The module a script imports as 'iopf': the whole scenario API. */
  readonly api: Readonly<Record<string, unknown>>;
  /**
   * Runs the definition the script exported. Rejects with ScenarioError when
   * the export is not a scenario definition.
   */
  run(definition: unknown, yieldToScript: () => Promise<void>): Promise<ScriptOutcome>;
}
