/**
 * The fault path's state at any point of a recording, derived from events
 * alone: what sits on the iommufd deliver list, which cookies user space holds,
 * how full each IOMMU page request queue is, which PRGs each device is waiting
 * on and how many request credits they use, and the kernel's partial groups.
 *
 * `reducePathState(state, events)` is pure: it copies `state`, applies the
 * events in seq order and returns a new state. `PathStateMachine` is the
 * mutable engine behind it, used directly by the session indexer and the
 * exporters, which apply a million events one by one.
 *
 * Rules per kind (events that name no device or group change nothing):
 * PR_SEND +1 request on the device's PRG (dev, grpid) · PRG_RESP_RECV closes it
 * and returns its requests · PRQ_ENQ adds an entry to the PRQ · IOPF_PARTIAL,
 * IOPF_GROUP, IOPF_NO_HANDLER, DRV_REJECT, IOPF_ABORT consume the oldest entry
 * of their (dev, grpid) · IOPF_PARTIAL holds a partial group until IOPF_GROUP
 * or DISCARD_PARTIAL · FAULT_QUEUED appends to the deliver list · FAULT_READ
 * removes the group from it and hands out the cookie · RESPONSE_WRITE and
 * AUTO_RESPONSE return the cookie (AUTO_RESPONSE without a cookie drops the
 * queued or read group of its dev/grpid) · PRQ_OVF_SET/CLEAR toggle overflow.
 *
 * PRQ state is kept per IOMMU unit (`iommu` of the event, schema v3): PRQ_ENQ
 * and overflow events name their unit; a consuming event that names none
 * (io-pgfault's) takes the entry from the unit holding its (dev, grpid).
 * Events recorded before v3 name no unit and count on unit 0.
 *
 * The iommufd object tables: OBJ_ALLOC adds the object its note's head names
 * (`<TYPE> <id>[ ctx <n>]`, src/shared/uapi/iommufd-object-notes.ts) and
 * OBJ_DESTROY removes it; notes without a head change nothing. Recordings made
 * before every removal had its own OBJ_DESTROY ended a context with one
 * `context released: destroyed <ids>` OBJ_DESTROY, which removes those ids.
 */
import type { EventRow } from '../../shared/events';
import { parseObjectNote } from '../../shared/uapi/iommufd-object-notes';
import { pairKey } from './keys';
import type { QueuedGroup, OutstandingCookie, PrqEntry, PrqState, DevicePrg, DeviceState, PartialGroup, PathTotals, PathState, IommufdObjectState } from '../../shared/api/analysis';
export type { QueuedGroup, OutstandingCookie, PrqEntry, PrqState, DevicePrg, DeviceState, PartialGroup, PathTotals, PathState, IommufdObjectState };

/** Stored in every derived checkpoint; part of the session index's version, so a change rebuilds them. 2: `objects`. */
export const PATH_STATE_VERSION = 2;

/** The legacy end of a context (see the header): its destroyed ids. */
const LEGACY_RELEASE = /^context released: destroyed ([\d, ]+)/;

const objectKey = (ctx: number, id: number): string => `${ctx}/${id}`;

export function initialPathState(): PathState {
  return new PathStateMachine().snapshot();
}

/** Pure: the state after applying `events` (seq order) to `state`. */
export function reducePathState(state: PathState, events: Iterable<EventRow>): PathState {
  const m = new PathStateMachine(state);
  for (const e of events) m.apply(e);
  return m.snapshot();
}

interface MutablePrq {
  entries: Map<number, PrqEntry>;
  byGroup: Map<number | string, number[]>;
  overflow: boolean;
  highWater: number;
}

interface MutableDevice {
  prgs: Map<number, { grpid: number; pasid: number | null; requests: number; seq: number }>;
  requests: number;
}

export class PathStateMachine {
  seq = -1;
  t = 0;
  private deliver = new Map<number | string, QueuedGroup>();
  private readonly cookies = new Map<number | string, OutstandingCookie>();
  private readonly prq = new Map<number, MutablePrq>();
  private readonly devices = new Map<number, MutableDevice>();
  private readonly partial = new Map<number | string, { dev: number; pasid: number | null; grpid: number; faults: number; seq: number }>();
  private totals = { faultsQueued: 0, groupsRead: 0, responses: 0, autoResponses: 0, pageResponses: 0, prgResponses: 0, prqDrops: 0, fdErrors: 0 };
  /** Live iommufd objects by `ctx/id`. */
  private readonly objects = new Map<string, IommufdObjectState>();

