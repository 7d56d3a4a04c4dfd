/**
 * A PCIe function (PF or SR-IOV VF) with PASID, ATS and PRI: the device end of
 * the page-request protocol (../shared/spec/hardware-model.md §1, §5.1, the
 * "PRG at the device" machine of §5.3):
 *
 *   FREE -> ISSUING (k requests, one credit each, last has L=1) -> WAITING
 *        --Success--> (caller re-translates)   --Invalid--> ERRORED
 *        --Failure--> RF latched on the shared capability (PF + all VFs)
 *   credits for all k requests return with the group's one response.
 *
 * Responses naming no outstanding index latch UPRGI and are ignored; reserved
 * codes follow `reservedCodeHandling`. A VF's PRI is its PF's (drivers/pci/ats.c
 * "VFs must not implement the PRI Capability ... it is shared by the VFs").
 * The kernel's `struct pci_dev` bookkeeping (pri_enabled, pasid_required ...)
 * lives in `kernel`, used by ./pci-ats.ts.
 */
import type { HwEnv } from './hw-env';
import type { CreditPool } from './credit-pool';
import { PriCapability, type PriCapabilityConfig, type PriListener, type PriStopReason } from './pri-capability';
import { PrgIndexAllocator, type PrgIndexPolicy } from './prg-index';
import {
  PAGE_SIZE,
  PRG_RESP_FAILURE,
  PRG_RESP_INVALID,
  PRG_RESP_SUCCESS,
  prgCodeName,
  type ReservedCodeHandling,
} from './pci-regs';
import type { PrgResponseMsg, UpstreamPort } from './upstream-port';

/** IOMMU_FAULT_PERM_* bits as a function requests them. */
const PERM_READ = 1 << 0;
const PERM_WRITE = 1 << 1;
const PERM_EXEC = 1 << 2;
const PERM_PRIV = 1 << 3;

export interface PasidCapConfig {
  /** Max PASID Width (bits, ≤ 20). */
  readonly maxPasidWidth: number;
  readonly exec: boolean;
  readonly priv: boolean;
}

export interface PciFunctionConfig {
  /** PCI address for labels, e.g. `0000:03:00.0`. */
  readonly name?: string;
  /** Requester ID (bus << 8 | devfn). */
  readonly rid: number;
  /** PASID capability (a VF uses its PF's); null/absent = none. */
  readonly pasid?: PasidCapConfig | null;
  /** ATS capability present. */
  readonly ats?: boolean;
  /** PRI capability (PF only; a VF shares its PF's). */
  readonly pri?: PriCapabilityConfig | null;
  readonly prgIndexPolicy?: PrgIndexPolicy;
  /** Most page requests the function puts in one group. */
  readonly maxRequestsPerPrg?: number;
  readonly reservedCodeHandling?: ReservedCodeHandling;
  /** Latch UPRGI for a response that names no outstanding group (default true). */
  readonly uprgiOnUnknownIndex?: boolean;
  /** How a PASID stop completes: wait for every response, or send a Stop Marker. */
  readonly stopPasidMode?: 'waitResponses' | 'stopMarker';
  /** Re-faults allowed after a Success whose re-translation still misses. */
  readonly maxRetries?: number;
  /** ATS round trip (TReq → Cpl), ns. */
  readonly atsNs?: bigint;
}

/** How one page request group ended, as the function's DMA engine learns it. */
export type PrgOutcome = 'success' | 'invalid' | 'failure' | 'refused' | 'dropped';

export type PrgCallback = (outcome: PrgOutcome, seq: number) => void;

interface PendingPrg {
  readonly prgi: number;
  readonly pasid: number | null;
  readonly requests: number;
  readonly cb: PrgCallback;
}

interface WaitingPrg {
  readonly pasid: number | null;
  readonly pages: readonly bigint[];
  readonly perm: number;
  readonly parent: number;
  readonly cb: PrgCallback;
}

