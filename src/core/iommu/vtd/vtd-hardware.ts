/**
 * The VT-d remapping unit as the driver sees it (hardware-model §2.1, §4.1;
 * QEMU hw/i386/intel_iommu.c vtd_pri_request_page / page group response as
 * the reference software model; registers from torvalds/linux
 * drivers/iommu/intel/iommu.h):
 *
 *  - PRQ ring (32 B descriptors) with PQH/PQT; PRS.PPR (pending page request)
 *    and PRS.PRO (overflow). A page-request event is raised only when neither
 *    PPR nor PRO was set. On receipt the unit implicitly invalidates cached
 *    translations for the PASID/address, then writes the descriptor.
 *  - Queue full: PRO set, request dropped; while PRO is set every request is
 *    dropped without event. Dropped LPIG=1 requests (not Stop Markers) get a
 *    hardware Success response when the profile says 'successOnLast' (VERIFY;
 *    QEMU: 'none').
 *  - Context entries per RID (present, PRE): a page request from a function
 *    whose context has PRE=0 is fault reason 0x47.
 *  - Page Group Response descriptors submitted by the driver (QI) become PRG
 *    Response Messages to the function.
 *  - Untranslated DMA that misses is an unrecoverable fault in the FRCD ring.
 */
import type { HwEnv } from '../../hw/hw-env';
import type { PciFunction } from '../../hw/pci-function';
import { PRG_RESP_SUCCESS, pageAlign } from '../../hw/pci-regs';
import type { PageRequestMsg, UntranslatedAccess, UntranslatedResult, UpstreamPort } from '../../hw/upstream-port';
import type { KernelDevice } from '../../kernel/iommu-core';
import { HwRing } from '../ring';
import { translatePage, translateRange } from '../translation';
import type { VendorProfile } from '../vendor-profiles';
import { encodePageGroupResponse, encodePrqDescriptor, type PageGroupResponseDesc, type PrqDescriptor } from './descriptors';
import { FaultRecordingRegisters, vtdReasonText, type FrcdRecord } from './fault-recording';

/** `DMA_PRS_PPR`, `DMA_PRS_PRO` */
export const DMA_PRS_PPR = 1 << 0;
export const DMA_PRS_PRO = 1 << 1;

/** A scalable-mode context entry, reduced to what page requests need. */
export interface ContextEntry {
  present: boolean;
  /** PRE: page requests allowed. */
  pre: boolean;
  /** The kernel structures the entry points to (domain/PASID tables via the group's handles). */
  readonly dev: KernelDevice;
}

/** RESP_CODE as the 4 binary digits the notes show, built once per code. */
const RESP_CODE_BITS = Array.from({ length: 16 }, (_, c) => c.toString(2).padStart(4, '0'));
const respCodeBits = (code: number): string => RESP_CODE_BITS[code] ?? code.toString(2).padStart(4, '0');

export class VtdHardware implements UpstreamPort {
  readonly prq: HwRing<PrqDescriptor>;
  readonly frcd: FaultRecordingRegisters;
  private prs = 0;
  private readonly functions = new Map<number, PciFunction>();
  private readonly contexts = new Map<number, ContextEntry>();
  /** The page-request MSI (the driver's prq_event_thread is behind it). */
  onPageRequestEvent: ((parent: number) => void) | null = null;
  /** The fault-event MSI (dmar_fault). */
  onFaultEvent: ((parent: number) => void) | null = null;
  /** The event that set PRO (causal parent of the recovery). */
  private overflowSeq: number | null = null;

  constructor(
    private readonly env: HwEnv,
    readonly profile: VendorProfile,
  ) {
    this.prq = new HwRing<PrqDescriptor>(profile.queueDepth, profile.queueFull);
    this.frcd = new FaultRecordingRegisters(profile.eventQueueDepth);
  }

  /** Puts `fn`'s link on this unit. */
  connect(fn: PciFunction): void {
    this.functions.set(fn.rid, fn);
    fn.port = this;
  }

  functionOf(rid: number): PciFunction | undefined {
    return this.functions.get(rid);
  }

  // --- context entries (programmed by the driver) -------------------------------

  setContext(rid: number, entry: ContextEntry): void {
    this.contexts.set(rid, entry);
  }

  context(rid: number): ContextEntry | undefined {
    return this.contexts.get(rid);
  }

  clearContext(rid: number): void {
    this.contexts.delete(rid);
  }

  // --- registers ----------------------------------------------------------------

  readPrs(): number {
    return this.prs;
  }

  /** PRS is RW1C. */
  writePrs(value: number): void {
    this.prs &= ~value;
  }

  /** PQH / PQT as slot indices (the byte offset is index × 32). */
  readPqh(): number {
    return this.prq.head;
  }

  readPqt(): number {
    return this.prq.tail;
  }

  writePqh(index: number): void {
    this.prq.setHead(index);
  }

