/**
 * An Arm SMMUv3 as the driver sees it (hardware-model §2.2; Arm SMMUv3 spec
 * §3.12 stall model, §4.5/§4.7 commands, §7.4 event queue overflow, §8.1/§8.2
 * PRI queue overflow and automatic responses):
 *
 *  PRIQ: 16 B entries, wrap-bit ring. Overflow toggles PRIQ_PROD.OVFLG and,
 *   unlike the event queue, inhibits ALL new writes until software acks with
 *   PRIQ_CONS.OVACKFLG. While overflowed: Last=1 PPRs get an automatic response
 *   — Success if the PPR had no PASID, IDR3.PPS=1 or the STE could be read
 *   (PASID echoed iff STE.PPAR), else Response Failure without PASID; Last=0
 *   PPRs are ignored; Stop Markers are discarded. PRIQEN=0 or GERROR.PRIQ_ABT_ERR:
 *   Last=1 PPRs get Response Failure (§8.2).
 *  EVTQ: 32 B entries. A full queue discards non-stall records and toggles
 *   EVENTQ_PROD.OVFLG (a second overflow is invisible until acked); later
 *   events are written once space frees. Stall records are never discarded:
 *   if the queue cannot take one, the transaction is retried later.
 *  Stall: a translation-related fault on a stall-enabled stream holds the
 *   transaction under a STAG (not reused until resumed) and records Stall=1.
 *   CMD_RESUME Retry re-translates "as though it had just arrived", Terminate/
 *   Abort aborts; CMD_STALL_TERM aborts every stall of a stream; a RESUME with
 *   an unknown (SID, STAG) is a no-op. Duplicate stalls of one page may be
 *   suppressed (resumed together). Held transactions occupy stall slots; when
 *   none is free every stream is back-pressured.
 */
import type { HwEnv } from '../../hw/hw-env';
import type { PciFunction } from '../../hw/pci-function';
import { PRG_RESP_FAILURE, PRG_RESP_INVALID, PRG_RESP_SUCCESS, pageAlign } from '../../hw/pci-regs';
import type { PageRequestMsg, UntranslatedAccess, UntranslatedResult, UpstreamPort } from '../../hw/upstream-port';
import type { KernelDevice } from '../../kernel/iommu-core';
import { HwRing } from '../ring';
import { StallTable, type Stall } from './stall-table';
import { translatePage, translateRange } from '../translation';
import type { VendorProfile } from '../vendor-profiles';
import {
  CMDQ_RESUME_0_RESP_ABORT,
  CMDQ_RESUME_0_RESP_RETRY,
  EVT_ID,
  PRI_RESP_DENY,
  PRI_RESP_FAIL,
  PRI_RESP_SUCC,
  STALLABLE_EVENTS,
  encodeEvtqEntry,
  encodePriqEntry,
  evtName,
  type EvtqEntry,
  type PriqEntry,
} from './smmu-formats';

/** A Stream Table Entry, reduced. */
export interface SteConfig {
  /** V=1 and well-formed: false models an invalid/unreadable STE. */
  valid: boolean;
  /** The kernel structures (CD table / page tables via the group's handles). */
  dev: KernelDevice | null;
  /** Stall fault model (S1STALLD=0 and CD.S=1): translation faults stall. */
  stall: boolean;
  /** STE.PPAR: PRG responses carry the PASID. */
  ppar: boolean;
  /** Terminate answers reads with zero and ignores writes instead of aborting (CD.A=0). */
  razWi: boolean;
}

export interface SmmuConnectOptions {
  /** Firmware says the master can stall ("dma-can-stall"); PCIe functions cannot. */
  readonly canStall?: boolean;
}

interface Txn {
  readonly rid: number;
  readonly access: UntranslatedAccess;
  readonly parent: number;
  readonly done: (r: UntranslatedResult, seq: number) => void;
}

/** A queue's overflow flags: PROD.OVFLG vs CONS.OVACKFLG. */
class OverflowFlags {
  prodOvflg = false;
  consOvack = false;
  get active(): boolean {
    return this.prodOvflg !== this.consOvack;
  }
  toggle(): void {
    this.prodOvflg = !this.prodOvflg;
  }
  ack(): void {
    this.consOvack = this.prodOvflg;
  }
}

