/**
 * Test wiring for the hardware models: a run's scheduler, tracer and RNG, a
 * fake io-pgfault core, and helpers to build domains, groups and attachments
 * the way the kernel side would.
 */
import type { TraceEvent } from '../../../shared/events';
import { HwTrace } from '../../hw/hw-trace';
import { DomainPageTable } from '../../kernel/domain-page-table';
import { Rng } from '../../sim/rng';
import { Scheduler } from '../../sim/scheduler';
import { MemorySink } from '../../trace/sink';
import { Tracer } from '../../trace/tracer';
import { FaultReporting, type FaultReportingMode } from '../fault-reporting';
import type { IommuEnv } from '../iommu-env';
import { DmaEngine } from '../../hw/dma-engine';
import { PciFunction, type PciFunctionConfig } from '../../hw/pci-function';
import {
  IOMMU_NO_PASID,
  IOMMU_PAGE_RESP_SUCCESS,
  type DomainType,
  type IommuDomain,
  type IommuGroup,
  type KernelDevice,
  type VendorId,
} from '../../kernel/iommu-core';
import { IommuGroupImpl, createKernelDevice } from '../topology';
import { createVendorIommu, type VendorIommu } from '../vendor-iommu';
import type { VendorProfile } from '../vendor-profiles';
import { FakeIopfCore, type FakeGroup, type FakePolicy } from './fake-iopf-core';

export interface TestEnv extends IommuEnv {
  readonly sink: MemorySink;
  readonly iopf: FakeIopfCore;
  readonly faults: FaultReporting;
}

export function makeEnv(seed = 1, options: { policy?: FakePolicy; faultMode?: FaultReportingMode; rawDescriptors?: boolean } = {}): TestEnv {
  const sched = new Scheduler();
  const sink = new MemorySink();
  const tracer = new Tracer(sink, sched);
  const trace = new HwTrace(tracer, { rawDescriptors: options.rawDescriptors ?? false });
  const iopf = new FakeIopfCore(sched, options.policy);
  const faults = new FaultReporting(trace, options.faultMode ?? 'perDevice');
  return { sched, trace, rng: new Rng(seed), sink, iopf, faults };
}

let nextDomainId = 1;

export function makeDomain(type: DomainType = 'paging'): IommuDomain {
  return { id: nextDomainId++, type, iopfHandler: null, pageTable: new DomainPageTable() };
}

/** Installs an attach handle for `pasid` (IOMMU_NO_PASID = the RID). */
export function attach(group: IommuGroup, domain: IommuDomain, pasid: number = IOMMU_NO_PASID, idevId: number | null = null): void {
  group.handles.set(pasid, { domain, idevId });
}

export const kindsOf = (events: readonly TraceEvent[]): string[] => events.map((e) => e.kind);

export const countKind = (events: readonly TraceEvent[], kind: string): number => events.filter((e) => e.kind === kind).length;

export const ofKind = (events: readonly TraceEvent[], kind: string): TraceEvent[] => events.filter((e) => e.kind === kind);

// --- topologies ------------------------------------------------------------------


export interface Topology {
  readonly iommu: VendorIommu;
  readonly fns: PciFunction[];
  readonly devs: KernelDevice[];
  readonly dmas: DmaEngine[];
  readonly groups: IommuGroupImpl[];
  readonly domain: IommuDomain;
}

export interface TopologyOptions {
  readonly profile?: Partial<VendorProfile>;
  readonly functions: readonly PciFunctionConfig[];
  /** SMMU: the masters can stall (platform devices). */
  readonly canStall?: boolean;
  /** PASIDs attached to the shared domain (the RID is always attached). */
  readonly pasids?: readonly number[];
  /** Call driver.enableIopf for every device after probe (default true). */
  readonly enableIopf?: boolean;
  /** All functions in one iommu_group (no ACS between them). */
  readonly sameGroup?: boolean;
}

let nextGroupId = 1;

/** PFs from `functions`, each connected, probed, attached to one domain, IOPF enabled. */
export function buildTopology(env: TestEnv, vendor: VendorId, o: TopologyOptions): Topology {
  const iommu = createVendorIommu(env, vendor, o.profile ?? {});
  const domain = makeDomain('paging');
  const shared = new IommuGroupImpl(nextGroupId++);
  const groups: IommuGroupImpl[] = o.sameGroup ? [shared] : [];
  const fns: PciFunction[] = [];
  const devs: KernelDevice[] = [];
  for (const cfg of o.functions) {
    const fn = new PciFunction(env, cfg);
    iommu.connect(fn, { canStall: o.canStall ?? false });
    const group = o.sameGroup ? shared : new IommuGroupImpl(nextGroupId++);
    if (!o.sameGroup) groups.push(group);
    attach(group, domain);
    for (const p of o.pasids ?? []) attach(group, domain, p);
    const dev = createKernelDevice(fn, group, iommu.driver);
    fns.push(fn);
    devs.push(dev);
  }
  for (const dev of devs) iommu.driver.probeDevice(dev);
  if (o.enableIopf ?? true) for (const dev of devs) iommu.driver.enableIopf(dev, 0);
  return { iommu, fns, devs, dmas: fns.map((f) => new DmaEngine(env, f)), groups, domain };
}

/** Policy: make every faulting page present in `domain`, then answer SUCCESS after `delayNs`. */
export function mapThenSucceed(domain: IommuDomain, delayNs = 1_000n): (g: FakeGroup) => { code: number; delayNs: bigint } {
  return (g) => {
    for (const f of g.faults) domain.pageTable.mapRange(f.prm.addr & ~0xfffn, 4096n, f.prm.perm & 3);
    return { code: IOMMU_PAGE_RESP_SUCCESS, delayNs };
  };
}

/** A PF with PASID, ATS and PRI. */
export function pcieFn(rid: number, extra: Partial<PciFunctionConfig> = {}): PciFunctionConfig {
  return {
    rid,
    name: `0000:${((rid >> 8) & 0xff).toString(16).padStart(2, '0')}:00.${rid & 7}`,
    pasid: { maxPasidWidth: 8, exec: true, priv: true },
    ats: true,
    pri: { capacity: 64, prgRespPasidRequired: true },
    ...extra,
  };
}
