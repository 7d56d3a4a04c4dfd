/**
 * The Linux VT-d driver's fault paths, following torvalds/linux
 * drivers/iommu/intel/prq.c (prq_event_thread, handle_bad_prq_event,
 * intel_prq_report, intel_iommu_page_response), drivers/iommu/intel/iommu.c
 * (intel_iommu_enable_iopf / disable_iopf with context_flip_pri, v6.12–v6.14;
 * the v6.15 "Move PRI enablement in probe path" shape as 'probePri') and
 * drivers/iommu/intel/dmar.c (dmar_fault). prq_event_thread, exactly:
 *
 *   W1C PRS.PPR; tail = PQT; head = PQH
 *   while head != tail: non-canonical / PM+R|W / X+R → bad_req(INVALID);
 *     LPIG && !R && !W → skip (Stop Marker); unknown RID → bad_req;
 *     else report to io-pgfault
 *   PQH = tail                                   (whole batch released at once)
 *   if PRS.PRO: re-read; only if head == tail: iopf_queue_discard_partial; W1C PRO
 *   bad_req answers only when LPIG (non-last requests are silently dropped).
 */
import { ERRNO } from '../../hw/errno';
import { pciDisablePri, pciEnableAts, pciEnablePasid, pciEnablePri, pciPrgRespPasidRequired, pciResetPri } from '../../hw/pci-ats';
import type { PciFunction } from '../../hw/pci-function';
import { formatRid } from '../../hw/rid';
import type { IommuDriver, IommuPageResponse, KernelDevice } from '../../kernel/iommu-core';
import { IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE, IOMMU_FAULT_PAGE_REQUEST_PASID_VALID } from '../../kernel/iommu-core';
import type { IommuFaultPageRequest, IopfFault } from '../../kernel/iopf-types';
import { isCanonical, permBits, prmFlags, wireCode } from '../fault-conversion';
import type { IommuEnv } from '../iommu-env';
import type { VendorProfile } from '../vendor-profiles';
import type { PrqDescriptor } from './descriptors';
import { vtdReasonText } from './fault-recording';
import { DMA_PRS_PPR, DMA_PRS_PRO, type VtdHardware } from './vtd-hardware';

/** `QI_RESP_INVALID` */
const QI_RESP_INVALID = 0x1;

/** `struct device_domain_info`, reduced. */
interface DeviceInfo {
  readonly dev: KernelDevice;
  readonly fn: PciFunction;
  priEnabled: boolean;
  iopfRefcount: number;
}

export class VtdDriver implements IommuDriver {
  readonly vendor = 'vtd' as const;
  /** Index of the IOMMU unit this driver instance serves (TraceEvent.iommu). */
  get unit(): number | null {
    return this.env.trace.iommu;
  }
  readonly userPasidTable: boolean;
  /** `device_rbtree`: RID → device, for prq_event_thread's lookup. */
  private readonly devices = new Map<number, DeviceInfo>();
  private prqThreadRunning = false;
  private prqIrqPending = false;
  private faultThreadQueued = false;
  /** `iommu->prq_seq_number` of trace_prq_report. */
  private prqSeqNumber = 0;

  constructor(
    private readonly env: IommuEnv,
    readonly hw: VtdHardware,
    readonly profile: VendorProfile,
  ) {
    this.userPasidTable = profile.userPasidTable;
    hw.onPageRequestEvent = (parent) => this.prqIrq(parent);
    hw.onFaultEvent = (parent) => this.faultIrq(parent);
  }

  // --- probe / release ---------------------------------------------------------------

  /**
   * intel_iommu_probe_device(): RID into the rbtree, context entry present,
   * ATS and PASID enabled; with 'probePri' also PRE and PRI (PRQ_DEPTH).
   */
  probeDevice(dev: KernelDevice, parent: number | null = null): number {
    const fn = this.hw.functionOf(dev.rid);
    if (!fn) return -ERRNO.ENODEV;
    if (this.devices.has(dev.rid)) return -ERRNO.EBUSY;
    const info: DeviceInfo = { dev, fn, priEnabled: false, iopfRefcount: 0 };
    this.devices.set(dev.rid, info);
    const probePri = this.profile.iopfEnableModel === 'probePri';
    this.hw.setContext(dev.rid, { present: true, pre: probePri && fn.pri !== null, dev });
    if (fn.hasAts) pciEnableAts(fn);
    if (fn.pasidCap || fn.isVf) pciEnablePasid(fn);
    if (probePri) this.enablePciPri(info, parent);
    return 0;
  }