export class SmmuHardware implements UpstreamPort {
  readonly priq: HwRing<PriqEntry>;
  readonly evtq: HwRing<EvtqEntry>;
  readonly priqOvf = new OverflowFlags();
  readonly evtqOvf = new OverflowFlags();
  /** SMMU_CR0.PRIQEN */
  priqEnabled = true;
  /** GERROR.PRIQ_ABT_ERR active. */
  priqAbortError = false;
  /** Raised toward the driver's threaded handlers. */
  onPriqIrq: ((parent: number) => void) | null = null;
  onEvtqIrq: ((parent: number) => void) | null = null;

  private readonly functions = new Map<number, PciFunction>();
  private readonly canStall = new Set<number>();
  private readonly streams = new Map<number, SteConfig>();
  private readonly stalls: StallTable<Txn>;
  private priqOverflowSeq: number | null = null;
  private evtqOverflowSeq: number | null = null;

  constructor(
    private readonly env: HwEnv,
    readonly profile: VendorProfile,
  ) {
    this.priq = new HwRing<PriqEntry>(profile.queueDepth, profile.queueFull);
    this.evtq = new HwRing<EvtqEntry>(profile.eventQueueDepth, profile.queueFull);
    this.stalls = new StallTable<Txn>(profile.stall ?? { stagBits: 16, suppressDuplicates: false, slots: 0, retryNs: 0n });
  }

  connect(fn: PciFunction, options: SmmuConnectOptions = {}): void {
    this.functions.set(fn.rid, fn);
    if (options.canStall) this.canStall.add(fn.rid);
    fn.port = this;
  }

  functionOf(sid: number): PciFunction | undefined {
    return this.functions.get(sid);
  }

  masterCanStall(sid: number): boolean {
    return this.canStall.has(sid);
  }

  setSte(sid: number, ste: SteConfig): void {
    this.streams.set(sid, ste);
  }

  ste(sid: number): SteConfig | undefined {
    return this.streams.get(sid);
  }

  clearSte(sid: number): void {
    this.streams.delete(sid);
  }

  /** Stalled transactions currently held (all streams). */
  get stalledTransactions(): number {
    return this.stalls.held;
  }

  /** Transactions waiting for a stall slot (back-pressure). */
  get backPressured(): number {
    return this.stalls.backPressured;
  }

  get priqOverflowCause(): number | null {
    return this.priqOverflowSeq;
  }

  get evtqOverflowCause(): number | null {
    return this.evtqOverflowSeq;
  }

  // --- UpstreamPort ----------------------------------------------------------------

  atsTranslate(rid: number, pasid: number | null, addr: bigint, perm: number): number {
    const ste = this.streams.get(rid);
    if (!ste?.valid || !ste.dev) return 0;
    return translatePage(ste.dev, pasid, addr, perm, this.profile.userPasidTable).granted;
  }

  pageRequest(msg: PageRequestMsg): void {
    this.env.sched.after(this.profile.linkNs, () => this.receivePpr(msg));
  }

  untranslated(rid: number, access: UntranslatedAccess, parent: number, done: (r: UntranslatedResult, seq: number) => void): void {
    this.env.sched.after(this.profile.linkNs, () => this.arrive({ rid, access, parent, done }));
  }

  // --- commands (arm_smmu_cmdq_issue_cmd) -------------------------------------------

  /** CMD_PRI_RESP(StreamID, SubstreamID, SSV, PRGIndex, Resp). */
  cmdPriResp(sid: number, ssid: number, ssv: boolean, prgi: number, resp: number, parent: number): number {
    const code = resp === PRI_RESP_SUCC ? PRG_RESP_SUCCESS : resp === PRI_RESP_FAIL ? PRG_RESP_INVALID : resp === PRI_RESP_DENY
      ? this.profile.smmuPriRespDenyMeans === 'responseFailure' ? PRG_RESP_FAILURE : PRG_RESP_INVALID
      : null;
    const seq = this.env.trace.emit('iommu', 'CMD_RESP', sid, {
      pasid: ssv ? ssid : null,
      grpid: prgi,
      code: code ?? resp,
      parent,
      note: `CMD_PRI_RESP Resp=${resp.toString(2).padStart(2, '0')}b${code === null ? ' ILLEGAL: CERROR_ILL, not sent' : ` → PRG response ${code.toString(2).padStart(4, '0')}b`}`,
    });
    if (code !== null) this.respond(sid, prgi, code, ssv ? ssid : null, this.profile.cmdNs, seq);
    return seq;
  }

