/**
 * The emulated machine of one run: scheduler, trace, the vendor IOMMU with its
 * Linux driver, the PCIe functions and their DMA engines, the kernel's
 * io-pgfault core, iommu groups and kernel devices, and the user process that
 * talks to /dev/iommu — wired as ../shared/spec/hardware-model.md §5 describes.
 */
import { ERRNO } from '../../shared/errno';
import type { KernelProfile } from '../../shared/uapi/profiles';
import { FaultInjection } from '../base/fault-injection';
import { DmaEngine } from '../hw/dma-engine';
import { HwTrace } from '../hw/hw-trace';
import { PciFunction, type PciFunctionConfig } from '../hw/pci-function';
import { FaultReporting } from '../iommu/fault-reporting';
import { createKernelDevice, IommuGroupImpl } from '../iommu/topology';
import { createVendorIommu, type VendorIommu } from '../iommu/vendor-iommu';
import type { VendorProfile } from '../iommu/vendor-profiles';
import type { KernelDevice, VendorId } from '../kernel/iommu-core';
import { IoPageFaultCore } from '../kernel/io-pgfault';
import { Rng } from '../sim/rng';
import { Scheduler } from '../sim/scheduler';
import type { TraceSink } from '../trace/sink';
import { Tracer } from '../trace/tracer';
import { Process } from '../uspace/process';
import { ScenarioError } from '../scenario/spec';
import type { PciFunctionSpec, TopologySpec } from '../scenario/api/types';

export interface SystemOptions {
  readonly topology: TopologySpec;
  readonly profile: KernelProfile;
  readonly vendor: VendorId;
  readonly seed: number;
  readonly sink: TraceSink;
}

/** One function of the topology with its DMA engine and kernel device. */
export interface SystemDevice {
  readonly name: string;
  readonly fn: PciFunction;
  readonly dma: DmaEngine;
  readonly dev: KernelDevice;
}

const PCI_NAME = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i;

/** "0000:03:00.1" → requester ID bus << 8 | dev << 3 | fn. */
export function ridOf(name: string): number {
  const m = PCI_NAME.exec(name);
  if (!m) throw new ScenarioError(`topology: "${name}" is not a PCI address like "0000:03:00.0"`);
  return (parseInt(m[2]!, 16) << 8) | (parseInt(m[3]!, 16) << 3) | parseInt(m[4]!, 16);
}

export class System {
  readonly sched = new Scheduler();
  readonly tracer: Tracer;
  readonly rng: Rng;
  readonly inject = new FaultInjection();
  readonly iopf: IoPageFaultCore;
  readonly faults: FaultReporting;
  /** IOMMU unit 0 (the only one unless `topology.iommu.units` says more). */
  readonly iommu: VendorIommu;
  /** Every IOMMU unit, by index (TraceEvent.iommu). */
  readonly iommus: readonly VendorIommu[];
  readonly devices = new Map<string, SystemDevice>();
  readonly proc: Process;

  constructor(readonly options: SystemOptions) {
    this.tracer = new Tracer(options.sink, this.sched);
    this.rng = new Rng(options.seed);
    const trace = new HwTrace(this.tracer);
    this.iopf = new IoPageFaultCore(this.tracer, this.inject);
    this.faults = new FaultReporting(trace, options.topology.faultReporting ?? 'perDevice');
    const env = { sched: this.sched, trace, rng: this.rng, iopf: this.iopf, faults: this.faults };
    const overrides = this.vendorOverrides();
    const units = this.unitCount();
    this.iommus = Array.from({ length: units }, (_, index) => createVendorIommu(env, options.vendor, overrides, index));
    this.iommu = this.iommus[0]!;
    this.buildDevices(env);
    const kernelDevices = new Map<string, KernelDevice>([...this.devices].map(([n, d]) => [n, d.dev]));
    this.proc = new Process({ profile: options.profile, iopf: this.iopf, tracer: this.tracer, inject: this.inject, devices: kernelDevices });
  }

