/**
 * A function's DMA engine: work items (one access = pasid|none, IOVA range,
 * permissions) that translate through the IOMMU (../shared/spec/hardware-model.md
 * §1.6, §5.0, §5.3):
 *
 *  - with ATS enabled: ATS_TREQ → ATS_CPL; pages without a translation become
 *    page request groups (PRI); on Success the function translates again and
 *    either completes or faults again (a new group, up to `maxRetries`);
 *    Invalid Request or Response Failure ends the work item with an error;
 *  - without ATS (or a non-PCIe master behind an SMMU): the IOMMU translates
 *    the untranslated access itself and may abort it (unrecoverable fault) or
 *    stall it (SMMU).
 *
 * Every work item ends with exactly one DMA_COMPLETE (errno EIO on failure);
 * a WORK_ERROR just before it says why.
 */
import { ERRNO } from '../../shared/errno';
import type { HwEnv } from './hw-env';
import type { PciFunction, PrgOutcome } from './pci-function';
import { PAGE_SIZE, pageAlign } from './pci-regs';

export interface DmaAccess {
  /** PASID of the access, or null for a request without a PASID prefix. */
  readonly pasid: number | null;
  /** First IOVA, bytes (page aligned by the engine). */
  readonly addr: bigint;
  readonly pages: number;
  /** IOMMU_FAULT_PERM_* bits (READ 1, WRITE 2, EXEC 4, PRIV 8). */
  readonly perm: number;
}

/** How a work item ended. */
export interface WorkResult {
  readonly id: number;
  readonly ok: boolean;
  /** seq of its DMA_COMPLETE. */
  readonly seq: number;
  /** Page request groups it sent (all attempts). */
  readonly groups: number;
}

interface WorkItem {
  readonly id: number;
  readonly access: DmaAccess;
  readonly pages: readonly bigint[];
  /** Re-translations after a Success that still missed. */
  retries: number;
  groups: number;
  /** Groups of the current round still unanswered, and the worst outcome so far. */
  waiting: number;
  worst: PrgOutcome;
  readonly onDone: ((r: WorkResult) => void) | null;
}

const SEVERITY: Record<PrgOutcome, number> = { success: 0, invalid: 1, dropped: 2, refused: 3, failure: 4 };

export class DmaEngine {
  private nextId = 1;
  private active = 0;

  constructor(
    private readonly env: HwEnv,
    readonly fn: PciFunction,
  ) {}

  /** Work items started and not yet complete. */
  get inFlight(): number {
    return this.active;
  }

  /** Starts one access now; returns the work item id. */
  issue(access: DmaAccess, parent: number | null = null, onDone: ((r: WorkResult) => void) | null = null): number {
    const base = pageAlign(access.addr);
    const pages = Array.from({ length: Math.max(1, access.pages) }, (_, i) => base + BigInt(i) * PAGE_SIZE);
    const w: WorkItem = { id: this.nextId++, access, pages, retries: 0, groups: 0, waiting: 0, worst: 'success', onDone };
    this.active++;
    const seq = this.env.trace.emit('device', 'DMA_ISSUE', this.fn.rid, {
      pasid: access.pasid,
      addr: base,
      perm: access.perm,
      parent,
      note: `work ${w.id}: ${pages.length} page(s)${this.fn.kernel.atsEnabled ? '' : ', untranslated'}`,
    });
    const refusal = this.refusal(access);
    if (refusal) this.fail(w, refusal, seq);
    else if (this.fn.kernel.atsEnabled) this.translate(w, seq);
    else this.untranslated(w, seq);
    return w.id;
  }

  private refusal(access: DmaAccess): string | null {
    if (!this.fn.port) return 'function not connected to an IOMMU';
    if (access.pasid === null) return null;
    const pasidFn = this.fn.pf ?? this.fn;
    if (!pasidFn.kernel.pasidEnabled) return 'PASID capability not enabled';
    if (this.fn.isPasidStopped(access.pasid)) return `PASID ${access.pasid} stopped`;
    return null;
  }