  releaseDevice(dev: KernelDevice, parent: number | null = null): void {
    const info = this.devices.get(dev.rid);
    if (!info) return;
    if (info.priEnabled && this.profile.iopfEnableModel === 'probePri') {
      if (info.iopfRefcount) this.env.iopf.queueRemoveDevice(dev, parent ?? 0); // WARN_ON(info->iopf_refcount)
      pciDisablePri(info.fn, parent);
      info.priEnabled = false;
    }
    this.hw.clearContext(dev.rid);
    this.devices.delete(dev.rid);
  }

  // --- IommuDriver ------------------------------------------------------------------

  enableIopf(dev: KernelDevice, parent: number): number {
    const info = this.devices.get(dev.rid);
    if (!info) return -ERRNO.ENODEV;
    if (this.profile.iopfEnableModel === 'probePri') {
      if (!info.priEnabled) return -ERRNO.ENODEV;
      if (info.iopfRefcount) {
        info.iopfRefcount++;
        return 0;
      }
      const rc = this.env.iopf.queueAddDevice(dev);
      if (rc) return rc;
      info.iopfRefcount = 1;
      this.env.trace.emit('kernel', 'IOPF_ENABLE', dev.rid, { parent, note: 'iopf_queue_add_device (PRI enabled at probe)' });
      return 0;
    }
    // v6.12–v6.14 intel_iommu_enable_iopf()
    const fn = info.fn;
    if (!fn.kernel.atsEnabled || !fn.pri) return -ERRNO.ENODEV;
    if (info.priEnabled) return -ERRNO.EBUSY;
    if (fn.kernel.pasidEnabled && !pciPrgRespPasidRequired(fn)) return -ERRNO.EINVAL; // PASID is required in PRG Response Message.
    const seq = this.env.trace.emit('kernel', 'IOPF_ENABLE', dev.rid, {
      parent,
      note: `pci_reset_pri → iopf_queue_add_device → context PRE=1 → pci_enable_pri(${this.profile.priAllocation})`,
    });
    let rc = pciResetPri(fn, seq);
    if (rc) return rc;
    rc = this.env.iopf.queueAddDevice(dev);
    if (rc) return rc;
    this.flipPri(dev.rid, true);
    rc = pciEnablePri(fn, this.profile.priAllocation ?? 0, seq);
    if (rc) {
      this.flipPri(dev.rid, false);
      this.env.iopf.queueRemoveDevice(dev, seq);
      return rc;
    }
    info.priEnabled = true;
    return 0;
  }

  disableIopf(dev: KernelDevice, parent: number): void {
    const info = this.devices.get(dev.rid);
    if (!info) return;
    if (this.profile.iopfEnableModel === 'probePri') {
      if (!info.priEnabled || !info.iopfRefcount) return; // WARN_ON
      if (--info.iopfRefcount) return;
      const seq = this.env.trace.emit('kernel', 'IOPF_DISABLE', dev.rid, { parent, note: 'iopf_queue_remove_device (PRI stays enabled)' });
      this.env.iopf.queueRemoveDevice(dev, seq);
      return;
    }
    if (!info.priEnabled) return;
    const seq = this.env.trace.emit('kernel', 'IOPF_DISABLE', dev.rid, {
      parent,
      note: 'context PRE=0 → iopf_queue_remove_device → pci_disable_pri',
    });
    this.flipPri(dev.rid, false); // Disable new PRI reception
    this.env.iopf.queueRemoveDevice(dev, seq); // acknowledge all outstanding PRQs to the device
    pciDisablePri(info.fn, seq);
    info.priEnabled = false;
  }

