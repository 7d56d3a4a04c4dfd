/**
 * Composes one run: scheduler, tracer, IOMMU, io-pgfault core, fault object,
 * devices and policy, wired as in the kernel's happy path
 * (../shared/spec/hardware-model.md §5.0), then drives the workload on virtual
 * time until nothing is pending and checks the scenario's expectations.
 */
import { ns } from '../../shared/time';
import { KERNEL_PROFILES, type KernelProfileId } from '../../shared/uapi/profiles';
import { IOMMUFD_PAGE_RESP_INVALID, IOMMUFD_PAGE_RESP_SUCCESS } from '../../shared/uapi/iommufd';
import type { TraceEvent } from '../../shared/events';
import { IdAllocator } from '../base/id-allocator';
import { PciFunction } from '../device/pci-function';
import { FaultQueue } from '../iommufd/fault-queue';
import { IommuUnit } from '../iommu/iommu-unit';
import { IoPageTable } from '../iommu/page-table';
import { IoPageFaultCore } from '../kernel/legacy-io-pgfault';
import { MapThenSuccessPolicy } from '../policy/map-then-success';
import type { PolicyContext } from '../policy/policy';
import { Rng } from '../sim/rng';
import { Scheduler } from '../sim/scheduler';
import type { TraceSink } from '../trace/sink';
import { Tracer } from '../trace/tracer';
import type { ScenarioSpec } from '../scenario/spec';

export interface RunOptions {
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  readonly kernelProfile?: KernelProfileId;
  /** Stops a run that has not gone idle after this many scheduler steps. */
  readonly maxSteps?: number;
}

export interface RunSummary {
  readonly eventCount: number;
  readonly endNs: bigint;
  readonly passed: number;
  readonly failed: number;
  readonly pageResponses: number;
  readonly seed: number;
  readonly kernelProfile: KernelProfileId;
}

/** Stage latencies of the default (VT-d-like) timing, ns. */
const TIMING = { linkNs: 200n, irqThreadNs: 2_000n, atsNs: 500n, policyWakeNs: 1_000 };

export function runScenario(spec: ScenarioSpec, sink: TraceSink, options: RunOptions = {}): RunSummary {
  const seed = options.seed ?? spec.seed;
  const profile = KERNEL_PROFILES[options.kernelProfile ?? spec.kernelProfile];
  const sched = new Scheduler();
  const rng = new Rng(seed);

  // Watch the stream for the end-of-run checks without keeping it.
  let pageResponses = 0;
  let nonSuccess = 0;
  let dmaErrors = 0;
  let dmaDone = 0;
  const tracer = new Tracer(
    {
      emit(e: TraceEvent) {
        if (e.kind === 'PAGE_RESPONSE') {
          pageResponses++;
          if (e.code !== IOMMUFD_PAGE_RESP_SUCCESS) nonSuccess++;
        } else if (e.kind === 'DMA_COMPLETE') {
          dmaDone++;
          if (e.errno !== null) dmaErrors++;
        }
        sink.emit(e);
      },
    },
    sched,
  );

  const pageTable = new IoPageTable();
  const iommu = new IommuUnit(sched, tracer, { linkNs: TIMING.linkNs, irqThreadNs: TIMING.irqThreadNs }, spec.prqDepth);
  const iopf = new IoPageFaultCore(tracer, iommu);
  const objectIds = new IdAllocator();

  // iommufd objects in the order a VMM creates them: the fault object, then each
  // device bound and attached to a fault-capable HWPT for its PASIDs (or RID).
  const faultQueue = new FaultQueue(objectIds.alloc()!, profile, iopf, tracer);
  const devices = spec.devices.map((d) => {
    const devId = objectIds.alloc()!;
    iopf.addDevice(devId);
    return new PciFunction({ devId, priAllocation: d.priAllocation, atsNs: TIMING.atsNs, maxRetries: 3 }, sched, tracer, iommu, pageTable);
  });
  for (const a of spec.workload) {
    iopf.setHandler(devices[a.device]!.devId, a.pasid, faultQueue);
  }
  const byDevId = new Map(devices.map((d) => [d.devId, d]));
  iommu.connect(iopf, (devId, r) => byDevId.get(devId)?.receiveResponse(r));

  const policy = new MapThenSuccessPolicy(profile, {
    batch: spec.policy.batch,
    minLatencyNs: spec.policy.minLatencyNs,
    maxLatencyNs: spec.policy.maxLatencyNs,
    wakeNs: TIMING.policyWakeNs,
  });
  const ctx: PolicyContext = {
    fd: faultQueue,
    tracer,
    rng,
    after: (delay, fn) => sched.after(delay, fn),
    now: () => sched.now,
    map: (devId, pasid, addr, pages, perm) => pageTable.map(devId, pasid, addr, pages, perm),
  };
  faultQueue.onReadable(() => policy.onReadable(ctx));

  for (const a of spec.workload) {
    const dev = devices[a.device]!;
    sched.at(ns(a.atNs), () => dev.issue({ pasid: a.pasid, addr: a.addr, pages: a.pages, perm: a.perm }));
  }
  sched.runUntilIdle(options.maxSteps ?? 10_000_000);

  // Expectations become recorded pass/fail events.
  let passed = 0;
  let failed = 0;
  const check = (ok: boolean, note: string): void => {
    tracer.emit('check', ok ? 'ASSERT_PASS' : 'ASSERT_FAIL', { note });
    if (ok) passed++;
    else failed++;
  };
  const e = spec.expect;
  if (e.pageResponses !== undefined)
    check(pageResponses === e.pageResponses, `expected ${e.pageResponses} page response(s), saw ${pageResponses}`);
  if (e.allSuccess) check(nonSuccess === 0, `every page response is SUCCESS (${nonSuccess} not; INVALID=${IOMMUFD_PAGE_RESP_INVALID})`);
  if (e.allDmaComplete)
    check(dmaErrors === 0 && dmaDone === spec.workload.length, `every DMA access completes (${dmaDone - dmaErrors}/${spec.workload.length})`);

  return {
    eventCount: tracer.count,
    endNs: sched.now,
    passed,
    failed,
    pageResponses,
    seed,
    kernelProfile: profile.id,
  };
}
