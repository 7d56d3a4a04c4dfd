/**
 * Groups the event stream into faults, online and in seq order. A *fault* is
 * one Page Request Group of one device: it opens at the first event that names
 * a (dev, PRG index) pair not currently open — normally the first PR_SEND, but
 * PRQ_ENQ, IOPF_*, FAULT_QUEUED or FAULT_READ open it too when a trace lacks
 * the device side — and closes at the device's PRG_RESP_RECV for that index
 * (after which the device may reuse the index). Membership:
 *
 * - an event carrying a cookie joins the fault that cookie was handed out for
 *   (FAULT_READ registers it; RESPONSE_WRITE / AUTO_RESPONSE release it), with
 *   the cookie scoped by dev when the event names one;
 * - otherwise an event carrying dev and grpid joins the open fault of that pair;
 * - a PR_SEND for a pair whose fault already reached the kernel (IOPF_GROUP or
 *   later) starts a new fault and closes the old one as `superseded`.
 *
 * Identity used by diff: (dev, pasid, grpid, addr, perm) with addr and perm of
 * the first page request (first event with an address when there is none).
 * Latency: FAULT_QUEUED → first response (RESPONSE_WRITE, else an automatic or
 * kernel response); device latency: first PR_SEND → PRG_RESP_RECV.
 */
import type { EventKind, EventRow } from '../../shared/events';
import { pairKey } from './keys';
import type { ResponseKind, FaultOutcome } from '../../shared/api/analysis';
export type { ResponseKind, FaultOutcome };

/** Where a fault has been on one track: the span of its events there. */
export interface TrackSpan {
  firstSeq: number;
  firstT: number;
  lastSeq: number;
  lastT: number;
  events: number;
}

export interface Fault {
  readonly id: number;
  readonly dev: number;
  readonly grpid: number;
  pasid: number | null;
  /** IOVA of the first page request, `0x…`. */
  addr: string | null;
  perm: number | null;
  /** PR_SEND events (pages) of the group. */
  requests: number;
  firstSeq: number;
  lastSeq: number;
  firstT: number;
  lastT: number;
  prSeq: number | null;
  prT: number | null;
  queuedSeq: number | null;
  queuedT: number | null;
  readSeq: number | null;
  readT: number | null;
  cookie: number | null;
  responseSeq: number | null;
  responseT: number | null;
  responseCode: number | null;
  responseKind: ResponseKind | null;
  pageRespSeq: number | null;
  pageRespT: number | null;
  pageCode: number | null;
  prgRespSeq: number | null;
  prgRespT: number | null;
  prgCode: number | null;
  /** 0 requests, 1 in the IOMMU/partial, 2 assembled by the kernel, 3 queued, 4 read, 5 answered, 6 page response, 7 closed. */
  stage: number;
  superseded: boolean;
  /** Spans per track id (only when the caller passes track ids). */
  readonly spans: Map<number, TrackSpan>;
}

/** Kinds that may open a fault for a (dev, grpid) pair that has none. */
const OPENERS: ReadonlySet<EventKind> = new Set<EventKind>(['PR_SEND', 'PRQ_ENQ', 'IOPF_PARTIAL', 'IOPF_GROUP', 'IOPF_NO_HANDLER', 'FAULT_QUEUED', 'FAULT_READ']);

/** Stage a kind moves a fault to (never backwards). */
const STAGE: Partial<Record<EventKind, number>> = {
  PR_SEND: 0,
  PRQ_ENQ: 1,
  IOPF_PARTIAL: 1,
  IOPF_GROUP: 2,
  IOPF_NO_HANDLER: 2,
  FAULT_QUEUED: 3,
  FAULT_READ: 4,
  RESPONSE_WRITE: 5,
  AUTO_RESPONSE: 5,
  PAGE_RESPONSE: 6,
  PRG_RESP_RECV: 7,
};

const KERNEL_RESPONSES: ReadonlySet<EventKind> = new Set<EventKind>(['IOPF_NO_HANDLER', 'IOPF_ABORT', 'DRV_REJECT']);

export function faultOutcome(f: Fault): FaultOutcome {
  if (f.prgRespSeq !== null) return 'completed';
  if (f.superseded) return 'superseded';
  if (f.pageRespSeq !== null) return 'response-sent';
  if (f.responseSeq !== null) return 'responded';
  if (f.readSeq !== null) return 'read';
  if (f.queuedSeq !== null) return 'queued';
  return 'pending';
}

export const faultLatency = (f: Fault): number | null =>
  f.queuedT !== null && f.responseT !== null ? f.responseT - f.queuedT : null;
export const faultDeviceLatency = (f: Fault): number | null => (f.prT !== null && f.prgRespT !== null ? f.prgRespT - f.prT : null);

export class FaultAssembler {
  private nextId = 1;
  private readonly open = new Map<number | string, Fault>();
  private readonly byCookie = new Map<number | string, Fault>();
  private readonly byBareCookie = new Map<number, Fault>();

  /** `onDone` receives every fault once: when it closes, or from finish(). */
  constructor(private readonly onDone: (f: Fault) => void = () => undefined) {}

  /** Open faults right now (not yet answered at the device). */
  get openCount(): number {
    return this.open.size;
  }

  /**
   * Feeds the next event (seq order); returns the fault it belongs to, or
   * null. `trackId` (≥ 0) records the fault's span on that track.
   */
  add(e: EventRow, trackId = -1): Fault | null {
    const f = this.find(e);
    if (!f) return null;
    this.join(f, e, trackId);
    return f;
  }

