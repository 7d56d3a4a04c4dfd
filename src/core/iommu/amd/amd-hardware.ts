/**
 * An AMD-Vi unit's PPR log and event log as the driver sees them
 * (hardware-model §2.3; formats from torvalds/linux
 * drivers/iommu/amd/amd_iommu_types.h PPR_*, the response from
 * drivers/iommu/amd/iommu.c build_complete_ppr, restart from
 * drivers/iommu/amd/init.c amd_iommu_restart_log):
 *
 *  PPR log entry (16 B): dw0 DEVID[15:0] | PASID[31:16] (low) | TAG[41:32]
 *   (PRG index = tag & 0x1ff, bit 9 = last in group) | PASID[45:42] (high)
 *   | FLAGS[59:48] (EXEC 0x002, READ 0x004, WRITE 0x020, US 0x040, RVSD 0x080,
 *   GN 0x100) | REQ_TYPE[63:60] (1 = fault); dw1 = address.
 *  A full log sets STATUS.PPR overflow and stops logging (PPR run = 0): every
 *  request until the driver restarts the log is lost — "lost entries do not
 *  come back". Whether hardware answers lost requests is not documented in the
 *  sources (profile 'none', VERIFY).
 *  COMPLETE_PPR(devid, pasid if GN, tag & 0x1ff, status) → PRG response with
 *  the 4-bit status as written.
 *  Untranslated DMA that misses: IO_PAGE_FAULT (0x2) in the event log.
 */
import type { HwEnv } from '../../hw/hw-env';
import type { PciFunction } from '../../hw/pci-function';
import { PRG_RESP_SUCCESS, pageAlign } from '../../hw/pci-regs';
import type { PageRequestMsg, UntranslatedAccess, UntranslatedResult, UpstreamPort } from '../../hw/upstream-port';
import { qwordsToBytes } from '../../hw/hw-trace';
import type { KernelDevice } from '../../kernel/iommu-core';
import { HwRing } from '../ring';
import { translatePage, translateRange } from '../translation';
import type { VendorProfile } from '../vendor-profiles';

export const PPR_FLAG_EXEC = 0x002;
export const PPR_FLAG_READ = 0x004;
export const PPR_FLAG_WRITE = 0x020;
export const PPR_FLAG_US = 0x040;
export const PPR_FLAG_RVSD = 0x080;
export const PPR_FLAG_GN = 0x100;
export const PPR_REQ_FAULT = 0x1;
/** Tag bit 9: last request of the group (PPR_TAG_LAST_PAGE). */
export const PPR_TAG_LAST = 0x200;

/** MMIO status bits (MMIO_STATUS_PPR_*). */
export const STATUS_PPR_OVERFLOW = 1 << 5;
export const STATUS_PPR_INT = 1 << 6;
export const STATUS_PPR_RUN = 1 << 7;
export const STATUS_EVT_OVERFLOW = 1 << 0;
export const STATUS_EVT_INT = 1 << 1;

export const EVENT_IO_PAGE_FAULT = 0x2;

export interface PprEntry {
  readonly devid: number;
  readonly pasid: number;
  readonly tag: number;
  readonly flags: number;
  readonly reqType: number;
  readonly addr: bigint;
  /** seq of the PRQ_ENQ event. */
  readonly seq: number;
}

export interface AmdEvent {
  readonly type: number;
  readonly devid: number;
  readonly pasid: number | null;
  readonly addr: bigint;
  readonly write: boolean;
  readonly seq: number;
}

/** Device Table Entry, reduced. */
export interface DteConfig {
  valid: boolean;
  /** DTE.PPR: peripheral page requests enabled. */
  ppr: boolean;
  readonly dev: KernelDevice;
}

export function encodePprEntry(e: Omit<PprEntry, 'seq'>): Uint8Array {
  const dw0 =
    BigInt(e.devid & 0xffff) |
    (BigInt(e.pasid & 0xffff) << 16n) |
    (BigInt(e.tag & 0x3ff) << 32n) |
    (BigInt((e.pasid >> 16) & 0xf) << 42n) |
    (BigInt(e.flags & 0xfff) << 48n) |
    (BigInt(e.reqType & 0xf) << 60n);
  return qwordsToBytes([dw0, e.addr]);
}

export class AmdHardware implements UpstreamPort {
  readonly pprLog: HwRing<PprEntry>;
  readonly eventLog: HwRing<AmdEvent>;
  /** MMIO status register. */
  private status = STATUS_PPR_RUN;
  /** Control: PPR_EN, PPRLOG_EN, PPRINT_EN (one flag each). */
  pprLogEnabled = true;
  pprIntEnabled = true;
  onPprIrq: ((parent: number) => void) | null = null;
  onEventIrq: ((parent: number) => void) | null = null;
  private readonly functions = new Map<number, PciFunction>();
  private readonly dtes = new Map<number, DteConfig>();
  private overflowSeq: number | null = null;

