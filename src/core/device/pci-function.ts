/**
 * A PCIe function with PASID, ATS and PRI (../shared/spec/hardware-model.md
 * §1, §5.3): a DMA access that misses translation becomes one Page Request
 * Group of one request per page, the last with L=1; each request holds an
 * outstanding-request credit until the PRG response returns; on Success the
 * function re-translates and either completes the DMA or faults again.
 */
import {
  IOMMU_PGFAULT_FLAGS_LAST_PAGE,
  IOMMU_PGFAULT_FLAGS_PASID_VALID,
  IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID,
  IOMMUFD_PAGE_RESP_SUCCESS,
} from '../../shared/uapi/iommufd';
import type { IommuUnit, PrgResponseMessage } from '../iommu/iommu-unit';
import type { Scheduler } from '../sim/scheduler';
import type { Tracer } from '../trace/tracer';

export const PAGE_SIZE = 4096n;
/** The PRG index is a 9-bit field of the Page Request Message. */
const PRGI_MASK = 0x1ff;

export interface DmaAccess {
  readonly pasid: number | null;
  /** First IOVA (page aligned by the function). */
  readonly addr: bigint;
  readonly pages: number;
  /** IOMMU_PGFAULT_PERM_* bits requested. */
  readonly perm: number;
}

export interface TranslationLookup {
  /** True when every page of the access is mapped with the needed permissions. */
  isMapped(devId: number, pasid: number | null, addr: bigint, pages: number, perm: number): boolean;
}

interface PendingPrg {
  readonly access: DmaAccess;
  readonly requests: number;
  readonly dmaSeq: number;
  readonly attempt: number;
}

export interface PciFunctionConfig {
  readonly devId: number;
  /** PRI Outstanding Page Request Allocation (credits). */
  readonly priAllocation: number;
  /** ATS round trip, ns. */
  readonly atsNs: bigint;
  /** Re-faults allowed after a Success whose re-translation still misses. */
  readonly maxRetries: number;
}

export class PciFunction {
  private nextPrgi = 0;
  private credits: number;
  private readonly pending = new Map<number, PendingPrg>();

  constructor(
    private readonly cfg: PciFunctionConfig,
    private readonly sched: Scheduler,
    private readonly tracer: Tracer,
    private readonly iommu: IommuUnit,
    private readonly translations: TranslationLookup,
  ) {
    this.credits = cfg.priAllocation;
  }

  get devId(): number {
    return this.cfg.devId;
  }

  /** Outstanding page requests (credits in use). */
  get outstandingRequests(): number {
    return this.cfg.priAllocation - this.credits;
  }

  /** Starts a DMA access now. */
  issue(access: DmaAccess, attempt = 0, parent: number | null = null): void {
    const devId = this.cfg.devId;
    const dmaSeq = this.tracer.emit('device', 'DMA_ISSUE', {
      dev: devId,
      pasid: access.pasid,
      addr: access.addr,
      perm: access.perm,
      parent,
      note: `${access.pages} page(s)${attempt ? `, retry ${attempt}` : ''}`,
    });
    this.sched.after(this.cfg.atsNs, () => this.translate(access, dmaSeq, attempt));
  }

  /** A PRG Response Message arrives. */
  receiveResponse(r: PrgResponseMessage): void {
    const devId = this.cfg.devId;
    const prg = this.pending.get(r.grpid);
    const seq = this.tracer.emit('device', 'PRG_RESP_RECV', { dev: devId, pasid: r.pasid, grpid: r.grpid, code: r.code, parent: r.seq });
    if (!prg) return; // unexpected index: the UPRGI case, deepened with the hardware model
    this.pending.delete(r.grpid);
    this.credits += prg.requests;
    if (r.code === IOMMUFD_PAGE_RESP_SUCCESS) this.sched.after(this.cfg.atsNs, () => this.retranslate(prg, seq));
    else this.tracer.emit('device', 'DMA_COMPLETE', { dev: devId, pasid: r.pasid, addr: prg.access.addr, errno: 5, parent: seq, note: 'page request refused' });
  }

  private translate(access: DmaAccess, dmaSeq: number, attempt: number): void {
    const devId = this.cfg.devId;
    const hit = this.translations.isMapped(devId, access.pasid, access.addr, access.pages, access.perm);
    const atsSeq = this.tracer.emit('device', 'ATS_CPL', {
      dev: devId,
      pasid: access.pasid,
      addr: access.addr,
      perm: hit ? access.perm : 0,
      parent: dmaSeq,
    });
    if (hit) {
      this.tracer.emit('device', 'DMA_COMPLETE', { dev: devId, pasid: access.pasid, addr: access.addr, parent: atsSeq });
      return;
    }
    this.sendPageRequests(access, atsSeq, attempt);
  }

  private sendPageRequests(access: DmaAccess, parent: number, attempt: number): void {
    if (this.credits < access.pages) {
      // Out of credits: the function waits; modelled in depth with the PRI state machine.
      this.tracer.emit('device', 'PR_SEND', { dev: this.cfg.devId, errno: null, parent, note: 'credits exhausted' });
      return;
    }
    const grpid = this.nextPrgi;
    this.nextPrgi = (this.nextPrgi + 1) & PRGI_MASK;
    this.credits -= access.pages;
    this.pending.set(grpid, { access, requests: access.pages, dmaSeq: parent, attempt });
    const base = access.addr & ~(PAGE_SIZE - 1n);
    for (let i = 0; i < access.pages; i++) {
      const last = i === access.pages - 1;
      const flags =
        (last ? IOMMU_PGFAULT_FLAGS_LAST_PAGE : 0) |
        (access.pasid !== null ? IOMMU_PGFAULT_FLAGS_PASID_VALID | IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID : 0);
      const prm = { flags, pasid: access.pasid ?? 0, grpid, perm: access.perm, addr: base + BigInt(i) * PAGE_SIZE };
      const seq = this.tracer.emit('device', 'PR_SEND', {
        dev: this.cfg.devId,
        pasid: access.pasid,
        grpid,
        addr: prm.addr,
        perm: access.perm,
        parent,
        note: last ? 'L=1' : 'L=0',
      });
      this.iommu.receivePageRequest({ devId: this.cfg.devId, prm, seq });
    }
  }

  /** After Success the function translates again: a hit completes the DMA, a miss faults again. */
  private retranslate(prg: PendingPrg, parent: number): void {
    const { access } = prg;
    const mapped = this.translations.isMapped(this.cfg.devId, access.pasid, access.addr, access.pages, access.perm);
    if (!mapped && prg.attempt >= this.cfg.maxRetries) {
      this.tracer.emit('device', 'DMA_COMPLETE', { dev: this.cfg.devId, pasid: access.pasid, addr: access.addr, errno: 5, parent, note: `gave up after ${prg.attempt + 1} page request groups` });
      return;
    }
    this.translate(access, parent, prg.attempt + 1);
  }
}
