/**
 * The Linux SMMUv3 driver's fault paths, following torvalds/linux
 * drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c:
 *  - arm_smmu_priq_thread / arm_smmu_handle_ppr: every PRIQ entry is an
 *    "unexpected PRI request"; if Last, CMD_PRI_RESP with PRI_RESP_DENY (0b00,
 *    which the Arm spec defines as ResponseFailure → the device latches RF).
 *    CONS moves per entry (queue_remove_raw); overflow: "PRIQ overflow detected
 *    -- requests lost", then queue_sync_cons_ovf() acks. No partial discard.
 *    Profile 'reportIopf' instead models J-P. Brucker's unmerged PRI series.
 *  - arm_smmu_evtq_thread / arm_smmu_handle_event: IDs 0x04/0x06/0x08/0x0a/
 *    0x10–0x13; a Stall=1 record becomes an IOPF with LAST_PAGE always,
 *    grpid = STAG, full IOVA, perm READ if RnW else WRITE (+EXEC if InD, +PRIV
 *    if PnU), PASID_VALID if SSV; others are dumped (and handed to seed-003
 *    consumers). EVTQ overflow: "EVTQ overflow detected -- events lost".
 *  - arm_smmu_page_response: CMD_RESUME(streams[0], grpid, RETRY on SUCCESS,
 *    ABORT on INVALID/FAILURE, TERM otherwise); no CMD_SYNC.
 *  - IOPF enable only for stall_enabled masters with exactly one stream.
 */
import { ERRNO } from '../../hw/errno';
import { pciDisablePri, pciEnableAts, pciEnablePasid, pciEnablePri, pciResetPri } from '../../hw/pci-ats';
import type { PciFunction } from '../../hw/pci-function';
import type { IommuDriver, IommuPageResponse, KernelDevice } from '../../kernel/iommu-core';
import {
  IOMMU_FAULT_PAGE_REQUEST_PASID_VALID,
  IOMMU_PAGE_RESP_FAILURE,
  IOMMU_PAGE_RESP_INVALID,
  IOMMU_PAGE_RESP_SUCCESS,
} from '../../kernel/iommu-core';
import type { IommuFaultPageRequest, IopfFault } from '../../kernel/iopf-types';
import { permBits, prmFlags } from '../fault-conversion';
import type { IommuEnv } from '../iommu-env';
import type { VendorProfile } from '../vendor-profiles';
import {
  CMDQ_RESUME_0_RESP_ABORT,
  CMDQ_RESUME_0_RESP_RETRY,
  CMDQ_RESUME_0_RESP_TERM,
  HANDLED_EVENTS,
  PRI_RESP_DENY,
  PRI_RESP_FAIL,
  PRI_RESP_SUCC,
  evtName,
  type EvtqEntry,
  type PriqEntry,
} from './smmu-formats';
import type { SmmuHardware } from './smmu-hardware';

/** `struct arm_smmu_master`, reduced. */
interface Master {
  readonly dev: KernelDevice;
  readonly fn: PciFunction;
  readonly streams: readonly number[];
  readonly stallEnabled: boolean;
  iopfEnabled: boolean;
  priEnabled: boolean;
}

export class SmmuDriver implements IommuDriver {
  readonly vendor = 'smmuv3' as const;
  /** Index of the IOMMU unit this driver instance serves (TraceEvent.iommu). */
  get unit(): number | null {
    return this.env.trace.iommu;
  }
  readonly userPasidTable: boolean;
  /** `smmu->streams` rb-tree: StreamID → master. */
  private readonly masters = new Map<number, Master>();
  private priqThread: { running: boolean; pending: boolean } = { running: false, pending: false };
  private evtqThread: { running: boolean; pending: boolean } = { running: false, pending: false };

  constructor(
    private readonly env: IommuEnv,
    readonly hw: SmmuHardware,
    readonly profile: VendorProfile,
  ) {
    this.userPasidTable = profile.userPasidTable;
    hw.onPriqIrq = (parent) => this.irq(this.priqThread, parent, () => this.drainPriq(parent));
    hw.onEvtqIrq = (parent) => this.irq(this.evtqThread, parent, () => this.drainEvtq(parent));
  }

  /** arm_smmu_probe_device + attach: STE valid, ATS/PASID on for PCIe, stall per firmware. */
  probeDevice(dev: KernelDevice, _parent: number | null = null): number {
    const fn = this.hw.functionOf(dev.rid);
    if (!fn) return -ERRNO.ENODEV;
    if (this.masters.has(dev.rid)) return -ERRNO.EBUSY;
    const stallEnabled = this.hw.masterCanStall(dev.rid) && this.profile.stall !== null;
    this.masters.set(dev.rid, { dev, fn, streams: [dev.rid], stallEnabled, iopfEnabled: false, priEnabled: false });
    this.hw.setSte(dev.rid, { valid: true, dev, stall: stallEnabled, ppar: fn.kernel.pasidRequired, razWi: false });
    if (fn.hasAts && !stallEnabled) pciEnableAts(fn);
    if (fn.pasidCap || fn.isVf) pciEnablePasid(fn);
    return 0;
  }