/** `struct pci_dev` fields the kernel keeps about the function (drivers/pci/ats.c). */
export interface PciDevKernelState {
  priEnabled: boolean;
  priReqsAlloc: number;
  /** Cached from STATUS.PASID by pri_init(). */
  readonly pasidRequired: boolean;
  atsEnabled: boolean;
  pasidEnabled: boolean;
}

export class PciFunction implements PriListener {
  readonly rid: number;
  readonly name: string;
  readonly isVf: boolean;
  readonly pf: PciFunction | null;
  readonly vfs: PciFunction[] = [];
  /** The PRI capability this function uses (a VF's is its PF's), or null. */
  readonly pri: PriCapability | null;
  readonly kernel: PciDevKernelState;
  /** The IOMMU this function's link leads to; set by the IOMMU's connect(). */
  port: UpstreamPort | null = null;

  private readonly cfg: Required<Omit<PciFunctionConfig, 'name' | 'pasid' | 'pri'>> & {
    readonly pasid: PasidCapConfig | null;
  };
  private readonly prgIndex: PrgIndexAllocator;
  private readonly credits: CreditPool | null;
  private readonly pending = new Map<number, PendingPrg>();
  private readonly waiting: WaitingPrg[] = [];
  private readonly stoppedPasids = new Set<number>();
  private readonly pasidStopWaiters = new Map<number, (() => void)[]>();

  constructor(
    private readonly env: HwEnv,
    config: PciFunctionConfig,
    pf: PciFunction | null = null,
  ) {
    this.rid = config.rid;
    this.name = config.name ?? `rid ${config.rid.toString(16)}`;
    this.pf = pf;
    this.isVf = pf !== null;
    this.cfg = {
      rid: config.rid,
      ats: config.ats ?? true,
      pasid: pf ? pf.cfg.pasid : (config.pasid ?? null),
      prgIndexPolicy: config.prgIndexPolicy ?? 'sequential',
      maxRequestsPerPrg: config.maxRequestsPerPrg ?? 32,
      reservedCodeHandling: config.reservedCodeHandling ?? 'asFailure',
      uprgiOnUnknownIndex: config.uprgiOnUnknownIndex ?? true,
      stopPasidMode: config.stopPasidMode ?? 'waitResponses',
      maxRetries: config.maxRetries ?? 3,
      atsNs: config.atsNs ?? 500n,
    };
    this.pri = pf ? pf.pri : config.pri ? new PriCapability(env, config.rid, config.pri) : null;
    this.credits = this.pri ? this.pri.poolFor() : null;
    this.pri?.subscribe(this);
    this.prgIndex = new PrgIndexAllocator(this.cfg.prgIndexPolicy, env.rng);
    this.kernel = {
      priEnabled: false,
      priReqsAlloc: 0,
      pasidRequired: this.pri?.prgRespPasidRequired ?? false,
      atsEnabled: false,
      pasidEnabled: false,
    };
  }

  /** Creates an SR-IOV VF of this PF; it shares the PF's PRI (and PASID) capability. */
  createVf(config: Omit<PciFunctionConfig, 'pri' | 'pasid'>): PciFunction {
    if (this.isVf) throw new Error('createVf: a VF cannot have VFs'); // topology bug, not a guest error
    const vf = new PciFunction(this.env, { ...this.cfg, ...config }, this);
    this.vfs.push(vf);
    return vf;
  }

  get hasAts(): boolean {
    return this.cfg.ats;
  }

  get pasidCap(): PasidCapConfig | null {
    return this.cfg.pasid;
  }

  get atsNs(): bigint {
    return this.cfg.atsNs;
  }

  get maxRetries(): number {
    return this.cfg.maxRetries;
  }

  /** Largest group the function forms: its own limit, never more than its credits. */
  get maxPrgSize(): number {
    return Math.max(1, Math.min(this.cfg.maxRequestsPerPrg, this.pri?.readAllocation() ?? 0));
  }

  /** PRI may take new page requests from this function. */
  get priUsable(): boolean {
    return this.pri?.canRequest ?? false;
  }