  /** intel_iommu_page_response(): the descriptor is rebuilt from the STORED request. */
  pageResponse(dev: KernelDevice, evt: IopfFault, resp: IommuPageResponse, parent: number): void {
    const prm = evt.prm;
    const pasidPresent = (prm.flags & IOMMU_FAULT_PAGE_REQUEST_PASID_VALID) !== 0;
    const lastPage = (prm.flags & IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE) !== 0;
    const code = wireCode(this.profile, resp.code);
    // The core already recorded PAGE_RESPONSE; the QI descriptor (CMD_RESP) shows the encoding.
    this.hw.submitPageGroupResponse(
      { rid: dev.rid, pasidPresent, pasid: prm.pasid, code, prgIndex: prm.grpid & 0x1ff, lpig: lastPage },
      parent,
      `intel_iommu_page_response(code ${resp.code})`,
    );
  }

  // --- prq_event_thread ------------------------------------------------------------------

  private prqIrq(parent: number): void {
    if (this.prqThreadRunning) {
      this.prqIrqPending = true; // IRQF_ONESHOT: runs again once the thread returns
      return;
    }
    this.prqThreadRunning = true;
    this.env.sched.after(this.profile.irqThreadNs, () => this.prqThread(parent));
  }

  private prqThread(parent: number): void {
    this.hw.writePrs(DMA_PRS_PPR); // before reading head/tail, so a new IRQ is not lost
    const tail = this.hw.readPqt();
    const head = this.hw.readPqh();
    this.step(head, tail, 0, this.hw.prq.count, parent);
  }

  private step(head: number, tail: number, i: number, n: number, parent: number): void {
    if (head === tail) return this.finishBatch(tail, n, parent);
    const req = this.hw.prq.at(head)!;
    const next = this.hw.prq.next(head);
    if (this.profile.headUpdate === 'perEntryBeforeHandle') this.hw.writePqh(next);
    this.handle(req, i, n);
    if (this.profile.headUpdate === 'perEntry') this.hw.writePqh(next);
    this.env.sched.after(this.profile.perEntryNs, () => this.step(next, tail, i + 1, n, parent));
  }

  private handle(req: PrqDescriptor, i: number, n: number): void {
    const where = `entry ${i + 1}/${n} of batch`;
    if (!isCanonical(req.addr, this.profile.canonicalVaBits)) return this.badReq(req, 'Address is not canonical');
    if (req.pm && (req.rd || req.wr)) return this.badReq(req, 'Page request in Privilege Mode');
    if (req.exe && req.rd) return this.badReq(req, 'Execution request not supported');
    if (req.lpig && !req.rd && !req.wr) {
      // Drop Stop Marker message. No need for a response.
      this.env.trace.emit('kernel', 'DRV_CONSUME', req.rid, {
        pasid: req.pasidPresent ? req.pasid : null,
        grpid: req.prgIndex,
        parent: req.seq,
        note: `${where}: Stop Marker dropped${req.pasidPresent ? '' : ' (no PASID: a real page request per PCIe, dropped anyway)'}`,
      });
      return;
    }
    const info = this.devices.get(req.rid);
    if (!info) return this.badReq(req, `no device for RID ${formatRid(req.rid)} in the rbtree`);
    const prm: IommuFaultPageRequest = {
      flags: prmFlags(this.profile, req.pasidPresent, req.lpig),
      pasid: req.pasid,
      grpid: req.prgIndex,
      perm: permBits(req.rd, req.wr, req.exe, req.pm),
      addr: req.addr,
    };
    const seq = this.env.trace.emit('kernel', 'DRV_CONSUME', req.rid, {
      pasid: req.pasidPresent ? req.pasid : null,
      grpid: req.prgIndex,
      addr: req.addr,
      perm: prm.perm,
      parent: req.seq,
      note: `${where}: intel_prq_report (prq_seq ${this.prqSeqNumber++})${req.lpig ? ' LPIG' : ''}`,
    });
    this.env.iopf.reportDeviceFault(info.dev, prm, seq);
  }