  /** ATS Translation Request for every page, completion after the ATS round trip. */
  private translate(w: WorkItem, parent: number): void {
    const { pasid, perm } = w.access;
    const treq = this.env.trace.emit('device', 'ATS_TREQ', this.fn.rid, {
      pasid,
      addr: w.pages[0]!,
      perm,
      parent,
      note: `${w.pages.length} page(s)${w.retries ? `, after retry ${w.retries}` : ''}`,
    });
    this.env.sched.after(this.fn.atsNs, () => {
      const missing = w.pages.filter((p) => (this.fn.port!.atsTranslate(this.fn.rid, pasid, p, perm) & perm) !== perm);
      const cpl = this.env.trace.emit('device', 'ATS_CPL', this.fn.rid, {
        pasid,
        addr: w.pages[0]!,
        perm: missing.length === 0 ? perm : 0,
        parent: treq,
        note: `${w.pages.length - missing.length}/${w.pages.length} page(s) translated`,
      });
      if (missing.length === 0) return this.complete(w, cpl);
      if (w.groups > 0) {
        // A Success whose re-translation still misses: fault again, up to the cap.
        if (w.retries >= this.fn.maxRetries)
          return this.fail(w, `no translation after Success, ${w.retries} re-fault(s) already (retry cap)`, cpl);
        w.retries++;
      }
      if (!this.fn.priUsable) return this.fail(w, this.fn.pri ? 'ATS miss and PRI not usable (disabled or RF)' : 'ATS miss, no PRI', cpl);
      this.request(w, missing, cpl);
    });
  }

  /** One page request group per chunk of missing pages (a chunk never exceeds the credits). */
  private request(w: WorkItem, missing: readonly bigint[], parent: number): void {
    const size = this.fn.maxPrgSize;
    const chunks: bigint[][] = [];
    for (let i = 0; i < missing.length; i += size) chunks.push(missing.slice(i, i + size));
    w.waiting = chunks.length;
    w.worst = 'success';
    w.groups += chunks.length;
    for (const chunk of chunks) this.fn.sendPrg(w.access.pasid, chunk, w.access.perm, parent, (o, seq) => this.answered(w, o, seq));
  }

  private answered(w: WorkItem, outcome: PrgOutcome, seq: number): void {
    if (SEVERITY[outcome] > SEVERITY[w.worst]) w.worst = outcome;
    if (--w.waiting > 0) return;
    switch (w.worst) {
      case 'success': {
        const retry = this.env.trace.emit('device', 'RETRY', this.fn.rid, {
          pasid: w.access.pasid,
          addr: w.pages[0]!,
          parent: seq,
          note: `work ${w.id}: re-translate after Success`,
        });
        this.translate(w, retry);
        return;
      }
      case 'invalid':
        return this.fail(w, 'Invalid Request: pages cannot be made available', seq);
      case 'failure':
        return this.fail(w, 'Response Failure: PRI stopped (RF)', seq);
      case 'refused':
        return this.fail(w, 'PRI stopped before the group could be sent', seq);
      case 'dropped':
        return this.fail(w, 'PRI reset forgot the outstanding group', seq);
    }
  }

  private untranslated(w: WorkItem, parent: number): void {
    const { pasid, perm, pages } = w.access;
    // Untranslated requests carry the full address (an SMMU stall reports it unaligned).
    this.fn.port!.untranslated(this.fn.rid, { pasid, addr: w.access.addr, pages: Math.max(1, pages), perm }, parent, (result, seq) => {
      if (result === 'ok') this.complete(w, seq);
      else this.fail(w, 'aborted by the IOMMU (unrecoverable fault)', seq);
    });
  }

  private complete(w: WorkItem, parent: number): void {
    this.active--;
    const seq = this.env.trace.emit('device', 'DMA_COMPLETE', this.fn.rid, {
      pasid: w.access.pasid,
      addr: w.pages[0]!,
      perm: w.access.perm,
      parent,
      note: `work ${w.id} done${w.groups ? ` after ${w.groups} page request group(s)` : ''}`,
    });
    w.onDone?.({ id: w.id, ok: true, seq, groups: w.groups });
  }

  private fail(w: WorkItem, why: string, parent: number): void {
    this.active--;
    const err = this.env.trace.emit('device', 'WORK_ERROR', this.fn.rid, {
      pasid: w.access.pasid,
      addr: w.pages[0]!,
      parent,
      note: `work ${w.id}: ${why}`,
    });
    const seq = this.env.trace.emit('device', 'DMA_COMPLETE', this.fn.rid, {
      pasid: w.access.pasid,
      addr: w.pages[0]!,
      perm: w.access.perm,
      errno: ERRNO.EIO,
      parent: err,
      note: `work ${w.id} failed`,
    });
    w.onDone?.({ id: w.id, ok: false, seq, groups: w.groups });
  }
}
