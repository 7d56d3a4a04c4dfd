/**
 * The Linux AMD-Vi driver's PPR paths, following torvalds/linux
 * drivers/iommu/amd/ppr.c (amd_iommu_poll_ppr_log, iommu_call_iopf_notifier,
 * ppr_is_valid, amd_iommu_page_response, amd_iommu_iopf_add_device /
 * remove_device), drivers/iommu/amd/iommu.c (pdev_enable_cap_pri:
 * pci_reset_pri + pci_enable_pri(pdev, 32), pri_tlp; amd_iommu_handle_irq)
 * and drivers/iommu/amd/init.c (amd_iommu_restart_log):
 *
 *  IRQ thread: while STATUS has PPR int|overflow: W1C them; poll the log —
 *  for each entry: copy, zero it, ADVANCE AND WRITE HEAD, then handle; then, if
 *  overflow, restart the log (only if it is not running: disable log+IRQ, W1C
 *  overflow, enable IRQ then log). No iopf_queue_discard_partial().
 *  Handling: REQ_TYPE ≠ fault → log and ignore (NO response); no device →
 *  ignore; GN=0 or RVSD, or PASID 0 / ≥ max_pasids → COMPLETE_PPR FAILURE
 *  ("Nobody cared, abort"), even for a non-last request; else report with
 *  PASID_VALID | NEEDS_PASID (+ LAST_PAGE from tag bit 9).
 */
import { ERRNO } from '../../hw/errno';
import { pciDisablePri, pciEnableAts, pciEnablePasid, pciEnablePri, pciPrgRespPasidRequired, pciResetPri } from '../../hw/pci-ats';
import type { PciFunction } from '../../hw/pci-function';
import { formatRid } from '../../hw/rid';
import type { IommuDriver, IommuPageResponse, KernelDevice } from '../../kernel/iommu-core';
import { IOMMU_PAGE_RESP_FAILURE } from '../../kernel/iommu-core';
import type { IommuFaultPageRequest, IopfFault } from '../../kernel/iopf-types';
import { permBits, prmFlags, wireCode } from '../fault-conversion';
import type { IommuEnv } from '../iommu-env';
import type { VendorProfile } from '../vendor-profiles';
import {
  EVENT_IO_PAGE_FAULT,
  PPR_FLAG_EXEC,
  PPR_FLAG_GN,
  PPR_FLAG_READ,
  PPR_FLAG_RVSD,
  PPR_FLAG_US,
  PPR_FLAG_WRITE,
  PPR_REQ_FAULT,
  PPR_TAG_LAST,
  STATUS_EVT_INT,
  STATUS_EVT_OVERFLOW,
  STATUS_PPR_INT,
  STATUS_PPR_OVERFLOW,
  STATUS_PPR_RUN,
  type AmdHardware,
  type PprEntry,
} from './amd-hardware';

/** `struct iommu_dev_data`, reduced. */
interface DevData {
  readonly dev: KernelDevice;
  readonly fn: PciFunction;
  /** pci_max_pasids(). */
  readonly maxPasids: number;
  priEnabled: boolean;
  /** pci_prg_resp_pasid_required(): GN in COMPLETE_PPR. */
  priTlp: boolean;
  /** dev_data->ppr (DTE.PPR). */
  ppr: boolean;
}

export class AmdDriver implements IommuDriver {
  readonly vendor = 'amd' as const;
  /** Index of the IOMMU unit this driver instance serves (TraceEvent.iommu). */
  get unit(): number | null {
    return this.env.trace.iommu;
  }
  readonly userPasidTable: boolean;
  private readonly devices = new Map<number, DevData>();
  private threadRunning = false;
  private irqPending = false;

  constructor(
    private readonly env: IommuEnv,
    readonly hw: AmdHardware,
    readonly profile: VendorProfile,
  ) {
    this.userPasidTable = profile.userPasidTable;
    hw.onPprIrq = (parent) => this.irq(parent);
    hw.onEventIrq = (parent) => this.irq(parent);
  }

  /** Probe + attach: DTE valid, pdev_enable_caps() (ATS, PASID, PRI with 32 requests). */
  probeDevice(dev: KernelDevice, parent: number | null = null): number {
    const fn = this.hw.functionOf(dev.rid);
    if (!fn) return -ERRNO.ENODEV;
    if (this.devices.has(dev.rid)) return -ERRNO.EBUSY;
    const pasidFn = fn.pf ?? fn;
    const data: DevData = {
      dev,
      fn,
      maxPasids: pasidFn.pasidCap ? 1 << pasidFn.pasidCap.maxPasidWidth : 0,
      priEnabled: false,
      priTlp: false,
      ppr: false,
    };
    this.devices.set(dev.rid, data);
    this.hw.setDte(dev.rid, { valid: true, ppr: false, dev });
    if (fn.hasAts) pciEnableAts(fn);
    if (pasidFn.pasidCap) pciEnablePasid(fn);
    // pdev_enable_cap_pri(): only with ATS; "First reset the PRI state of the device."
    if (fn.kernel.atsEnabled && fn.pri && !pciResetPri(fn, parent) && !pciEnablePri(fn, this.profile.priAllocation ?? 32, parent)) {
      data.priEnabled = true;
      data.priTlp = pciPrgRespPasidRequired(fn);
    }
    return 0;
  }

