/**
 * The ScriptHost: builds the machine a scenario declares, makes the 'iopf'
 * API act on it, and drives the definition on virtual time: setup, then the
 * policy and the workload side by side, then the checks once nothing else can
 * happen. The script's async code interleaves with the discrete-event
 * scheduler: whenever a step resolves a promise the script awaits, the host
 * lets the script's continuations run (yieldToScript) before time moves on.
 * An invariant violation is recorded as an event; it never stops the run.
 */
import { KERNEL_PROFILES, KERNEL_PROFILE_LIST, isKernelProfileId } from '../../shared/uapi/profiles';
import type { TraceEvent } from '../../shared/events';
import { System } from '../engine/system';
import { InvariantOracle } from '../oracle/invariants';
import * as api from './api/index';
import { setCurrentRun, type RunContext } from './api/run-context';
import { setScriptLineSlot } from './api/script-lines';
import type { ScenarioDefinition, TopologySpec, VmmHandles } from './api/types';
import { createUapi } from './api/uapi';
import { ScenarioError } from './spec';
import type { ScriptHost, ScriptHostOptions, ScriptOutcome, VendorId } from './script-host';

const DEFAULT_TOPOLOGY: TopologySpec = { devices: [{ name: '0000:03:00.0' }] };
const VENDORS: readonly VendorId[] = ['vtd', 'smmuv3', 'amd'];

