/**
 * The PRI Extended Capability of a physical function (PCIe PRI, cap ID 0x13;
 * register bits from include/uapi/linux/pci_regs.h; device-side semantics per
 * ../shared/spec/hardware-model.md §1.1, §1.4, §1.6 and the state machine of
 * §5.3):
 *
 *   DISABLED(STOPPED=1) --enable--> ENABLED --RF latch--> FAILED (no new requests,
 *   outstanding responses still accepted); ENABLED|FAILED --disable--> STOPPING
 *   --outstanding==0--> DISABLED(STOPPED=1); DISABLED --reset--> credits and
 *   pending state cleared; Enable 0→1 clears RF and UPRGI.
 *
 * SR-IOV VFs have no PRI capability of their own: they share this one (and so
 * its RF), which is why a Response Failure on one VF stops PRI for the PF and
 * every VF (§1.1, §1.4, §5.4 #16). Functions subscribe to learn when PRI stops.
 */
import type { HwEnv } from './hw-env';
import { CreditPool } from './credit-pool';
import {
  PCI_PRI_CTRL_ENABLE,
  PCI_PRI_CTRL_RESET,
  PCI_PRI_STATUS_PASID,
  PCI_PRI_STATUS_RF,
  PCI_PRI_STATUS_STOPPED,
  PCI_PRI_STATUS_UPRGI,
} from './pci-regs';

export interface PriCapabilityConfig {
  /** Outstanding Page Request Capacity (RO register, requests). */
  readonly capacity: number;
  /** Status bit 15 "PRG Response PASID Required" (RO). */
  readonly prgRespPasidRequired: boolean;
  /**
   * Whether the Allocation applies to each function sharing the capability
   * ('perFunction') or to PF and VFs together ('shared'). The SR-IOV text was
   * not available to check — VERIFY; default 'perFunction'.
   */
  readonly creditScope?: 'perFunction' | 'shared';
}

/** Why PRI stopped accepting new requests. */
export type PriStopReason = 'rf' | 'disabled' | 'reset';

/** What a function sharing the capability is told. */
export interface PriListener {
  /** PRI stopped taking new requests ('reset' also forgets every pending group). */
  onPriStop(reason: PriStopReason, parent: number): void;
  /** Credits came back somewhere: waiting groups may go now. */
  onCreditsReturned(): void;
}

export class PriCapability {
  private control = 0;
  /** RF, UPRGI and STOPPED (the RO PASID bit is added on read). */
  private status = PCI_PRI_STATUS_STOPPED;
  private allocation = 0;
  private outstandingRequests = 0;
  private readonly listeners: PriListener[] = [];
  private readonly sharedPool = new CreditPool(() => this.allocation);

  constructor(
    private readonly env: HwEnv,
    /** RID of the PF that owns the capability (events name it). */
    readonly pfRid: number,
    private readonly cfg: PriCapabilityConfig,
  ) {}

  // --- configuration space, as software sees it -----------------------------

  readControl(): number {
    return this.control;
  }

  /** Status register; STOPPED is undefined while enabled and reads 0 here. */
  readStatus(): number {
    let s = this.status;
    if (this.enabled) s &= ~PCI_PRI_STATUS_STOPPED;
    return s | (this.cfg.prgRespPasidRequired ? PCI_PRI_STATUS_PASID : 0);
  }

  readCapacity(): number {
    return this.cfg.capacity;
  }

  readAllocation(): number {
    return this.allocation;
  }

  writeAllocation(value: number): void {
    this.allocation = value >>> 0;
  }

  /** RF and UPRGI are RW1C. */
  writeStatus(value: number): void {
    this.status &= ~(value & (PCI_PRI_STATUS_RF | PCI_PRI_STATUS_UPRGI));
  }