  /** CMD_RESUME(StreamID, STAG, Action): RETRY, or TERM/ABORT. */
  cmdResume(sid: number, stag: number, action: number, parent: number): number {
    const stall = this.stalls.find(sid, stag);
    const what = action === CMDQ_RESUME_0_RESP_RETRY ? 'RETRY' : action === CMDQ_RESUME_0_RESP_ABORT ? 'ABORT' : 'TERM';
    const seq = this.env.trace.emit('iommu', 'CMD_RESP', sid, {
      grpid: stag,
      code: action,
      parent,
      note: `CMD_RESUME STAG=${stag} ${what}${stall ? ` (${stall.txns.length} transaction(s))` : ': no such stalled transaction — no-op'}`,
    });
    if (!stall) return seq;
    this.env.sched.after(this.profile.cmdNs, () => this.resume(stall, action === CMDQ_RESUME_0_RESP_RETRY, action === CMDQ_RESUME_0_RESP_ABORT, seq));
    return seq;
  }

  /** CMD_STALL_TERM(StreamID): terminate every stall of the stream. */
  cmdStallTerm(sid: number, parent: number): number {
    const mine = this.stalls.ofStream(sid);
    const seq = this.env.trace.emit('iommu', 'CMD_RESP', sid, { parent, note: `CMD_STALL_TERM: ${mine.length} stall(s)` });
    this.env.sched.after(this.profile.cmdNs, () => {
      for (const s of mine) if (this.stalls.find(s.sid, s.stag) === s) this.resume(s, false, false, seq);
    });
    return seq;
  }

  // --- PRI queue ----------------------------------------------------------------------

  private receivePpr(msg: PageRequestMsg): void {
    const sid = msg.rid;
    const ssv = msg.pasid !== null;
    const stopMarker = msg.last && !msg.read && !msg.write && ssv;
    const common = { pasid: msg.pasid, grpid: msg.prgi, addr: msg.addr, parent: msg.seq };
    if (!this.priqEnabled || this.priqAbortError) {
      // §8.2: PRIQEN=0 or an active PRIQ_ABT_ERR.
      const drop = this.env.trace.emit('iommu', 'PRQ_DROP', sid, {
        ...common,
        note: `${this.priqEnabled ? 'GERROR.PRIQ_ABT_ERR' : 'PRIQEN=0'}: PPR not recorded`,
      });
      if (msg.last && !stopMarker) this.autoResp(msg, PRG_RESP_FAILURE, null, drop, '§8.2 automatic Response Failure');
      return;
    }
    if (this.priqOvf.active || this.priq.full) {
      let parent = msg.seq;
      if (!this.priqOvf.active) {
        this.priqOvf.toggle();
        parent = this.env.trace.emit('iommu', 'PRQ_OVF_SET', sid, {
          ...common,
          note: `PRIQ full (${this.priq.count}/${this.priq.depth}): PRIQ_PROD.OVFLG toggled, all new writes inhibited`,
        });
        this.priqOverflowSeq = parent;
        this.raisePriq(parent);
      }
      if (stopMarker) {
        this.env.trace.emit('iommu', 'PRQ_DROP', sid, { ...common, parent, note: 'Stop Marker discarded during overflow (no response, not credited)' });
        return;
      }
      const drop = this.env.trace.emit('iommu', 'PRQ_DROP', sid, {
        ...common,
        parent,
        note: msg.last ? 'PRIQ overflow: Last=1 PPR answered automatically' : 'PRIQ overflow: Last=0 PPR silently ignored',
      });
      if (!msg.last) return;
      if (this.profile.overflowAutoResponse !== 'smmuRules') return;
      const ste = this.streams.get(sid);
      const steReadable = ste?.valid ?? false;
      if (!ssv || this.profile.smmuPps || steReadable) {
        const echo = ssv && (this.profile.smmuPps || (ste?.ppar ?? false));
        this.autoResp(msg, PRG_RESP_SUCCESS, echo ? msg.pasid : null, drop, '§8.1 automatic Success');
      } else {
        this.autoResp(msg, PRG_RESP_FAILURE, null, drop, '§8.1 automatic Response Failure (STE unreadable)');
      }
      return;
    }
    const entry: Omit<PriqEntry, 'seq'> = {
      sid,
      ssv,
      ssid: msg.pasid ?? 0,
      priv: msg.priv,
      exec: msg.exec,
      read: msg.read,
      write: msg.write,
      last: msg.last,
      prgi: msg.prgi,
      addr: pageAlign(msg.addr),
    };
    const seq = this.env.trace.emit('iommu', 'PRQ_ENQ', sid, {
      ...common,
      perm: (msg.read ? 1 : 0) | (msg.write ? 2 : 0) | (msg.exec ? 4 : 0) | (msg.priv ? 8 : 0),
      raw: this.env.trace.raw(() => encodePriqEntry(entry)),
      note: `PRIQ slot ${this.priq.tail}, ${this.priq.count + 1}/${this.priq.capacity} used${msg.last ? ', Last' : ''}${stopMarker ? ', Stop Marker' : ''}`,
    });
    this.priq.push({ ...entry, seq });
    this.raisePriq(seq);
  }