  get overflowCause(): number | null {
    return this.overflowSeq;
  }

  // --- UpstreamPort ---------------------------------------------------------------

  atsTranslate(rid: number, pasid: number | null, addr: bigint, perm: number): number {
    const ctx = this.contexts.get(rid);
    if (!ctx?.present) return 0;
    return translatePage(ctx.dev, pasid, addr, perm, this.profile.userPasidTable).granted;
  }

  pageRequest(msg: PageRequestMsg): void {
    this.env.sched.after(this.profile.linkNs, () => this.receive(msg));
  }

  untranslated(rid: number, a: UntranslatedAccess, parent: number, done: (r: UntranslatedResult, seq: number) => void): void {
    this.env.sched.after(this.profile.linkNs, () => {
      const ctx = this.contexts.get(rid);
      const write = (a.perm & 2) !== 0;
      let reason: number | null = null;
      let addr = a.addr;
      if (!ctx?.present) reason = 0x02;
      else {
        const t = translateRange(ctx.dev, a.pasid, a.addr, a.pages, a.perm, this.profile.userPasidTable);
        if (t.miss) {
          reason = write ? 0x05 : 0x06;
          addr = t.faultAddr ?? a.addr;
        }
      }
      if (reason === null) return done('ok', parent);
      const seq = this.recordFault({ rid, reason, addr: pageAlign(addr), pasid: a.pasid, write, exec: (a.perm & 4) !== 0, priv: (a.perm & 8) !== 0, seq: parent });
      done('abort', seq);
    });
  }

  // --- queued invalidation: page group response -------------------------------------

  /** The driver's `qi_submit_sync()` of a Page Group Response descriptor. */
  submitPageGroupResponse(d: PageGroupResponseDesc, parent: number, by = 'qi_submit_sync'): number {
    const forward = d.lpig || this.profile.lpig0Response === 'forward';
    const seq = this.env.trace.emit('iommu', 'CMD_RESP', d.rid, {
      pasid: d.pasidPresent ? d.pasid : null,
      grpid: d.prgIndex,
      code: d.code,
      parent,
      raw: this.env.trace.rawDescriptors ? encodePageGroupResponse(d) : null,
      note: `${by}: QI page group response PASID_P=${d.pasidPresent ? 1 : 0} LPIG=${d.lpig ? 1 : 0} RESP_CODE=${respCodeBits(d.code)}b${forward ? '' : ' (LPIG=0: not forwarded)'}`,
    });
    if (forward) this.respond(d.rid, d.prgIndex, d.code, d.pasidPresent ? d.pasid : null, this.profile.cmdNs, seq);
    return seq;
  }

  // --- internals ------------------------------------------------------------------

  /** A page request reaches the unit (vtd_pri_request_page order). */
  private receive(msg: PageRequestMsg): void {
    const stopMarker = msg.last && !msg.read && !msg.write && msg.pasid !== null;
    const ctx = this.contexts.get(msg.rid);
    if (!ctx?.present || !ctx.pre || (msg.pasid === null && this.profile.hwDropsNoPasidPri) || this.prs & DMA_PRS_PRO || this.prq.full) return this.refuse(msg, stopMarker, ctx);
    // The usual path: no spread copies of `common`, one descriptor object (its seq set once the event has one).
    const trace = this.env.trace;
    const inv = trace.emit('iommu', 'IMPLICIT_INV', msg.rid, { pasid: msg.pasid, grpid: msg.prgi, addr: msg.addr, parent: msg.seq, note: 'PASID-IOTLB invalidation for the page' });
    const desc: PrqDescriptor = {
      rid: msg.rid,
      pasidPresent: msg.pasid !== null,
      pasid: msg.pasid ?? 0,
      exe: msg.exec,
      pm: msg.priv,
      rd: msg.read,
      wr: msg.write,
      lpig: msg.last,
      prgIndex: msg.prgi,
      addr: pageAlign(msg.addr),
      seq: 0,
    };
    const slot = this.prq.tail;
    const seq = trace.emit('iommu', 'PRQ_ENQ', msg.rid, {
      pasid: msg.pasid,
      grpid: msg.prgi,
      addr: msg.addr,
      parent: inv,
      perm: (msg.read ? 1 : 0) | (msg.write ? 2 : 0) | (msg.exec ? 4 : 0) | (msg.priv ? 8 : 0),
      raw: trace.rawDescriptors ? encodePrqDescriptor(desc) : null,
      note: `slot ${slot} (PQT 0x${(slot * 32).toString(16)}), ${this.prq.count + 1}/${this.prq.capacity} used${msg.last ? ', LPIG' : ''}${stopMarker ? ', Stop Marker' : ''}`,
    });
    (desc as { seq: number }).seq = seq;
    this.prq.push(desc);
    const eventAllowed = !(this.prs & (DMA_PRS_PPR | DMA_PRS_PRO));
    this.prs |= DMA_PRS_PPR;
    if (eventAllowed) this.raiseEvent(seq);
  }