  /** Page requests of this function awaiting their group's response. */
  get outstandingRequests(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.requests;
    return n;
  }

  get outstandingGroups(): number {
    return this.pending.size;
  }

  get waitingGroups(): number {
    return this.waiting.length;
  }

  isPrgOutstanding(prgi: number): boolean {
    return this.pending.has(prgi);
  }

  isPasidStopped(pasid: number): boolean {
    return this.stoppedPasids.has(pasid);
  }

  // --- sending ----------------------------------------------------------------

  /**
   * Sends one Page Request Group for `pages` (page addresses), or queues it
   * until enough credits (and a free PRG index) are available.
   */
  sendPrg(pasid: number | null, pages: readonly bigint[], perm: number, parent: number, cb: PrgCallback): void {
    if (!this.pri || !this.credits || !this.priUsable) {
      cb('refused', parent);
      return;
    }
    const req: WaitingPrg = { pasid, pages, perm, parent, cb };
    if (this.waiting.length === 0 && this.tryTransmit(req)) return;
    this.env.trace.emit('device', 'CREDIT_EXHAUSTED', this.rid, {
      pasid,
      addr: pages[0] ?? null,
      parent,
      note: `need ${pages.length}, ${this.credits.available} of ${this.pri.readAllocation()} credits free, ${this.prgIndex.inFlight}/512 PRG indices in flight; ${this.waiting.length} group(s) already waiting`,
    });
    this.waiting.push(req);
  }

  /**
   * Stops using `pasid` (PCIe PASID stop, §1.3): no new work for it; then
   * either wait until every group of the PASID is answered, or send a Stop
   * Marker (L=1, R=W=0, with PASID; not credited, never answered).
   */
  stopPasid(pasid: number, parent: number, done: () => void = () => {}): void {
    this.stoppedPasids.add(pasid);
    if (this.cfg.stopPasidMode === 'stopMarker') {
      this.sendStopMarker(pasid, parent);
      done();
      return;
    }
    if (![...this.pending.values()].some((p) => p.pasid === pasid)) {
      done();
      return;
    }
    const list = this.pasidStopWaiters.get(pasid) ?? [];
    list.push(done);
    this.pasidStopWaiters.set(pasid, list);
  }

  /** The PASID may be used again (a new bind). */
  resumePasid(pasid: number): void {
    this.stoppedPasids.delete(pasid);
  }

  /** A Stop Marker on its own (also usable by scenarios to inject one). */
  sendStopMarker(pasid: number, parent: number | null): number | null {
    if (!this.priUsable || !this.port) return null;
    const seq = this.env.trace.emit('device', 'STOP_MARKER_SEND', this.rid, {
      pasid,
      grpid: 0,
      perm: 0,
      parent,
      note: 'L=1 R=0 W=0 (not credited, no response expected)',
    });
    this.port.pageRequest({
      rid: this.rid,
      pasid,
      read: false,
      write: false,
      exec: false,
      priv: false,
      last: true,
      prgi: 0,
      addr: 0n,
      seq,
    });
    return seq;
  }

  // --- receiving --------------------------------------------------------------