  private autoResp(msg: PageRequestMsg, code: number, pasid: number | null, parent: number, why: string): void {
    const seq = this.env.trace.emit('iommu', 'AUTO_RESP', msg.rid, { pasid, grpid: msg.prgi, code, parent, note: why });
    this.respond(msg.rid, msg.prgi, code, pasid, 0n, seq);
  }

  private raisePriq(parent: number): void {
    this.onPriqIrq?.(parent);
  }

  private respond(rid: number, prgi: number, code: number, pasid: number | null, extraNs: bigint, seq: number): void {
    const fn = this.functions.get(rid);
    if (!fn) return;
    this.env.sched.after(extraNs + this.profile.linkNs, () => fn.receivePrgResponse({ prgi, code, pasid, seq }));
  }

  // --- translation, faults and stalls -----------------------------------------------

  /** A transaction arrives (again): translate, or fault (terminate or stall). */
  private arrive(t: Txn): void {
    const { rid, access } = t;
    const ste = this.streams.get(rid);
    if (!ste?.valid || !ste.dev) {
      const seq = this.writeEvent(t, EVT_ID.C_BAD_STE, access.addr, false, 0);
      return t.done('abort', seq ?? t.parent);
    }
    const r = translateRange(ste.dev, access.pasid, access.addr, access.pages, access.perm, this.profile.userPasidTable);
    if (!r.miss) return t.done('ok', t.parent);
    const faultAddr = r.faultAddr ?? access.addr;
    const id =
      r.miss === 'permission'
        ? EVT_ID.F_PERMISSION
        : r.miss === 'noHandle' && access.pasid !== null
          ? EVT_ID.C_BAD_SUBSTREAMID
          : EVT_ID.F_TRANSLATION;
    if (!ste.stall || !STALLABLE_EVENTS.has(id) || !this.profile.stall) {
      const seq = this.writeEvent(t, id, faultAddr, false, 0);
      return t.done('abort', seq ?? t.parent);
    }
    this.stall(t, id, faultAddr);
  }

