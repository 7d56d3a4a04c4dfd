/**
 * Reporting unrecoverable DMA faults to consumers outside the IOMMU driver —
 * seed 003 (../shared/seeds/iommu-fault-notifier-rfc-2017.txt, hardware-model
 * §4.4), in two selectable shapes:
 *
 *  - 'perDevice': the shape upstream adopted in 2019 ("iommu: Add device fault
 *    reporting API", per-device iommu_param): a consumer registers for ONE
 *    device and hears only that device's faults → UNRECOV_REPORT, one per
 *    consumer of the faulting device.
 *  - 'groupNotifier': the 2017 RFC ("[RFC 5/9] iommu: Introduce fault notifier
 *    API"): iommu_register_fault_notifier(dev, nb) adds `nb` to a blocking
 *    notifier chain stored on the device's iommu_group, and
 *    iommu_fault_notifier_call_chain() walks the whole group chain. An owner
 *    that registers once per device of an N-device group therefore gets N
 *    notifications per fault (GROUP_NOTIFY, each naming the notified and the
 *    faulting device) and must filter by `dev` — Alex Williamson's objection.
 *
 * The chain is kept here per group (the emulator's IommuGroup contract has no
 * field for it); the 2017 chain had no duplicate check, so neither does this.
 */
import { ERRNO } from '../../shared/errno';
import type { HwTrace } from '../hw/hw-trace';
import { formatRid } from '../hw/rid';
import type { IommuGroup, KernelDevice, VendorId } from '../kernel/iommu-core';

/** One unrecoverable fault as the vendor driver decoded it. */
export interface UnrecoverableFault {
  readonly vendor: VendorId;
  /** VT-d fault reason, SMMUv3 event ID, or AMD event code. */
  readonly reason: number;
  readonly reasonText: string;
  /** Faulting IOVA, bytes. */
  readonly addr: bigint | null;
  readonly pasid: number | null;
  /** IOMMU_FAULT_PERM_* bits of the access. */
  readonly perm: number;
}

/** What a consumer receives (the RFC's `struct iommu_fault_event`, typed). */
export interface FaultEvent {
  /** The device whose transaction faulted. */
  readonly dev: KernelDevice;
  readonly fault: UnrecoverableFault;
  /** seq of the UNRECOV_REPORT / GROUP_NOTIFY event of this delivery. */
  readonly seq: number;
}

export type FaultConsumer = (event: FaultEvent) => void;

export type FaultReportingMode = 'perDevice' | 'groupNotifier';

interface NotifierBlock {
  readonly nb: FaultConsumer;
  /** The device the owner named when registering. */
  readonly registeredFor: KernelDevice;
}

export class FaultReporting {
  private readonly consumers = new Map<KernelDevice, FaultConsumer[]>();
  /** `group->fault_notifier` of the RFC. */
  private readonly chains = new Map<IommuGroup, NotifierBlock[]>();

  constructor(
    private readonly trace: HwTrace,
    readonly mode: FaultReportingMode,
  ) {}

  /** Per-device consumer: 0, or -EOPNOTSUPP when the model is the group chain. */
  registerFaultConsumer(dev: KernelDevice, cb: FaultConsumer): number {
    if (this.mode !== 'perDevice') return -ERRNO.EOPNOTSUPP;
    const list = this.consumers.get(dev) ?? [];
    list.push(cb);
    this.consumers.set(dev, list);
    return 0;
  }

  unregisterFaultConsumer(dev: KernelDevice, cb: FaultConsumer): number {
    const list = this.consumers.get(dev);
    const i = list?.indexOf(cb) ?? -1;
    if (!list || i < 0) return -ERRNO.ENOENT;
    list.splice(i, 1);
    return 0;
  }

  /** RFC `iommu_register_fault_notifier(dev, nb)`: adds `nb` to the chain of dev's GROUP. */
  registerFaultNotifier(dev: KernelDevice, nb: FaultConsumer): number {
    if (this.mode !== 'groupNotifier') return -ERRNO.EOPNOTSUPP;
    const chain = this.chains.get(dev.group) ?? [];
    chain.push({ nb, registeredFor: dev });
    this.chains.set(dev.group, chain);
    return 0;
  }

  /** RFC `iommu_unregister_fault_notifier(dev, nb)`: removes the first matching block. */
  unregisterFaultNotifier(dev: KernelDevice, nb: FaultConsumer): number {
    const chain = this.chains.get(dev.group);
    const i = chain?.findIndex((b) => b.nb === nb) ?? -1;
    if (!chain || i < 0) return -ERRNO.ENOENT;
    chain.splice(i, 1);
    return 0;
  }

  /** Notifier blocks on the group's chain. */
  chainLength(group: IommuGroup): number {
    return this.chains.get(group)?.length ?? 0;
  }

  /** The driver hands over one decoded fault; returns how many deliveries were made. */
  report(dev: KernelDevice, fault: UnrecoverableFault, parent: number): number {
    const base = {
      pasid: fault.pasid,
      addr: fault.addr,
      perm: fault.perm,
      code: fault.reason,
      parent,
    };
    if (this.mode === 'perDevice') {
      const list = [...(this.consumers.get(dev) ?? [])];
      list.forEach((cb, i) => {
        const seq = this.trace.emit('kernel', 'UNRECOV_REPORT', dev.rid, {
          ...base,
          note: `consumer ${i + 1}/${list.length} of this device: ${fault.reasonText}`,
        });
        cb({ dev, fault, seq });
      });
      return list.length;
    }
    // iommu_fault_notifier_call_chain(): every block on the group's chain, whoever it was registered for.
    const chain = [...(this.chains.get(dev.group) ?? [])];
    chain.forEach((b, i) => {
      const seq = this.trace.emit('kernel', 'GROUP_NOTIFY', b.registeredFor.rid, {
        ...base,
        note: `notifier ${i + 1}/${chain.length} of group ${dev.group.id} (registered for this device); faulting rid=${formatRid(dev.rid)}${b.registeredFor === dev ? '' : ' — not this device: caller must filter'}`,
      });
      b.nb({ dev, fault, seq });
    });
    return chain.length;
  }
}