  releaseDevice(dev: KernelDevice, parent: number | null = null): void {
    const m = this.masters.get(dev.rid);
    if (!m) return;
    if (m.iopfEnabled) this.disableIopf(dev, parent ?? 0);
    this.hw.clearSte(dev.rid);
    this.masters.delete(dev.rid);
  }

  enableIopf(dev: KernelDevice, parent: number): number {
    const m = this.masters.get(dev.rid);
    if (!m) return -ERRNO.ENODEV;
    if (m.iopfEnabled) return -ERRNO.EBUSY;
    if (m.stallEnabled) {
      // "We're not keeping track of SIDs in fault events"
      if (m.streams.length !== 1) return -ERRNO.EINVAL;
      const rc = this.env.iopf.queueAddDevice(dev);
      if (rc) return rc;
      m.iopfEnabled = true;
      this.env.trace.emit('kernel', 'IOPF_ENABLE', dev.rid, { parent, note: 'stall master: iopf_queue_add_device' });
      return 0;
    }
    if (this.profile.smmuPriHandling !== 'reportIopf' || !m.fn.pri || !m.fn.kernel.atsEnabled) return -ERRNO.EINVAL;
    // Unmerged PRI series: arm_smmu_enable_pri(); "TODO: find a good inflight PPR number".
    const seq = this.env.trace.emit('kernel', 'IOPF_ENABLE', dev.rid, {
      parent,
      note: `PRI series: iopf_queue_add_device → pci_enable_pri(${this.profile.priAllocation ?? this.profile.queueDepth})`,
    });
    let rc = this.env.iopf.queueAddDevice(dev);
    if (rc) return rc;
    rc = pciResetPri(m.fn, seq) || pciEnablePri(m.fn, this.profile.priAllocation ?? this.profile.queueDepth, seq);
    if (rc) {
      this.env.iopf.queueRemoveDevice(dev, seq);
      return rc;
    }
    m.iopfEnabled = true;
    m.priEnabled = true;
    return 0;
  }

  disableIopf(dev: KernelDevice, parent: number): void {
    const m = this.masters.get(dev.rid);
    if (!m?.iopfEnabled) return;
    const seq = this.env.trace.emit('kernel', 'IOPF_DISABLE', dev.rid, {
      parent,
      note: m.priEnabled ? 'iopf_queue_remove_device → pci_disable_pri' : 'iopf_queue_remove_device',
    });
    this.env.iopf.queueRemoveDevice(dev, seq);
    if (m.priEnabled) pciDisablePri(m.fn, seq);
    m.iopfEnabled = false;
    m.priEnabled = false;
  }

  pageResponse(dev: KernelDevice, evt: IopfFault, resp: IommuPageResponse, parent: number): void {
    const m = this.masters.get(dev.rid);
    if (!m || (!m.stallEnabled && !m.priEnabled)) {
      this.env.trace.emit('kernel', 'DRV_REJECT', dev.rid, { grpid: resp.grpid, code: resp.code, parent, note: 'arm_smmu_page_response: WARN_ON(!master->stall_enabled), nothing sent' });
      return;
    }
    if (m.stallEnabled) {
      const action =
        resp.code === IOMMU_PAGE_RESP_SUCCESS
          ? CMDQ_RESUME_0_RESP_RETRY
          : resp.code === IOMMU_PAGE_RESP_INVALID || resp.code === IOMMU_PAGE_RESP_FAILURE
            ? CMDQ_RESUME_0_RESP_ABORT
            : CMDQ_RESUME_0_RESP_TERM;
      this.hw.cmdResume(m.streams[0]!, resp.grpid, action, parent);
      return;
    }
    const pri = resp.code === IOMMU_PAGE_RESP_SUCCESS ? PRI_RESP_SUCC : resp.code === IOMMU_PAGE_RESP_INVALID ? PRI_RESP_FAIL : PRI_RESP_DENY;
    const ssv = (evt.prm.flags & IOMMU_FAULT_PAGE_REQUEST_PASID_VALID) !== 0 && (this.hw.ste(dev.rid)?.ppar ?? false);
    this.hw.cmdPriResp(m.streams[0]!, evt.prm.pasid, ssv, resp.grpid & 0x1ff, pri, parent);
  }

  // --- threaded IRQ handlers -----------------------------------------------------------

  private irq(t: { running: boolean; pending: boolean }, _parent: number, run: () => void): void {
    if (t.running) {
      t.pending = true;
      return;
    }
    t.running = true;
    this.env.sched.after(this.profile.irqThreadNs, run);
  }

  private done(t: { running: boolean; pending: boolean }, again: () => void): void {
    t.running = false;
    if (t.pending) {
      t.pending = false;
      t.running = true;
      this.env.sched.after(this.profile.irqThreadNs, again);
    }
  }