  constructor(
    private readonly env: HwEnv,
    readonly profile: VendorProfile,
  ) {
    this.pprLog = new HwRing<PprEntry>(profile.queueDepth, profile.queueFull);
    this.eventLog = new HwRing<AmdEvent>(profile.eventQueueDepth, profile.queueFull);
  }

  connect(fn: PciFunction): void {
    this.functions.set(fn.rid, fn);
    fn.port = this;
  }

  functionOf(devid: number): PciFunction | undefined {
    return this.functions.get(devid);
  }

  setDte(devid: number, dte: DteConfig): void {
    this.dtes.set(devid, dte);
  }

  dte(devid: number): DteConfig | undefined {
    return this.dtes.get(devid);
  }

  clearDte(devid: number): void {
    this.dtes.delete(devid);
  }

  readStatus(): number {
    return this.status;
  }

  /** STATUS is RW1C for the interrupt and overflow bits. */
  writeStatus(value: number): void {
    this.status &= ~(value & (STATUS_PPR_OVERFLOW | STATUS_PPR_INT | STATUS_EVT_OVERFLOW | STATUS_EVT_INT));
  }

  /** iommu_feature_disable/enable(CONTROL_PPRLOG_EN): enabling restarts the log. */
  setPprLogEnabled(on: boolean): void {
    this.pprLogEnabled = on;
    if (on) this.status |= STATUS_PPR_RUN;
    else this.status &= ~STATUS_PPR_RUN;
  }

  get overflowCause(): number | null {
    return this.overflowSeq;
  }

  /** Test hook: the hardware logs a raw entry (e.g. REQ_TYPE ≠ 1, RVSD set). */
  injectEntry(entry: Omit<PprEntry, 'seq'>, parent: number | null = null): void {
    this.log(entry, parent, 'injected');
  }

  // --- UpstreamPort ------------------------------------------------------------------

  atsTranslate(rid: number, pasid: number | null, addr: bigint, perm: number): number {
    const dte = this.dtes.get(rid);
    if (!dte?.valid) return 0;
    return translatePage(dte.dev, pasid, addr, perm, this.profile.userPasidTable).granted;
  }

  pageRequest(msg: PageRequestMsg): void {
    this.env.sched.after(this.profile.linkNs, () => this.receive(msg));
  }

  untranslated(rid: number, a: UntranslatedAccess, parent: number, done: (r: UntranslatedResult, seq: number) => void): void {
    this.env.sched.after(this.profile.linkNs, () => {
      const dte = this.dtes.get(rid);
      const t = dte?.valid ? translateRange(dte.dev, a.pasid, a.addr, a.pages, a.perm, this.profile.userPasidTable) : null;
      if (t && !t.miss) return done('ok', parent);
      const addr = t?.faultAddr ?? a.addr;
      const write = (a.perm & 2) !== 0;
      if (this.eventLog.full) {
        this.status |= STATUS_EVT_OVERFLOW;
        const seq = this.env.trace.emit('iommu', 'EVTQ_OVF', rid, { pasid: a.pasid, addr, code: EVENT_IO_PAGE_FAULT, parent, note: 'event log full: IO_PAGE_FAULT lost' });
        return done('abort', seq);
      }
      const seq = this.env.trace.emit('iommu', 'EVTQ_ENQ', rid, {
        pasid: a.pasid,
        addr,
        perm: a.perm,
        code: EVENT_IO_PAGE_FAULT,
        parent,
        note: 'IO_PAGE_FAULT event logged',
      });
      this.eventLog.push({ type: EVENT_IO_PAGE_FAULT, devid: rid, pasid: a.pasid, addr, write, seq });
      this.status |= STATUS_EVT_INT;
      this.onEventIrq?.(seq);
      done('abort', seq);
    });
  }

  // --- command buffer ------------------------------------------------------------------

  /** CMD_COMPLETE_PPR (build_complete_ppr): tag & 0x1ff, status & PPR_STATUS_MASK. */
  completePpr(devid: number, pasid: number, gn: boolean, tag: number, status: number, parent: number, by = 'amd_iommu_complete_ppr'): number {
    const code = status & 0xf;
    const seq = this.env.trace.emit('iommu', 'CMD_RESP', devid, {
      pasid: gn ? pasid : null,
      grpid: tag & 0x1ff,
      code,
      parent,
      note: `${by}: CMD_COMPLETE_PPR GN=${gn ? 1 : 0} status=${code.toString(2).padStart(4, '0')}b`,
    });
    this.respond(devid, tag & 0x1ff, code, gn ? pasid : null, this.profile.cmdNs, seq);
    return seq;
  }

  // --- internals -----------------------------------------------------------------------