  constructor(from?: PathState) {
    if (!from) return;
    if (from.version !== PATH_STATE_VERSION) throw new Error(`path state version ${from.version} is not ${PATH_STATE_VERSION}`);
    this.seq = from.seq;
    this.t = from.t;
    for (const g of from.deliver) this.deliver.set(pairKey(g.dev, g.grpid), { ...g });
    for (const c of from.cookies) this.cookies.set(pairKey(c.dev, c.cookie), { ...c });
    for (const q of from.prq) {
      const m = this.queue(q.iommu);
      for (const e of q.entries) this.enqueue(m, { ...e });
      m.overflow = q.overflow;
      m.highWater = q.highWater;
    }
    for (const d of from.devices) {
      const m = this.device(d.dev);
      for (const p of d.prgs) m.prgs.set(p.grpid, { ...p });
      m.requests = d.requests;
    }
    for (const p of from.partial) this.partial.set(pairKey(p.dev, p.grpid), { ...p });
    this.totals = { ...from.totals };
    for (const o of from.objects) this.objects.set(objectKey(o.ctx, o.id), { ...o });
  }

  /** Groups on the deliver list. */
  get queuedGroups(): number {
    return this.deliver.size;
  }

  /** Cookies handed out and not answered. */
  get outstandingCookies(): number {
    return this.cookies.size;
  }

  prqOccupancy(iommu = 0): number {
    return this.prq.get(iommu)?.entries.size ?? 0;
  }

  /** The IOMMU units that have a page request queue so far, in order of first use. */
  prqUnits(): IterableIterator<number> {
    return this.prq.keys();
  }

  /** PRGs the device is waiting on. */
  outstandingPrgs(dev: number): number {
    return this.devices.get(dev)?.prgs.size ?? 0;
  }

  /** Page request credits the device holds (requests of its open PRGs). */
  requestsInUse(dev: number): number {
    return this.devices.get(dev)?.requests ?? 0;
  }

  apply(e: EventRow): void {
    this.seq = e.seq;
    this.t = e.t;
    const { dev, grpid } = e;
    switch (e.kind) {
      case 'PR_SEND': {
        if (dev === null || grpid === null) break;
        const d = this.device(dev);
        const prg = d.prgs.get(grpid);
        if (prg) prg.requests++;
        else d.prgs.set(grpid, { grpid, pasid: e.pasid, requests: 1, seq: e.seq });
        d.requests++;
        break;
      }
      case 'PRG_RESP_RECV': {
        this.totals.prgResponses++;
        if (dev === null || grpid === null) break;
        const d = this.devices.get(dev);
        const prg = d?.prgs.get(grpid);
        if (d && prg) {
          d.prgs.delete(grpid);
          d.requests -= prg.requests;
        }
        break;
      }
      case 'PRQ_ENQ':
        if (dev === null || grpid === null) break;
        this.enqueue(this.queue(e.iommu ?? 0), { dev, pasid: e.pasid, grpid, seq: e.seq });
        break;
      case 'PRQ_DROP':
        this.totals.prqDrops++;
        break;
      case 'PRQ_OVF_SET':
        this.queue(e.iommu ?? 0).overflow = true;
        break;
      case 'PRQ_OVF_CLEAR':
        this.queue(e.iommu ?? 0).overflow = false;
        break;
      case 'IOPF_PARTIAL': {
        this.consume(dev, grpid, e.iommu);
        if (dev === null || grpid === null) break;
        const key = pairKey(dev, grpid);
        const p = this.partial.get(key);
        if (p) p.faults++;
        else this.partial.set(key, { dev, pasid: e.pasid, grpid, faults: 1, seq: e.seq });
        break;
      }
      case 'IOPF_GROUP':
        this.consume(dev, grpid, e.iommu);
        if (dev !== null && grpid !== null) this.partial.delete(pairKey(dev, grpid));
        break;
      case 'IOPF_NO_HANDLER':
      case 'DRV_REJECT':
      case 'IOPF_ABORT':
        this.consume(dev, grpid, e.iommu);
        break;
      case 'DISCARD_PARTIAL':
        if (dev !== null && grpid !== null) this.partial.delete(pairKey(dev, grpid));
        else if (dev !== null) for (const [k, p] of this.partial) if (p.dev === dev) this.partial.delete(k);
        break;
      case 'FAULT_QUEUED':
        this.totals.faultsQueued++;
        if (dev === null || grpid === null) break;
        this.deliver.set(pairKey(dev, grpid), { dev, pasid: e.pasid, grpid, addr: e.addr, seq: e.seq });
        break;
      case 'FAULT_READ':
        if (dev !== null && grpid !== null && this.deliver.delete(pairKey(dev, grpid))) this.totals.groupsRead++;
        if (e.cookie !== null && !this.cookies.has(pairKey(dev, e.cookie)))
          this.cookies.set(pairKey(dev, e.cookie), { dev, cookie: e.cookie, pasid: e.pasid, grpid, seq: e.seq });
        break;
      case 'READ_SHORT':
        // The group goes back to the head of the deliver list and its cookie is freed.
        if (e.cookie !== null) this.releaseCookie(dev, e.cookie);
        if (dev !== null && grpid !== null && !this.deliver.has(pairKey(dev, grpid)))
          this.deliver = new Map([[pairKey(dev, grpid), { dev, pasid: e.pasid, grpid, addr: e.addr, seq: e.seq }], ...this.deliver]);
        break;
      case 'RESPONSE_WRITE':
        this.totals.responses++;
        if (e.cookie !== null) this.releaseCookie(dev, e.cookie);
        break;
      case 'AUTO_RESPONSE':
        this.totals.autoResponses++;
        if (e.cookie !== null) this.releaseCookie(dev, e.cookie);
        else if (dev !== null && grpid !== null && !this.deliver.delete(pairKey(dev, grpid))) {
          for (const [k, c] of this.cookies) if (c.dev === dev && c.grpid === grpid) this.cookies.delete(k);
        }
        break;
      case 'PAGE_RESPONSE':
        this.totals.pageResponses++;
        break;
      case 'FD_ERRNO':
        this.totals.fdErrors++;
        break;
      case 'OBJ_ALLOC': {
        const o = parseObjectNote(e.note);
        if (o) this.objects.set(objectKey(o.ctx, o.id), { id: o.id, type: o.type, ctx: o.ctx, dev: e.dev, detail: o.detail, seq: e.seq });
        break;
      }
      case 'OBJ_DESTROY': {
        const o = parseObjectNote(e.note);
        if (o) this.objects.delete(objectKey(o.ctx, o.id));
        else {
          const legacy = e.note === null ? null : LEGACY_RELEASE.exec(e.note);
          if (legacy) for (const id of legacy[1]!.split(',')) this.objects.delete(objectKey(1, Number(id.trim())));
        }
        break;
      }
      default:
        break;
    }
  }