  /** handle_bad_prq_event(): log; a response only when the request is the last of its group. */
  private badReq(req: PrqDescriptor, why: string): void {
    const seq = this.env.trace.emit('kernel', 'DRV_REJECT', req.rid, {
      pasid: req.pasidPresent ? req.pasid : null,
      grpid: req.prgIndex,
      addr: req.addr,
      code: QI_RESP_INVALID,
      parent: req.seq,
      note: `Invalid page request: ${why}${req.lpig ? '' : ' (LPIG=0: no response)'}`,
    });
    if (!req.lpig) return;
    this.hw.submitPageGroupResponse(
      { rid: req.rid, pasidPresent: req.pasidPresent, pasid: req.pasid, code: QI_RESP_INVALID, prgIndex: req.prgIndex, lpig: req.lpig },
      seq,
      'handle_bad_prq_event',
    );
  }

  private finishBatch(tail: number, n: number, parent: number): void {
    if (this.profile.headUpdate === 'afterBatch') this.hw.writePqh(tail);
    if (this.hw.readPrs() & DMA_PRS_PRO) {
      const head = this.hw.readPqh();
      const nowTail = this.hw.readPqt();
      if (head === nowTail) {
        const cause = this.hw.overflowCause ?? parent;
        if (this.profile.partialDiscardOnOverflow) this.env.iopf.discardPartial(cause);
        this.hw.writePrs(DMA_PRS_PRO);
        this.env.trace.emit('iommu', 'PRQ_OVF_CLEAR', null, {
          parent: cause,
          note: `PRQ overflow cleared after a batch of ${n}${this.profile.partialDiscardOnOverflow ? ' (partial faults discarded first)' : ''}`,
        });
      }
    }
    this.prqThreadRunning = false;
    if (this.prqIrqPending) {
      this.prqIrqPending = false;
      this.prqIrq(parent);
    }
  }

  // --- dmar_fault -----------------------------------------------------------------------

  private faultIrq(parent: number): void {
    if (this.faultThreadQueued) return;
    this.faultThreadQueued = true;
    this.env.sched.after(this.profile.irqThreadNs, () => this.faultThread(parent));
  }

  /** dmar_fault(): from FSTS.FRI, every record with F=1; clear F; then W1C PFO|PPF. */
  private faultThread(_parent: number): void {
    this.faultThreadQueued = false;
    const frcd = this.hw.frcd;
    if (frcd.ppf) {
      let index = frcd.fstsFri;
      for (let n = 0; n < frcd.count; n++) {
        const rec = frcd.read(index);
        if (!rec) break;
        const reasonText = vtdReasonText(rec.reason);
        const seq = this.env.trace.emit('kernel', 'UNRECOV_FAULT', rec.rid, {
          pasid: rec.pasid,
          addr: rec.addr,
          code: rec.reason,
          perm: rec.write ? 2 : 1,
          parent: rec.seq,
          note: `DMAR: [DMA ${rec.write ? 'Write' : 'Read'} ${rec.pasid === null ? 'NO_PASID' : `PASID 0x${rec.pasid.toString(16)}`}] Request device [${formatRid(rec.rid)}] fault addr 0x${rec.addr.toString(16)} [fault reason 0x${rec.reason.toString(16).padStart(2, '0')}] ${reasonText}`,
        });
        const info = this.devices.get(rec.rid);
        if (info)
          this.env.faults?.report(
            info.dev,
            { vendor: 'vtd', reason: rec.reason, reasonText, addr: rec.addr, pasid: rec.pasid, perm: permBits(!rec.write, rec.write, rec.exec, rec.priv) },
            seq,
          );
        frcd.clear(index);
        index = (index + 1) % frcd.count;
      }
    }
    frcd.clearStatus();
  }

  // --- helpers ------------------------------------------------------------------------------

  /** context_flip_pri(): PRE in the scalable-mode context entry. */
  private flipPri(rid: number, enable: boolean): void {
    const ctx = this.hw.context(rid);
    if (ctx) ctx.pre = enable;
  }

  /** v6.15 iommu_enable_pci_pri() at probe. */
  private enablePciPri(info: DeviceInfo, parent: number | null): void {
    const fn = info.fn;
    if (!fn.kernel.atsEnabled || !fn.pri) return;
    if (fn.kernel.pasidEnabled && !pciPrgRespPasidRequired(fn)) return;
    if (pciResetPri(fn, parent)) return;
    if (!pciEnablePri(fn, this.profile.priAllocation ?? 0, parent)) info.priEnabled = true;
  }
}