  releaseDevice(dev: KernelDevice, parent: number | null = null): void {
    const d = this.devices.get(dev.rid);
    if (!d) return;
    if (d.ppr) this.disableIopf(dev, parent ?? 0);
    if (d.priEnabled) pciDisablePri(d.fn, parent);
    this.hw.clearDte(dev.rid);
    this.devices.delete(dev.rid);
  }

  /** amd_iommu_iopf_add_device(): returns 0 WITHOUT adding when PRI is not enabled. */
  enableIopf(dev: KernelDevice, parent: number): number {
    const d = this.devices.get(dev.rid);
    if (!d) return -ERRNO.ENODEV;
    if (!d.priEnabled) {
      this.env.trace.emit('kernel', 'IOPF_ENABLE', dev.rid, { parent, note: 'PRI not enabled on the device: returns 0, nothing added' });
      return 0;
    }
    const rc = this.env.iopf.queueAddDevice(dev);
    if (rc) return rc;
    d.ppr = true;
    const dte = this.hw.dte(dev.rid);
    if (dte) dte.ppr = true;
    this.env.trace.emit('kernel', 'IOPF_ENABLE', dev.rid, { parent, note: `iopf_queue_add_device → DTE.PPR=1 (PRI enabled at attach, ${this.profile.priAllocation} requests)` });
    return 0;
  }

  /** amd_iommu_iopf_remove_device(): the queue first, then dev_data->ppr (DTE.PPR) off. */
  disableIopf(dev: KernelDevice, parent: number): void {
    const d = this.devices.get(dev.rid);
    if (!d?.ppr) return;
    const seq = this.env.trace.emit('kernel', 'IOPF_DISABLE', dev.rid, { parent, note: 'iopf_queue_remove_device → DTE.PPR=0 (PRI stays enabled)' });
    this.env.iopf.queueRemoveDevice(dev, seq);
    d.ppr = false;
    const dte = this.hw.dte(dev.rid);
    if (dte) dte.ppr = false;
  }

  /** amd_iommu_page_response() → amd_iommu_complete_ppr(dev, pasid, code, grpid). */
  pageResponse(dev: KernelDevice, _evt: IopfFault, resp: IommuPageResponse, parent: number): void {
    this.completePpr(dev.rid, resp.pasid, resp.code, resp.grpid, parent, 'amd_iommu_page_response');
  }

  // --- IRQ thread ---------------------------------------------------------------------

  private irq(parent: number): void {
    if (this.threadRunning) {
      this.irqPending = true;
      return;
    }
    this.threadRunning = true;
    this.env.sched.after(this.profile.irqThreadNs, () => this.handleIrq(parent));
  }

  /** amd_iommu_handle_irq(): loop while any PPR/event status bit is set. */
  private handleIrq(parent: number): void {
    const status = this.hw.readStatus();
    const mask = STATUS_PPR_INT | STATUS_PPR_OVERFLOW | STATUS_EVT_INT | STATUS_EVT_OVERFLOW;
    if (!(status & mask)) return this.threadDone(parent);
    this.hw.writeStatus(status & mask); // Enable interrupt sources again
    this.drainEvents();
    const head = this.hw.pprLog.head;
    const tail = this.hw.pprLog.tail;
    this.poll(head, tail, status, parent);
  }

  /** amd_iommu_poll_ppr_log(): head written before each entry is handled. */
  private poll(head: number, tail: number, status: number, parent: number): void {
    if (head === tail) {
      if (status & STATUS_PPR_OVERFLOW) this.restartLog(parent);
      return this.handleIrq(parent); // status = readl(...) and loop
    }
    const entry = this.hw.pprLog.at(head)!;
    const next = this.hw.pprLog.next(head);
    this.hw.pprLog.setHead(next); // "Update head pointer of hardware ring-buffer" — then handle
    this.handle(entry);
    this.env.sched.after(this.profile.perEntryNs, () => this.poll(next, tail, status, parent));
  }