  snapshot(): PathState {
    const bySeq = <T extends { seq: number }>(a: T[]): T[] => a.sort((x, y) => x.seq - y.seq);
    return {
      version: PATH_STATE_VERSION,
      seq: this.seq,
      t: this.t,
      deliver: [...this.deliver.values()].map((g) => ({ ...g })),
      cookies: bySeq([...this.cookies.values()].map((c) => ({ ...c }))),
      prq: [...this.prq.entries()]
        .sort(([a], [b]) => a - b)
        .map(([iommu, q]) => ({ iommu, entries: bySeq([...q.entries.values()].map((e) => ({ ...e }))), overflow: q.overflow, highWater: q.highWater })),
      devices: [...this.devices.entries()]
        .sort(([a], [b]) => a - b)
        .map(([dev, d]) => ({ dev, prgs: bySeq([...d.prgs.values()].map((p) => ({ ...p }))), requests: d.requests })),
      partial: bySeq([...this.partial.values()].map((p) => ({ ...p }))),
      totals: { ...this.totals },
      objects: [...this.objects.values()].sort((a, b) => a.ctx - b.ctx || a.id - b.id).map((o) => ({ ...o })),
    };
  }

  private queue(iommu: number): MutablePrq {
    let q = this.prq.get(iommu);
    if (!q) this.prq.set(iommu, (q = { entries: new Map(), byGroup: new Map(), overflow: false, highWater: 0 }));
    return q;
  }

  private device(dev: number): MutableDevice {
    let d = this.devices.get(dev);
    if (!d) this.devices.set(dev, (d = { prgs: new Map(), requests: 0 }));
    return d;
  }

  private enqueue(q: MutablePrq, e: PrqEntry): void {
    q.entries.set(e.seq, e);
    const key = pairKey(e.dev, e.grpid);
    const list = q.byGroup.get(key);
    if (list) list.push(e.seq);
    else q.byGroup.set(key, [e.seq]);
    if (q.entries.size > q.highWater) q.highWater = q.entries.size;
  }

  /** The driver consumed the oldest PRQ entry of (dev, grpid), on `iommu` or, when the event names no unit, on the unit holding one. */
  private consume(dev: number | null, grpid: number | null, iommu: number | null): void {
    if (dev === null || grpid === null) return;
    const key = pairKey(dev, grpid);
    let q: MutablePrq | undefined;
    if (iommu !== null) q = this.prq.get(iommu);
    else
      for (const unit of this.prq.values())
        if (unit.byGroup.get(key)?.length) {
          q = unit;
          break;
        }
    const list = q?.byGroup.get(key);
    if (!q || !list || list.length === 0) return;
    q.entries.delete(list.shift()!);
    if (list.length === 0) q.byGroup.delete(key);
  }

  private releaseCookie(dev: number | null, cookie: number): void {
    if (this.cookies.delete(pairKey(dev, cookie))) return;
    // The event did not name the device: take the oldest holder of that cookie.
    for (const [k, c] of this.cookies) {
      if (c.cookie === cookie && (dev === null || c.dev === null || c.dev === dev)) {
        this.cookies.delete(k);
        return;
      }
    }
  }
}