export function createScriptHost(options: ScriptHostOptions): ScriptHost {
  // Before the module is evaluated: its top level already calls API factories (`policy: mapThenSuccess(…)`).
  setScriptLineSlot(options.scriptLines ?? null);
  return {
    api,
    async run(definition: unknown, yieldToScript: () => Promise<void>): Promise<ScriptOutcome> {
      const def = asDefinition(definition);
      const seed = options.seed ?? def.seed ?? 1;
      const kernelId = options.kernelProfile ?? def.kernel ?? 'upstream';
      if (!isKernelProfileId(kernelId)) throw new ScenarioError(`kernel: expected one of ${KERNEL_PROFILE_LIST}, got ${JSON.stringify(kernelId)}`);
      const topology = def.topology ?? DEFAULT_TOPOLOGY;
      const vendor = options.vendor ?? topology.iommu?.vendor ?? 'vtd';
      if (!VENDORS.includes(vendor)) throw new ScenarioError(`topology.iommu.vendor: expected "vtd", "smmuv3" or "amd", got ${JSON.stringify(vendor)}`);
      const profile = KERNEL_PROFILES[kernelId];

      // The oracle and per-kind counters watch the stream on its way to the sink.
      const oracle = new InvariantOracle(profile);
      const counts = new Map<string, number>();
      const found: { rule: string; message: string; dev: number | null; seq: number }[] = [];
      const codeKeys = new CodeKeys();
      const target = options.sink;
      const sink = {
        emit(e: TraceEvent): void {
          counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
          if (e.code !== null && (e.kind === 'PAGE_RESPONSE' || e.kind === 'PRG_RESP_RECV' || e.kind === 'RESPONSE_WRITE')) {
            const k = codeKeys.of(e.kind, e.code);
            counts.set(k, (counts.get(k) ?? 0) + 1);
          }
          target.emit(e);
          const v = oracle.observe(e);
          for (let i = 0; i < v.length; i++) found.push(v[i]!);
        },
      };
      const system = new System({ topology, profile, vendor, seed, sink });
      const lines = system.tracer.lines;
      if (options.scriptLines) lines.attachSlot(options.scriptLines);
      /** One turn of the script's continuations; the events they cause take the script's lines. */
      const scriptTurn = async (): Promise<void> => {
        lines.beginScriptTurn();
        try {
          await yieldToScript();
        } finally {
          lines.endScriptTurn();
        }
      };
      let passed = 0;
      let failed = 0;
      let violations = 0;
      let continuationPending = false;
      const scriptPromise = <T>(start: (resolve: (v: T) => void) => void): Promise<T> =>
        new Promise<T>((resolve) =>
          start((v) => {
            continuationPending = true;
            resolve(v);
          }),
        );
      const ctx: RunContext = {
        system,
        uapi: createUapi({ proc: system.proc, sched: system.sched, profile, scriptPromise }),
        scriptPromise,
        counts,
        check(ok, message) {
          system.tracer.emit('check', ok ? 'ASSERT_PASS' : 'ASSERT_FAIL', { note: message });
          if (ok) passed++;
          else failed++;
        },
      };
      const flushViolations = (): void => {
        if (found.length === 0) return;
        for (const v of found.splice(0)) {
          violations++;
          system.tracer.emit('check', 'INVARIANT_VIOLATION', { dev: v.dev, parent: v.seq, note: `${v.rule}: ${v.message}` });
        }
      };

      /** Runs script code and the scheduler until neither can make progress. */
      const drive = async (work: Promise<unknown>): Promise<boolean> => {
        let settled = false;
        let failure: { error: unknown } | null = null;
        work.then(
          () => void (settled = true),
          (error: unknown) => void (failure = { error }),
        );
        const maxSteps = options.maxSteps ?? 50_000_000;
        let steps = 0;
        await scriptTurn();
        for (;;) {
          if (failure) throw (failure as { error: unknown }).error;
          if (continuationPending) {
            continuationPending = false;
            await scriptTurn();
            continue;
          }
          flushViolations();
          if (!system.sched.step()) {
            await scriptTurn();
            if (continuationPending) continue;
            break;
          }
          if (++steps > maxSteps) throw new ScenarioError(`virtual time did not run out after ${maxSteps} scheduler steps`);
        }
        if (failure) throw (failure as { error: unknown }).error;
        return settled;
      };

      setCurrentRun(ctx);
      try {
        let handles: VmmHandles | undefined;
        if (def.main) {
          const mainCtx = Object.freeze({ now: api.now, sleep: api.sleep, random: api.random });
          const done = await drive(Promise.resolve().then(() => def.main!(mainCtx)));
          if (!done) ctx.check(false, 'main() was still waiting when nothing else could happen');
        } else {
          if (def.setup) {
            const done = await drive(Promise.resolve().then(() => def.setup!()).then((h) => void (handles = h)));
            if (!done) throw new ScenarioError('setup() never finished');
          }
          const h = handles as VmmHandles;
          const policy = def.policy ? Promise.resolve().then(() => def.policy!(h)) : Promise.resolve();
          const workload = def.workload ? Promise.resolve().then(() => def.workload!(h)) : Promise.resolve();
          policy.catch(() => undefined); // a policy failure is reported through drive() below
          await drive(Promise.all([workload, policy.then(() => undefined)]));
          if (def.checks) await drive(Promise.resolve().then(() => def.checks!(h)));
        }
        for (const v of oracle.finish()) found.push(v);
        flushViolations();
      } finally {
        setCurrentRun(null);
      }
      return {
        eventCount: system.tracer.count,
        endNs: system.sched.now,
        passed,
        failed,
        violations,
        seed,
        kernelProfile: kernelId,
        vendor,
        name: def.name,
      };
    },
  };
}

/** The `counts` keys `KIND#code` of eventCount(kind, { code }), built once per kind and code. */
class CodeKeys {
  private readonly byKind = new Map<string, string[]>();

  of(kind: string, code: number): string {
    let keys = this.byKind.get(kind);
    if (keys === undefined) this.byKind.set(kind, (keys = []));
    if (code >= 0 && code < 64 && Number.isInteger(code)) return (keys[code] ??= `${kind}#${code}`);
    return `${kind}#${code}`;
  }
}

function asDefinition(definition: unknown): ScenarioDefinition {
  if (typeof definition !== 'object' || definition === null || !(api.SCENARIO_BRAND in definition))
    throw new ScenarioError('the scenario module must `export default scenario({...})`');
  const def = definition as unknown as ScenarioDefinition;
  if (typeof def.name !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(def.name))
    throw new ScenarioError('scenario.name: lowercase letters, digits and dashes, e.g. "happy-path"');
  if (!def.main && !def.setup && !def.workload) throw new ScenarioError('scenario: give main(), or setup/policy/workload');
  return def;
}