  private receive(msg: PageRequestMsg): void {
    const common = { pasid: msg.pasid, grpid: msg.prgi, addr: msg.addr, parent: msg.seq };
    const stopMarker = msg.last && !msg.read && !msg.write && msg.pasid !== null;
    const dte = this.dtes.get(msg.rid);
    if (!dte?.valid || !dte.ppr) {
      this.env.trace.emit('iommu', 'PRQ_DROP', msg.rid, { ...common, note: 'DTE.PPR=0: INVALID_PPR_REQUEST, not logged' });
      return;
    }
    if (stopMarker && !this.profile.amdLogsStopMarker) {
      this.env.trace.emit('iommu', 'PRQ_DROP', msg.rid, { ...common, note: 'Stop Marker not logged' });
      return;
    }
    const flags =
      (msg.exec ? PPR_FLAG_EXEC : 0) |
      (msg.read ? PPR_FLAG_READ : 0) |
      (msg.write ? PPR_FLAG_WRITE : 0) |
      (msg.priv ? 0 : PPR_FLAG_US) |
      (msg.pasid !== null ? PPR_FLAG_GN : 0);
    this.log(
      { devid: msg.rid, pasid: msg.pasid ?? 0, tag: (msg.prgi & 0x1ff) | (msg.last ? PPR_TAG_LAST : 0), flags, reqType: PPR_REQ_FAULT, addr: pageAlign(msg.addr) },
      msg.seq,
      stopMarker ? 'Stop Marker (no R/W)' : '',
      msg,
    );
  }

  private log(entry: Omit<PprEntry, 'seq'>, parent: number | null, what: string, msg?: PageRequestMsg): void {
    const common = { pasid: entry.flags & PPR_FLAG_GN ? entry.pasid : null, grpid: entry.tag & 0x1ff, addr: entry.addr, parent };
    if (!this.pprLogEnabled || !(this.status & STATUS_PPR_RUN)) {
      const drop = this.env.trace.emit('iommu', 'PRQ_DROP', entry.devid, {
        ...common,
        note: 'PPR log not running (overflowed, not restarted yet): request lost',
      });
      if (msg) this.autoRespond(msg, drop);
      return;
    }
    if (this.pprLog.full) {
      this.status |= STATUS_PPR_OVERFLOW;
      this.status &= ~STATUS_PPR_RUN; // logging stops until amd_iommu_restart_log()
      const set = this.env.trace.emit('iommu', 'PRQ_OVF_SET', entry.devid, {
        ...common,
        note: `PPR log full (${this.pprLog.count}/${this.pprLog.depth}): STATUS.PPROverflow=1, logging stopped`,
      });
      this.overflowSeq = set;
      const drop = this.env.trace.emit('iommu', 'PRQ_DROP', entry.devid, { ...common, parent: set, note: 'PPR log overflow: request lost' });
      if (msg) this.autoRespond(msg, drop);
      this.raise(set);
      return;
    }
    const seq = this.env.trace.emit('iommu', 'PRQ_ENQ', entry.devid, {
      ...common,
      perm: (entry.flags & PPR_FLAG_READ ? 1 : 0) | (entry.flags & PPR_FLAG_WRITE ? 2 : 0) | (entry.flags & PPR_FLAG_EXEC ? 4 : 0) | (entry.flags & PPR_FLAG_US ? 0 : 8),
      raw: this.env.trace.raw(() => encodePprEntry(entry)),
      note: `PPR log slot ${this.pprLog.tail}, ${this.pprLog.count + 1}/${this.pprLog.capacity} used, tag 0x${entry.tag.toString(16)}, flags 0x${entry.flags.toString(16)}${what ? `, ${what}` : ''}`,
    });
    this.pprLog.push({ ...entry, seq });
    this.raise(seq);
  }

  private raise(parent: number): void {
    this.status |= STATUS_PPR_INT;
    if (this.pprIntEnabled) this.onPprIrq?.(parent);
  }

  /** 'successOnLast' if a scenario assumes the AMD unit answers dropped last requests (VERIFY). */
  private autoRespond(msg: PageRequestMsg, parent: number): void {
    if (this.profile.overflowAutoResponse !== 'successOnLast' || !msg.last || (!msg.read && !msg.write && msg.pasid !== null)) return;
    const seq = this.env.trace.emit('iommu', 'AUTO_RESP', msg.rid, { pasid: msg.pasid, grpid: msg.prgi, code: PRG_RESP_SUCCESS, parent, note: 'assumed hardware Success for a lost last request' });
    this.respond(msg.rid, msg.prgi, PRG_RESP_SUCCESS, msg.pasid, 0n, seq);
  }

  private respond(rid: number, prgi: number, code: number, pasid: number | null, extraNs: bigint, seq: number): void {
    const fn = this.functions.get(rid);
    if (!fn) return;
    this.env.sched.after(extraNs + this.profile.linkNs, () => fn.receivePrgResponse({ prgi, code, pasid, seq }));
  }
}