  device(name: string): SystemDevice {
    const d = this.devices.get(name);
    if (!d) throw new ScenarioError(`no device "${name}" in the topology (have: ${[...this.devices.keys()].join(', ')})`);
    return d;
  }

  private unitCount(): number {
    const n = this.options.topology.iommu?.units ?? 1;
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new ScenarioError(`topology.iommu.units: expected an integer in 1..64, got ${n}`);
    return n;
  }

  /** The unit a function sits behind. */
  private unitOf(s: PciFunctionSpec): VendorIommu {
    const i = s.iommu ?? 0;
    const unit = this.iommus[i];
    if (!Number.isInteger(i) || !unit)
      throw new ScenarioError(`topology: device "${s.name}" names IOMMU unit ${i}, but the topology has ${this.iommus.length} (topology.iommu.units)`);
    return unit;
  }

  private vendorOverrides(): Partial<VendorProfile> {
    const o = this.options.topology.iommu ?? {};
    const out: { -readonly [K in keyof VendorProfile]?: VendorProfile[K] } = {};
    if (o.queueDepth !== undefined) {
      if (!Number.isInteger(o.queueDepth) || o.queueDepth < 2 || o.queueDepth > 1 << 19)
        throw new ScenarioError(`topology.iommu.queueDepth: expected an integer in 2..524288, got ${o.queueDepth}`);
      out.queueDepth = o.queueDepth;
    }
    if (o.overflowAutoResponse !== undefined) out.overflowAutoResponse = o.overflowAutoResponse;
    if (o.smmuPri === 'unmergedSeries') out.smmuPriHandling = 'reportIopf';
    return out;
  }

  private buildDevices(env: ConstructorParameters<typeof DmaEngine>[0] & { iopf: IoPageFaultCore }): void {
    const spec = this.options.topology.devices;
    if (!Array.isArray(spec) || spec.length === 0) throw new ScenarioError('topology.devices: declare at least one PCI function');
    const groups = new Map<string, IommuGroupImpl>();
    let nextGroup = 1;
    const groupFor = (name: string | undefined): IommuGroupImpl => {
      if (name === undefined) return new IommuGroupImpl(nextGroup++);
      let g = groups.get(name);
      if (!g) groups.set(name, (g = new IommuGroupImpl(nextGroup++)));
      return g;
    };
    const add = (name: string, fn: PciFunction, s: PciFunctionSpec): void => {
      if (this.devices.has(name)) throw new ScenarioError(`topology: device "${name}" is declared twice`);
      const unit = this.unitOf(s);
      unit.connect(fn, { canStall: s.stall ?? false });
      const dev = createKernelDevice(fn, groupFor(s.group), unit.driver);
      const rc = unit.driver.probeDevice(dev);
      if (rc < 0 && rc !== -ERRNO.EOPNOTSUPP) this.tracer.emit('kernel', 'DRV_REJECT', { dev: fn.rid, errno: -rc, note: `probe of ${name} failed` });
      this.devices.set(name, { name, fn, dma: new DmaEngine(env, fn), dev });
    };
    for (const s of spec) {
      const pf = new PciFunction(env, this.functionConfig(s));
      add(s.name, pf, s);
      for (const vfName of s.vfs ?? []) add(vfName, pf.createVf({ rid: ridOf(vfName), name: vfName, ats: s.ats ?? true }), s);
    }
  }

  private functionConfig(s: PciFunctionSpec): PciFunctionConfig {
    const pasid = s.pasid === false ? null : { maxPasidWidth: s.pasid?.maxPasidWidth ?? 20, exec: s.pasid?.exec ?? true, priv: s.pasid?.priv ?? true };
    const pri = s.pri === false || s.stall ? null : { capacity: s.pri?.capacity ?? 32, prgRespPasidRequired: s.pri?.prgRespPasidRequired ?? true };
    return {
      rid: ridOf(s.name),
      name: s.name,
      pasid,
      ats: s.stall ? false : (s.ats ?? true),
      pri,
      ...(s.reservedCodeHandling ? { reservedCodeHandling: s.reservedCodeHandling } : {}),
      maxRetries: s.maxRetries ?? 3,
    };
  }
}