  private stall(t: Txn, id: number, faultAddr: bigint): void {
    const cfg = this.profile.stall!;
    const ssid = t.access.pasid;
    const page = pageAlign(faultAddr);
    const common = { pasid: ssid, addr: faultAddr, parent: t.parent };
    if (!this.stalls.slotFree) {
      this.env.trace.emit('iommu', 'STALL_HOLD', t.rid, { ...common, note: `no stall slot free (${this.stalls.held}/${cfg.slots}): back-pressure, transaction waits` });
      this.stalls.wait(t);
      return;
    }
    const dup = cfg.suppressDuplicates ? this.stalls.findPage(t.rid, ssid, page) : undefined;
    if (dup) {
      this.stalls.join(dup, t);
      this.env.trace.emit('iommu', 'STALL_HOLD', t.rid, { ...common, grpid: dup.stag, note: `duplicate stall suppressed: held under STAG ${dup.stag}, no new record` });
      return;
    }
    if (this.evtq.full) {
      // Stall records are never discarded: the transaction is retried later.
      this.env.trace.emit('iommu', 'STALL_RETRY', t.rid, {
        ...common,
        note: `EVTQ full (${this.evtq.count}/${this.evtq.depth}): stall not recorded, transaction retried in ${cfg.retryNs} ns`,
      });
      this.env.sched.after(cfg.retryNs, () => this.arrive(t));
      return;
    }
    const s = this.stalls.open(t.rid, ssid, page, t, (stag) => this.writeEvent(t, id, faultAddr, true, stag)!);
    this.env.trace.emit('iommu', 'STALL_HOLD', t.rid, {
      ...common,
      grpid: s.stag,
      parent: s.seq,
      note: `stalled under STAG ${s.stag} (${this.stalls.held}/${cfg.slots} slots)`,
    });
  }

  /** Records an event; null when a non-stall record was lost to a full queue. */
  private writeEvent(t: Txn, id: number, addr: bigint, stall: boolean, stag: number): number | null {
    const a = t.access;
    const entry: Omit<EvtqEntry, 'seq'> = {
      id,
      sid: t.rid,
      ssv: a.pasid !== null,
      ssid: a.pasid ?? 0,
      stall,
      stag,
      pnu: (a.perm & 8) !== 0,
      ind: (a.perm & 4) !== 0,
      rnw: (a.perm & 2) === 0,
      s2: false,
      addr,
    };
    if (this.evtq.full) {
      // §7.4: the record is discarded; OVFLG toggles only on the first overflow until acked.
      const first = !this.evtqOvf.active;
      if (first) this.evtqOvf.toggle();
      const seq = this.env.trace.emit('iommu', 'EVTQ_OVF', t.rid, {
        pasid: a.pasid,
        addr,
        code: id,
        parent: t.parent,
        note: `EVTQ full: ${evtName(id)} record discarded${first ? ', EVENTQ_PROD.OVFLG toggled' : ' (overflow already flagged)'}`,
      });
      if (first) this.evtqOverflowSeq = seq;
      return null;
    }
    const seq = this.env.trace.emit('iommu', 'EVTQ_ENQ', t.rid, {
      pasid: a.pasid,
      grpid: stall ? stag : null,
      addr,
      perm: a.perm,
      code: id,
      parent: t.parent,
      raw: this.env.trace.raw(() => encodeEvtqEntry(entry)),
      note: `${evtName(id)}${stall ? ` Stall=1 STAG=${stag}` : ' (terminated)'}`,
    });
    this.evtq.push({ ...entry, seq });
    this.onEvtqIrq?.(seq);
    return seq;
  }

  private resume(s: Stall<Txn>, retry: boolean, abort: boolean, parent: number): void {
    this.stalls.close(s);
    const ste = this.streams.get(s.sid);
    if (retry) {
      const seq = this.env.trace.emit('iommu', 'STALL_RETRY', s.sid, {
        pasid: s.ssid,
        grpid: s.stag,
        addr: s.page,
        parent,
        note: `STAG ${s.stag}: ${s.txns.length} transaction(s) re-translated as if just arrived`,
      });
      for (const t of s.txns) this.arrive({ ...t, parent: seq });
    } else {
      const raz = !abort && (ste?.razWi ?? false);
      const seq = this.env.trace.emit('iommu', 'STALL_TERM', s.sid, {
        pasid: s.ssid,
        grpid: s.stag,
        addr: s.page,
        parent,
        note: `STAG ${s.stag}: ${s.txns.length} transaction(s) ${raz ? 'terminated RAZ/WI' : 'aborted'}`,
      });
      for (const t of s.txns) t.done(raz ? 'ok' : 'abort', seq);
    }
    this.unblock();
  }

  /** Freed slots let back-pressured transactions in, oldest first. */
  private unblock(): void {
    for (let t = this.stalls.nextWaiting(); t; t = this.stalls.nextWaiting()) this.arrive(t);
  }
}