  /** Hands out the faults still open (a session that stopped mid-flight). */
  finish(): void {
    for (const f of [...this.open.values()].sort((a, b) => a.id - b.id)) this.onDone(f);
    this.open.clear();
    this.byCookie.clear();
    this.byBareCookie.clear();
  }

  private find(e: EventRow): Fault | null {
    if (e.cookie !== null && e.kind !== 'FAULT_READ') {
      const f = e.dev !== null ? this.byCookie.get(pairKey(e.dev, e.cookie)) : this.byBareCookie.get(e.cookie);
      if (f) return f;
    }
    if (e.dev === null || e.grpid === null) return null;
    const key = pairKey(e.dev, e.grpid);
    const f = this.open.get(key);
    if (f && !(e.kind === 'PR_SEND' && f.stage >= 2)) return f;
    if (!OPENERS.has(e.kind)) return f ?? null;
    if (f) {
      f.superseded = true;
      this.close(f);
    }
    const fresh: Fault = {
      id: this.nextId++,
      dev: e.dev,
      grpid: e.grpid,
      pasid: e.pasid,
      addr: e.addr,
      perm: e.kind === 'PR_SEND' ? e.perm : null,
      requests: 0,
      firstSeq: e.seq,
      lastSeq: e.seq,
      firstT: e.t,
      lastT: e.t,
      prSeq: null,
      prT: null,
      queuedSeq: null,
      queuedT: null,
      readSeq: null,
      readT: null,
      cookie: null,
      responseSeq: null,
      responseT: null,
      responseCode: null,
      responseKind: null,
      pageRespSeq: null,
      pageRespT: null,
      pageCode: null,
      prgRespSeq: null,
      prgRespT: null,
      prgCode: null,
      stage: 0,
      superseded: false,
      spans: new Map(),
    };
    this.open.set(key, fresh);
    return fresh;
  }

  private join(f: Fault, e: EventRow, trackId: number): void {
    f.lastSeq = e.seq;
    f.lastT = e.t;
    if (f.pasid === null && e.pasid !== null) f.pasid = e.pasid;
    if (f.addr === null && e.addr !== null) f.addr = e.addr;
    if (f.perm === null && e.perm !== null && (e.kind === 'PR_SEND' || e.kind === 'PRQ_ENQ' || e.kind === 'FAULT_READ')) f.perm = e.perm;
    const stage = STAGE[e.kind];
    if (stage !== undefined && stage > f.stage) f.stage = stage;
    if (trackId >= 0) {
      const s = f.spans.get(trackId);
      if (s) {
        s.lastSeq = e.seq;
        s.lastT = e.t;
        s.events++;
      } else f.spans.set(trackId, { firstSeq: e.seq, firstT: e.t, lastSeq: e.seq, lastT: e.t, events: 1 });
    }
    switch (e.kind) {
      case 'PR_SEND':
        f.requests++;
        if (f.prSeq === null) {
          f.prSeq = e.seq;
          f.prT = e.t;
          // The first page request defines the fault's address and access.
          f.addr = e.addr ?? f.addr;
          f.perm = e.perm ?? f.perm;
        }
        break;
      case 'FAULT_QUEUED':
        if (f.queuedSeq === null) {
          f.queuedSeq = e.seq;
          f.queuedT = e.t;
        }
        break;
      case 'FAULT_READ':
        if (f.readSeq === null) {
          f.readSeq = e.seq;
          f.readT = e.t;
        }
        if (e.cookie !== null && f.cookie === null) {
          f.cookie = e.cookie;
          this.byCookie.set(pairKey(e.dev, e.cookie), f);
          this.byBareCookie.set(e.cookie, f);
        }
        break;
      case 'RESPONSE_WRITE':
      case 'AUTO_RESPONSE':
        this.respond(f, e, e.kind === 'RESPONSE_WRITE' ? 'write' : 'auto');
        this.releaseCookie(f);
        break;
      case 'AUTO_RESP':
        this.respond(f, e, 'hardware');
        break;
      case 'PAGE_RESPONSE':
        if (f.pageRespSeq === null) {
          f.pageRespSeq = e.seq;
          f.pageRespT = e.t;
          f.pageCode = e.code;
        }
        break;
      case 'PRG_RESP_RECV':
        f.prgRespSeq = e.seq;
        f.prgRespT = e.t;
        f.prgCode = e.code;
        this.close(f);
        break;
      default:
        if (KERNEL_RESPONSES.has(e.kind) && e.code !== null) this.respond(f, e, 'kernel');
    }
  }

  private respond(f: Fault, e: EventRow, kind: ResponseKind): void {
    if (f.responseSeq !== null) return;
    f.responseSeq = e.seq;
    f.responseT = e.t;
    f.responseCode = e.code;
    f.responseKind = kind;
  }

  private releaseCookie(f: Fault): void {
    if (f.cookie === null) return;
    if (this.byCookie.get(pairKey(f.dev, f.cookie)) === f) this.byCookie.delete(pairKey(f.dev, f.cookie));
    if (this.byBareCookie.get(f.cookie) === f) this.byBareCookie.delete(f.cookie);
  }

  private close(f: Fault): void {
    const key = pairKey(f.dev, f.grpid);
    if (this.open.get(key) === f) this.open.delete(key);
    this.releaseCookie(f);
    this.onDone(f);
  }
}