  private handle(e: PprEntry): void {
    const gn = (e.flags & PPR_FLAG_GN) !== 0;
    const pasid = gn ? e.pasid : null;
    const base = { pasid, grpid: e.tag & 0x1ff, addr: e.addr, parent: e.seq };
    if (e.reqType !== PPR_REQ_FAULT) {
      this.env.trace.emit('kernel', 'DRV_REJECT', e.devid, { ...base, note: `Unknown PPR request received (REQ_TYPE ${e.reqType}): ignored, no response` });
      return;
    }
    const d = this.devices.get(e.devid);
    if (!d) {
      this.env.trace.emit('kernel', 'DRV_REJECT', e.devid, { ...base, note: `no pci_dev/dev_data for ${formatRid(e.devid)}: ignored, no response` });
      return;
    }
    let why: string | null = null;
    if (!gn) why = 'Request ignored due to GN=0';
    else if (e.flags & PPR_FLAG_RVSD) why = 'Invalid request format (RVSD)';
    else if (e.pasid === 0 || e.pasid >= d.maxPasids) why = `Invalid PASID : 0x${e.pasid.toString(16)}`;
    if (why) {
      const seq = this.env.trace.emit('kernel', 'DRV_REJECT', e.devid, {
        ...base,
        code: IOMMU_PAGE_RESP_FAILURE,
        note: `${why}: Nobody cared, abort (COMPLETE_PPR FAILURE${e.tag & PPR_TAG_LAST ? '' : ', even though not last'})`,
      });
      this.completePpr(e.devid, e.pasid, IOMMU_PAGE_RESP_FAILURE, e.tag, seq, 'ppr.c out:');
      return;
    }
    const last = (e.tag & PPR_TAG_LAST) !== 0;
    const prm: IommuFaultPageRequest = {
      flags: prmFlags(this.profile, true, last),
      pasid: e.pasid,
      grpid: e.tag & this.profile.grpidMask,
      perm: permBits((e.flags & PPR_FLAG_READ) !== 0, (e.flags & PPR_FLAG_WRITE) !== 0, (e.flags & PPR_FLAG_EXEC) !== 0, !(e.flags & PPR_FLAG_US)),
      addr: e.addr,
    };
    const seq = this.env.trace.emit('kernel', 'DRV_CONSUME', e.devid, {
      ...base,
      grpid: prm.grpid,
      perm: prm.perm,
      note: `iommu_report_device_fault${last ? ' (last)' : ''}${!(e.flags & (PPR_FLAG_READ | PPR_FLAG_WRITE)) ? ' — no R/W: a Stop Marker, not filtered' : ''}`,
    });
    this.env.iopf.reportDeviceFault(d.dev, prm, seq);
  }

  /** amd_iommu_complete_ppr(): GN = dev_data->pri_tlp. */
  private completePpr(devid: number, pasid: number, code: number, tag: number, parent: number, who: string): void {
    const d = this.devices.get(devid);
    const gn = d?.priTlp ?? false;
    const status = wireCode(this.profile, code);
    this.hw.completePpr(devid, pasid, gn, tag, status, parent, who);
  }

  /** amd_iommu_restart_log(): only if not running; lost entries do not come back. */
  private restartLog(parent: number): void {
    if (this.hw.readStatus() & STATUS_PPR_RUN) return;
    this.hw.setPprLogEnabled(false);
    this.hw.pprIntEnabled = false;
    this.hw.writeStatus(STATUS_PPR_OVERFLOW);
    this.hw.pprIntEnabled = true;
    this.hw.setPprLogEnabled(true);
    this.env.trace.emit('iommu', 'PRQ_OVF_CLEAR', null, {
      parent: this.hw.overflowCause ?? parent,
      note: 'IOMMU PPR log restarting (overflow W1C, log re-enabled; lost entries do not come back)',
    });
  }

  /** Event log: IO_PAGE_FAULT records → log + seed-003 consumers. */
  private drainEvents(): void {
    for (let e = this.hw.eventLog.pop(); e; e = this.hw.eventLog.pop()) {
      const seq = this.env.trace.emit('kernel', 'UNRECOV_FAULT', e.devid, {
        pasid: e.pasid,
        addr: e.addr,
        code: e.type,
        perm: e.write ? 2 : 1,
        parent: e.seq,
        note: `AMD-Vi: Event logged [IO_PAGE_FAULT device=${formatRid(e.devid)} address=0x${e.addr.toString(16)}]`,
      });
      const d = this.devices.get(e.devid);
      if (d && e.type === EVENT_IO_PAGE_FAULT)
        this.env.faults?.report(d.dev, { vendor: 'amd', reason: e.type, reasonText: 'IO_PAGE_FAULT', addr: e.addr, pasid: e.pasid, perm: e.write ? 2 : 1 }, seq);
    }
  }

  private threadDone(parent: number): void {
    this.threadRunning = false;
    if (this.irqPending) {
      this.irqPending = false;
      this.irq(parent);
    }
  }
}