  /** Control write: ENABLE edges and RESET (RESET only acts while disabled). */
  writeControl(value: number, parent: number | null = null): void {
    const wasEnabled = this.enabled;
    const enable = (value & PCI_PRI_CTRL_ENABLE) !== 0;
    if (value & PCI_PRI_CTRL_RESET) {
      if (wasEnabled || enable) {
        this.env.trace.emit('device', 'PRI_STOPPED', this.pfRid, { parent, note: 'CTRL.RESET ignored: PRI enabled' });
      } else {
        this.reset(parent);
      }
    }
    this.control = enable ? PCI_PRI_CTRL_ENABLE : 0;
    if (!wasEnabled && enable) {
      // Enable 0→1 clears RF and UPRGI; STOPPED means nothing while enabled.
      this.status &= ~(PCI_PRI_STATUS_RF | PCI_PRI_STATUS_UPRGI | PCI_PRI_STATUS_STOPPED);
      this.env.trace.emit('device', 'PRI_ENABLE', this.pfRid, {
        parent,
        note: `allocation ${this.allocation}/${this.cfg.capacity}`,
      });
    } else if (wasEnabled && !enable) {
      const seq = this.env.trace.emit('device', 'PRI_DISABLE', this.pfRid, {
        parent,
        note: `${this.outstandingRequests} request(s) outstanding`,
      });
      for (const l of [...this.listeners]) l.onPriStop('disabled', seq);
      this.checkStopped(seq);
    }
  }

  // --- device internals -------------------------------------------------------

  get enabled(): boolean {
    return (this.control & PCI_PRI_CTRL_ENABLE) !== 0;
  }

  get rf(): boolean {
    return (this.status & PCI_PRI_STATUS_RF) !== 0;
  }

  get uprgi(): boolean {
    return (this.status & PCI_PRI_STATUS_UPRGI) !== 0;
  }

  /** STOPPED as the device holds it (meaningful only while disabled). */
  get stopped(): boolean {
    return !this.enabled && (this.status & PCI_PRI_STATUS_STOPPED) !== 0;
  }

  get prgRespPasidRequired(): boolean {
    return this.cfg.prgRespPasidRequired;
  }

  /** New page requests may be sent: enabled and no Response Failure latched. */
  get canRequest(): boolean {
    return this.enabled && !this.rf;
  }

  /** Requests outstanding over every function that shares the capability. */
  get outstanding(): number {
    return this.outstandingRequests;
  }

  subscribe(listener: PriListener): void {
    this.listeners.push(listener);
  }

  /** The credit pool a function draws from (its own, or the shared one). */
  poolFor(): CreditPool {
    return this.cfg.creditScope === 'shared' ? this.sharedPool : new CreditPool(() => this.allocation);
  }

  /** A Response Failure arrived at `rid`: PRI stops for every sharing function. */
  latchRf(rid: number, parent: number): number {
    this.status |= PCI_PRI_STATUS_RF;
    const seq = this.env.trace.emit('device', 'RF_LATCH', rid, {
      parent,
      note: `PRI of PF ${this.pfRid.toString(16)} stops for all ${this.listeners.length} function(s)`,
    });
    for (const l of [...this.listeners]) l.onPriStop('rf', seq);
    return seq;
  }

  /** A response named no outstanding group: UPRGI set, response ignored. */
  latchUprgi(rid: number, grpid: number, parent: number, why: string): number {
    this.status |= PCI_PRI_STATUS_UPRGI;
    return this.env.trace.emit('device', 'UPRGI_LATCH', rid, { grpid, parent, note: why });
  }

  requestsIssued(n: number): void {
    this.outstandingRequests += n;
  }

  requestsCompleted(n: number, parent: number): void {
    this.outstandingRequests = Math.max(0, this.outstandingRequests - n);
    this.checkStopped(parent);
  }

  creditsReturned(): void {
    for (const l of [...this.listeners]) l.onCreditsReturned();
  }

  /** Disabled and nothing outstanding: STOPPED becomes 1. */
  private checkStopped(parent: number | null): void {
    if (this.enabled || this.status & PCI_PRI_STATUS_STOPPED || this.outstandingRequests > 0) return;
    this.status |= PCI_PRI_STATUS_STOPPED;
    this.env.trace.emit('device', 'PRI_STOPPED', this.pfRid, { parent, note: 'STOPPED=1' });
  }

  /** CTRL.RESET while disabled: pending request state and credit counters cleared. */
  private reset(parent: number | null): void {
    const dropped = this.outstandingRequests;
    this.outstandingRequests = 0;
    this.sharedPool.clear();
    const seq = this.env.trace.emit('device', 'PRI_STOPPED', this.pfRid, {
      parent,
      note: `CTRL.RESET: ${dropped} outstanding request(s) forgotten, STOPPED=1`,
    });
    this.status |= PCI_PRI_STATUS_STOPPED;
    for (const l of [...this.listeners]) l.onPriStop('reset', seq);
  }
}