  /** arm_smmu_priq_thread: per-entry CONS update; ack the overflow once drained. */
  private drainPriq(parent: number): void {
    const e = this.hw.priq.pop();
    if (e) {
      this.handlePpr(e);
      this.env.sched.after(this.profile.perEntryNs, () => this.drainPriq(parent));
      return;
    }
    if (this.hw.priqOvf.active) {
      const cause = this.hw.priqOverflowCause ?? parent;
      this.hw.priqOvf.ack(); // queue_sync_cons_ovf()
      this.env.trace.emit('iommu', 'PRQ_OVF_CLEAR', null, { parent: cause, note: 'PRIQ overflow detected -- requests lost; CONS.OVACKFLG = PROD.OVFLG' });
    }
    this.done(this.priqThread, () => this.drainPriq(parent));
  }

  private handlePpr(e: PriqEntry): void {
    const pasid = e.ssv ? e.ssid : null;
    if (this.profile.smmuPriHandling === 'reportIopf') {
      const m = this.masters.get(e.sid);
      if (e.last && !e.read && !e.write && e.ssv) {
        this.env.trace.emit('kernel', 'DRV_CONSUME', e.sid, { pasid, grpid: e.prgi, parent: e.seq, note: 'Stop Marker dropped' });
        return;
      }
      if (m?.priEnabled) {
        const prm: IommuFaultPageRequest = {
          flags: prmFlags(this.profile, e.ssv, e.last),
          pasid: e.ssid,
          grpid: e.prgi,
          perm: permBits(e.read, e.write, e.exec, e.priv),
          addr: e.addr,
        };
        const seq = this.env.trace.emit('kernel', 'DRV_CONSUME', e.sid, { pasid, grpid: e.prgi, addr: e.addr, perm: prm.perm, parent: e.seq, note: 'PRI series: report' });
        this.env.iopf.reportDeviceFault(m.dev, prm, seq);
        return;
      }
    }
    const seq = this.env.trace.emit('kernel', 'DRV_REJECT', e.sid, {
      pasid,
      grpid: e.prgi,
      addr: e.addr,
      code: e.last ? PRI_RESP_DENY : null,
      parent: e.seq,
      note: `unexpected PRI request received${e.last ? ': CMD_PRI_RESP PRI_RESP_DENY' : ' (not Last: no response)'}`,
    });
    if (e.last) this.hw.cmdPriResp(e.sid, e.ssid, e.ssv, e.prgi, PRI_RESP_DENY, seq);
  }

  /** arm_smmu_evtq_thread: decode + handle each record, CONS per entry. */
  private drainEvtq(parent: number): void {
    const e = this.hw.evtq.pop();
    if (e) {
      this.handleEvent(e);
      this.env.sched.after(this.profile.perEntryNs, () => this.drainEvtq(parent));
      return;
    }
    if (this.hw.evtqOvf.active) {
      const cause = this.hw.evtqOverflowCause ?? parent;
      this.hw.evtqOvf.ack();
      this.env.trace.emit('iommu', 'PRQ_OVF_CLEAR', null, { parent: cause, note: 'EVTQ overflow detected -- events lost; CONS.OVACKFLG = PROD.OVFLG' });
    }
    this.done(this.evtqThread, () => this.drainEvtq(parent));
  }

  private handleEvent(e: EvtqEntry): void {
    const pasid = e.ssv ? e.ssid : null;
    const m = this.masters.get(e.sid);
    const perm = permBits(e.rnw, !e.rnw, e.ind, e.pnu);
    if (HANDLED_EVENTS.has(e.id) && m && e.stall) {
      const prm: IommuFaultPageRequest = {
        flags: prmFlags(this.profile, e.ssv, true), // stalls are single-request "groups"
        pasid: e.ssid,
        grpid: e.stag,
        perm,
        addr: e.addr, // full IOVA, not page aligned
      };
      const seq = this.env.trace.emit('kernel', 'DRV_CONSUME', e.sid, {
        pasid,
        grpid: e.stag,
        addr: e.addr,
        perm,
        code: e.id,
        parent: e.seq,
        note: `${evtName(e.id)} Stall=1 → iommu_report_device_fault`,
      });
      this.env.iopf.reportDeviceFault(m.dev, prm, seq);
      return;
    }
    // -EOPNOTSUPP / no master: arm_smmu_dump_event (rate-limited log).
    const seq = this.env.trace.emit('kernel', 'UNRECOV_FAULT', e.sid, {
      pasid,
      addr: e.addr,
      perm,
      code: e.id,
      parent: e.seq,
      note: `event 0x${e.id.toString(16).padStart(2, '0')} ${evtName(e.id)} received${e.stall ? ` (Stall=1 STAG ${e.stag}, no master: never resumed)` : ''}`,
    });
    if (m) this.env.faults?.report(m.dev, { vendor: 'smmuv3', reason: e.id, reasonText: evtName(e.id), addr: e.addr, pasid, perm }, seq);
  }
}