  /** A page request the unit does not queue: no context or PRE, no PASID, PRO set, or the queue full. */
  private refuse(msg: PageRequestMsg, stopMarker: boolean, ctx: ContextEntry | undefined): void {
    const common = { pasid: msg.pasid, grpid: msg.prgi, addr: msg.addr, parent: msg.seq };
    if (!ctx?.present || !ctx.pre) {
      const reason = ctx?.present ? 0x47 : 0x41;
      const drop = this.env.trace.emit('iommu', 'PRQ_DROP', msg.rid, { ...common, code: reason, note: vtdReasonText(reason) });
      this.recordFault({ rid: msg.rid, reason, addr: msg.addr, pasid: msg.pasid, write: msg.write, exec: msg.exec, priv: msg.priv, seq: drop });
      return;
    }
    if (msg.pasid === null && this.profile.hwDropsNoPasidPri) {
      this.env.trace.emit('iommu', 'PRQ_DROP', msg.rid, { ...common, note: 'page request without PASID not supported (QEMU model)' });
      return;
    }
    if (this.prs & DMA_PRS_PRO) {
      const drop = this.env.trace.emit('iommu', 'PRQ_DROP', msg.rid, { ...common, note: 'PRS.PRO set: dropped, no event' });
      this.autoRespond(msg, stopMarker, drop);
      return;
    }
    if (this.prq.full) {
      const eventAllowed = !(this.prs & (DMA_PRS_PPR | DMA_PRS_PRO));
      this.prs |= DMA_PRS_PRO;
      const set = this.env.trace.emit('iommu', 'PRQ_OVF_SET', msg.rid, {
        ...common,
        note: `PRQ full (${this.prq.count}/${this.prq.depth}, head ${this.prq.head} tail ${this.prq.tail}): PRS.PRO=1`,
      });
      this.overflowSeq = set;
      const drop = this.env.trace.emit('iommu', 'PRQ_DROP', msg.rid, { ...common, parent: set, note: 'queue full' });
      this.autoRespond(msg, stopMarker, drop);
      if (eventAllowed) this.raiseEvent(set);
      return;
    }
  }

  private raiseEvent(parent: number): void {
    const seq = this.env.trace.emit('iommu', 'PR_EVENT_IRQ', null, { parent, note: 'page request event (MSI)' });
    this.onPageRequestEvent?.(seq);
  }

  /** Hardware answer to a dropped request ('successOnLast'): never for a Stop Marker or LPIG=0. */
  private autoRespond(msg: PageRequestMsg, stopMarker: boolean, parent: number): void {
    if (this.profile.overflowAutoResponse !== 'successOnLast' || !msg.last || stopMarker) return;
    const seq = this.env.trace.emit('iommu', 'AUTO_RESP', msg.rid, {
      pasid: msg.pasid,
      grpid: msg.prgi,
      code: PRG_RESP_SUCCESS,
      parent,
      note: 'dropped LPIG=1 request answered Success by hardware',
    });
    this.respond(msg.rid, msg.prgi, PRG_RESP_SUCCESS, msg.pasid, 0n, seq);
  }

  private respond(rid: number, prgi: number, code: number, pasid: number | null, extraNs: bigint, seq: number): void {
    const fn = this.functions.get(rid);
    if (!fn) return;
    this.env.sched.after(extraNs + this.profile.linkNs, () => fn.receivePrgResponse({ prgi, code, pasid, seq }));
  }

  /** Primary fault logging; returns the seq of what was recorded (or of the drop). */
  private recordFault(rec: FrcdRecord): number {
    const out = this.frcd.record(rec);
    const f = { pasid: rec.pasid, addr: rec.addr, code: rec.reason, perm: rec.write ? 2 : 1, parent: rec.seq };
    const why = `reason 0x${rec.reason.toString(16).padStart(2, '0')} ${vtdReasonText(rec.reason)}`;
    switch (out.kind) {
      case 'recorded': {
        const seq = this.env.trace.emit('iommu', 'FRCD_RECORD', rec.rid, { ...f, note: `FRCD[${out.index}] ${why}` });
        rec.seq = seq;
        if (out.raiseEvent) this.onFaultEvent?.(seq);
        return seq;
      }
      case 'collapsed':
        return this.env.trace.emit('iommu', 'FRCD_RECORD', rec.rid, { ...f, note: `NOT RECORDED: unread FRCD[${out.index}] has the same source-id (collapse); ${why}` });
      case 'pfoDrop':
        return this.env.trace.emit('iommu', 'FRCD_RECORD', rec.rid, { ...f, note: `NOT RECORDED: FSTS.PFO set; ${why}` });
      case 'overflow':
        return this.env.trace.emit('iommu', 'PFO_SET', rec.rid, { ...f, note: `next FRCD busy: FSTS.PFO=1, fault lost; ${why}` });
    }
  }
}
