/**
 * An IOMMU with a page request queue and the driver's IRQ thread that drains
 * it (VT-d PRQ shape, ../shared/spec/hardware-model.md §2.1 and §5.0): the
 * hardware enqueues each request, the IRQ thread runs after a latency, consumes
 * every entry in order and reports each to the io-pgfault core. Responses go
 * back to the device as PRG Response messages.
 */
import type { IoPageFaultCore } from '../kernel/legacy-io-pgfault';
import type { IommuFaultPageRequest, IopfFault, PageResponder } from '../kernel/legacy-iopf-types';
import type { Scheduler } from '../sim/scheduler';
import type { Tracer } from '../trace/tracer';

/** A page request as it crosses the link, with the device event that sent it. */
export interface PageRequestMessage {
  readonly devId: number;
  readonly prm: IommuFaultPageRequest;
  /** seq of PR_SEND. */
  readonly seq: number;
}

export interface IommuTiming {
  /** Device → IOMMU and IOMMU → device message latency, ns. */
  readonly linkNs: bigint;
  /** From the page request interrupt to the driver's IRQ thread running, ns. */
  readonly irqThreadNs: bigint;
}

export interface PrgResponseMessage {
  readonly pasid: number;
  readonly grpid: number;
  readonly code: number;
  /** seq of PAGE_RESPONSE. */
  readonly seq: number;
}

export type PrgResponseSink = (devId: number, response: PrgResponseMessage) => void;

export class IommuUnit implements PageResponder {
  private readonly prq: { msg: PageRequestMessage; seq: number }[] = [];
  private irqPending = false;
  private iopf: IoPageFaultCore | null = null;
  private deviceSink: PrgResponseSink | null = null;

  constructor(
    private readonly sched: Scheduler,
    private readonly tracer: Tracer,
    private readonly timing: IommuTiming,
    /** Page request queue depth (entries). */
    private readonly prqDepth: number,
  ) {}

  connect(iopf: IoPageFaultCore, deviceSink: PrgResponseSink): void {
    this.iopf = iopf;
    this.deviceSink = deviceSink;
  }

  /** A Page Request Message arrives from a device. */
  receivePageRequest(msg: PageRequestMessage): void {
    this.sched.after(this.timing.linkNs, () => {
      const { prm, devId } = msg;
      const seq = this.tracer.emit('iommu', 'PRQ_ENQ', {
        dev: devId,
        pasid: prm.pasid,
        grpid: prm.grpid,
        addr: prm.addr,
        perm: prm.perm,
        parent: msg.seq,
        note: `slot ${this.prq.length}/${this.prqDepth}`,
      });
      this.prq.push({ msg, seq });
      if (!this.irqPending) {
        this.irqPending = true;
        this.sched.after(this.timing.irqThreadNs, () => this.drain());
      }
    });
  }

  /** `ops->page_response`: encode and send a PRG Response to the device. */
  pageResponse(devId: number, lastFault: IopfFault, code: number, parent: number): void {
    const { pasid, grpid } = lastFault.prm;
    const seq = this.tracer.emit('iommu', 'PAGE_RESPONSE', { dev: devId, pasid, grpid, code, parent });
    this.sched.after(this.timing.linkNs, () => this.deviceSink?.(devId, { pasid, grpid, code, seq }));
  }

  /** The driver's IRQ thread: consume every entry, in order, then release the queue. */
  private drain(): void {
    this.irqPending = false;
    const batch = this.prq.splice(0);
    const seq = this.tracer.emit('iommu', 'DRV_CONSUME', { parent: batch[0]?.seq ?? null, note: `${batch.length} entr${batch.length === 1 ? 'y' : 'ies'}` });
    for (const e of batch) this.iopf?.reportFault(e.msg.devId, e.msg.prm, seq);
  }
}