  /** A PRG Response Message arrives. */
  receivePrgResponse(msg: PrgResponseMsg): void {
    const pending = this.pending.get(msg.prgi);
    const pasidNote =
      this.kernel.pasidRequired && pending?.pasid != null && msg.pasid !== pending.pasid
        ? `; PASID ${msg.pasid ?? 'absent'} ≠ request's ${pending.pasid} (PRG Response PASID Required)`
        : '';
    const seq = this.env.trace.emit('device', 'PRG_RESP_RECV', this.rid, {
      pasid: msg.pasid,
      grpid: msg.prgi,
      code: msg.code,
      parent: msg.seq,
      note: `${prgCodeName(msg.code)}${pending ? '' : ' (no such group outstanding)'}${pasidNote}`,
    });
    if (!this.pri) return;
    if (!pending) {
      if (this.cfg.uprgiOnUnknownIndex) this.pri.latchUprgi(this.rid, msg.prgi, seq, 'response for a PRG index not outstanding: ignored');
      return;
    }
    let outcome: PrgOutcome;
    if (msg.code === PRG_RESP_SUCCESS) outcome = 'success';
    else if (msg.code === PRG_RESP_INVALID) outcome = 'invalid';
    else if (msg.code === PRG_RESP_FAILURE) outcome = 'failure';
    else if (this.cfg.reservedCodeHandling === 'asFailure') outcome = 'failure';
    else if (this.cfg.reservedCodeHandling === 'asUPRGI') {
      this.pri.latchUprgi(this.rid, msg.prgi, seq, `reserved code ${prgCodeName(msg.code)} treated as unexpected: ignored`);
      return;
    } else {
      // 'ignore': the group stays outstanding and keeps its credits.
      return;
    }
    // RF first: the credits this response returns must not wake a waiting group.
    if (outcome === 'failure') this.pri.latchRf(this.rid, seq);
    this.complete(pending, seq);
    pending.cb(outcome, seq);
  }

  // --- PriListener --------------------------------------------------------------

  onPriStop(reason: PriStopReason, parent: number): void {
    // Groups that never left the function are refused; sent ones still await responses...
    const waiting = this.waiting.splice(0);
    for (const w of waiting) w.cb('refused', parent);
    if (reason !== 'reset') return;
    // ...except after a reset, which forgets them (a late response then latches UPRGI).
    const dropped = [...this.pending.values()];
    this.pending.clear();
    this.prgIndex.clear();
    this.credits?.clear();
    for (const p of dropped) p.cb('dropped', parent);
    this.wakePasidStops();
  }

  onCreditsReturned(): void {
    while (this.waiting.length > 0 && this.tryTransmit(this.waiting[0]!)) this.waiting.shift();
  }

  // --- internals -----------------------------------------------------------------

  private tryTransmit(req: WaitingPrg): boolean {
    const pri = this.pri!;
    const credits = this.credits!;
    if (!pri.canRequest || !this.port) return false;
    if (credits.available < req.pages.length) return false;
    const prgi = this.prgIndex.alloc();
    if (prgi === null) return false;
    credits.take(req.pages.length);
    pri.requestsIssued(req.pages.length);
    this.pending.set(prgi, { prgi, pasid: req.pasid, requests: req.pages.length, cb: req.cb });
    const perm = req.perm;
    req.pages.forEach((page, i) => {
      const last = i === req.pages.length - 1;
      const addr = page & ~(PAGE_SIZE - 1n);
      const seq = this.env.trace.emit('device', 'PR_SEND', this.rid, {
        pasid: req.pasid,
        grpid: prgi,
        addr,
        perm,
        parent: req.parent,
        note: `L=${last ? 1 : 0} ${i + 1}/${req.pages.length}`,
      });
      this.port!.pageRequest({
        rid: this.rid,
        pasid: req.pasid,
        read: (perm & PERM_READ) !== 0,
        write: (perm & PERM_WRITE) !== 0,
        exec: (perm & PERM_EXEC) !== 0,
        priv: (perm & PERM_PRIV) !== 0,
        last,
        prgi,
        addr,
        seq,
      });
    });
    return true;
  }

  /** The group's one response: free the index, return every credit of the group. */
  private complete(p: PendingPrg, seq: number): void {
    this.pending.delete(p.prgi);
    this.prgIndex.free(p.prgi);
    this.credits!.give(p.requests);
    this.pri!.requestsCompleted(p.requests, seq);
    this.wakePasidStops();
    this.pri!.creditsReturned();
  }

  private wakePasidStops(): void {
    for (const [pasid, list] of [...this.pasidStopWaiters]) {
      if ([...this.pending.values()].some((p) => p.pasid === pasid)) continue;
      this.pasidStopWaiters.delete(pasid);
      for (const done of list) done();
    }
  }
}
