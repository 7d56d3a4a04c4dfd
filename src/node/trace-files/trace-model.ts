/**
 * What both timeline exports show, independent of the file format: one walk
 * over the events in seq order that turns them into tracks, slices, instants,
 * flows and counters, with constant memory (state is bounded by the faults in
 * flight). The Perfetto and Chrome writers implement `TraceModelVisitor`.
 *
 * Tracks: a parent track per device with one lane track per PASID for its
 * page request groups, one per IOMMU unit (its hardware events, by the
 * events' `iommu`; events that name no unit go to unit 0), the io-pgfault core, the iommufd fault queue
 * (lanes for groups waiting on the deliver list) and the policy (lanes for
 * cookies held by user space), plus checks. Slices on one lane never overlap:
 * a slice takes the lowest free lane of its group.
 *
 * Slices per fault: `PRG <grpid>` on the device lane from the first PR_SEND to
 * PRG_RESP_RECV; `queued …` on a fault-queue lane from FAULT_QUEUED to the first
 * FAULT_READ; `cookie <c>` on a policy lane from that FAULT_READ to the
 * response. One flow per fault (id = fault id) runs page request → queued →
 * cookie → PAGE_RESPONSE → PRG response at the device, where it terminates.
 * Every event is also an instant carrying all its columns. Counters: deliver
 * list length, outstanding cookies, PRQ occupancy per unit, outstanding PRGs per device,
 * one sample per counter and timestamp (the value after the last event at it).
 */
import { formatRid } from '../../shared/pci';
import type { EventRow } from '../../shared/events';
import { FaultAssembler, type Fault } from '../analysis/fault-assembler';
import { PathStateMachine } from '../analysis/path-state';

export type TrackGroup = 'device' | 'iommu' | 'kernel' | 'fault-queue' | 'policy' | 'check';

export interface TrackDef {
  /** Unique, > 0. */
  readonly id: number;
  readonly name: string;
  readonly parent: number | null;
  readonly group: TrackGroup;
  /** `device` group only. */
  readonly dev: number | null;
  /** `iommu` group only: the IOMMU unit (`topology.iommu.units`). */
  readonly iommu: number | null;
  readonly kind: 'events' | 'lane' | 'counter';
}

export type FlowStep = 'start' | 'step' | 'end';

export interface TraceModelVisitor {
  track(def: TrackDef): void;
  /** An event, on the track it belongs to; `fault` is its fault id, if any. */
  instant(track: TrackDef, e: EventRow, fault: number | null, flow: FlowStep | null): void;
  sliceBegin(lane: TrackDef, e: EventRow, name: string, fault: number, flow: FlowStep): void;
  sliceEnd(lane: TrackDef, e: EventRow, fault: number): void;
  counter(track: TrackDef, t: number, value: number): void;
}

interface FaultTracks {
  devLane?: { group: string; lane: number; track: TrackDef };
  fqLane?: { group: string; lane: number; track: TrackDef };
  polLane?: { group: string; lane: number; track: TrackDef };
  flowStarted: boolean;
}

const GROUP_OF_LAYER: Record<EventRow['layer'], TrackGroup> = {
  device: 'device',
  iommu: 'iommu',
  kernel: 'kernel',
  iommufd: 'fault-queue',
  policy: 'policy',
  check: 'check',
};

const iommuTrackName = (unit: number): string => `IOMMU ${unit} (PRQ, page responses)`;

const GROUP_NAMES: Record<Exclude<TrackGroup, 'device' | 'iommu'>, string> = {
  kernel: 'io-pgfault (kernel)',
  'fault-queue': 'iommufd fault queue',
  policy: 'policy (user space)',
  check: 'checks',
};

export class TraceModel {
  private nextId = 1;
  private readonly groups = new Map<string, TrackDef>();
  private readonly deviceTracks = new Map<number | null, TrackDef>();
  private readonly iommuTracks = new Map<number, TrackDef>();
  private readonly counters = new Map<string | number, { def: TrackDef; value: number; pending: number; t: number }>();
  /** Counters changed at the current timestamp, written when time moves on. */
  private dirty: { def: TrackDef; value: number; pending: number; t: number }[] = [];
  private now = Number.NEGATIVE_INFINITY;
  private readonly lanes = new Map<string, { tracks: TrackDef[]; busy: boolean[] }>();
  private readonly perFault = new Map<number, FaultTracks>();
  private readonly assembler = new FaultAssembler((f) => this.closed.push(f));
  /** Faults the assembler closed while handling the current event. */
  private closed: Fault[] = [];
  private readonly state = new PathStateMachine();

  constructor(private readonly v: TraceModelVisitor) {}

  private def(name: string, parent: number | null, group: TrackGroup, dev: number | null, kind: TrackDef['kind'], iommu: number | null = null): TrackDef {
    const d: TrackDef = { id: this.nextId++, name, parent, group, dev, iommu, kind };
    this.v.track(d);
    return d;
  }

  /** The events track of a group: a device's parent track for `device` (`key` = dev), a unit's for `iommu` (`key` = unit, null = 0). */
  private groupTrack(group: TrackGroup, key: number | null): TrackDef {
    if (group === 'device') {
      let t = this.deviceTracks.get(key);
      if (!t) this.deviceTracks.set(key, (t = this.def(key === null ? 'device (unknown)' : `device ${formatRid(key)}`, null, group, key, 'events')));
      return t;
    }
    if (group === 'iommu') {
      const unit = key ?? 0;
      let t = this.iommuTracks.get(unit);
      if (!t) this.iommuTracks.set(unit, (t = this.def(iommuTrackName(unit), null, group, null, 'events', unit)));
      return t;
    }
    let t = this.groups.get(group);
    if (!t) this.groups.set(group, (t = this.def(GROUP_NAMES[group], null, group, null, 'events')));
    return t;
  }

  private takeLane(groupKey: string, parent: TrackDef, name: string): { group: string; lane: number; track: TrackDef } {
    let g = this.lanes.get(groupKey);
    if (!g) this.lanes.set(groupKey, (g = { tracks: [], busy: [] }));
    let lane = g.busy.indexOf(false);
    if (lane < 0) {
      lane = g.tracks.length;
      g.tracks.push(this.def(name, parent.id, parent.group, parent.dev, 'lane'));
      g.busy.push(false);
    }
    g.busy[lane] = true;
    return { group: groupKey, lane, track: g.tracks[lane]! };
  }

  private freeLane(l: { group: string; lane: number } | undefined): void {
    if (!l) return;
    const g = this.lanes.get(l.group);
    if (g) g.busy[l.lane] = false;
  }

  private setCounter(key: string | number, name: string, parent: TrackDef, t: number, value: number): void {
    let c = this.counters.get(key);
    if (!c) {
      c = { def: this.def(name, parent.id, parent.group, parent.dev, 'counter'), value: Number.NaN, pending: Number.NaN, t };
      this.counters.set(key, c);
    }
    if (c.pending === value || (Number.isNaN(c.pending) && c.value === value)) return;
    if (Number.isNaN(c.pending)) this.dirty.push(c);
    c.pending = value;
    c.t = t;
  }

  /** Writes each counter's last value of the instant that just ended (one sample per counter and timestamp). */
  private flushCounters(): void {
    for (const c of this.dirty) {
      if (c.pending !== c.value) {
        c.value = c.pending;
        this.v.counter(c.def, c.t, c.value);
      }
      c.pending = Number.NaN;
    }
    this.dirty = [];
  }

  private done(f: Fault): void {
    const ft = this.perFault.get(f.id);
    if (!ft) return;
    this.freeLane(ft.devLane);
    this.freeLane(ft.fqLane);
    this.freeLane(ft.polLane);
    this.perFault.delete(f.id);
  }

  /** Feeds the next event (seq order). */
  add(e: EventRow): void {
    if (e.t !== this.now) {
      this.flushCounters();
      this.now = e.t;
    }
    const f = this.assembler.add(e);
    this.state.apply(e);
    const group = GROUP_OF_LAYER[e.layer];
    const home = this.groupTrack(group, group === 'device' ? e.dev : group === 'iommu' ? e.iommu : null);

    if (!f) {
      this.v.instant(home, e, null, null);
    } else {
      let ft = this.perFault.get(f.id);
      if (!ft) this.perFault.set(f.id, (ft = { flowStarted: false }));
      this.member(f, ft, e, home);
    }
    if (this.closed.length) {
      for (const c of this.closed) this.done(c);
      this.closed = [];
    }
    this.counters_(e);
  }

  private flow(ft: FaultTracks): FlowStep {
    if (ft.flowStarted) return 'step';
    ft.flowStarted = true;
    return 'start';
  }

  private member(f: Fault, ft: FaultTracks, e: EventRow, home: TrackDef): void {
    switch (e.kind) {
      case 'PR_SEND':
        if (f.prSeq === e.seq && !ft.devLane) {
          const dev = this.groupTrack('device', f.dev);
          ft.devLane = this.takeLane(`device:${f.dev}/${f.pasid ?? '-'}`, dev, f.pasid === null ? 'PRGs (no PASID)' : `PASID ${f.pasid}`);
          this.v.sliceBegin(ft.devLane.track, e, `PRG ${f.grpid}`, f.id, this.flow(ft));
          return;
        }
        if (ft.devLane) return this.v.instant(ft.devLane.track, e, f.id, null);
        break;
      case 'FAULT_QUEUED':
        if (f.queuedSeq === e.seq && !ft.fqLane) {
          ft.fqLane = this.takeLane('fault-queue', this.groupTrack('fault-queue', null), 'queued groups');
          this.v.sliceBegin(ft.fqLane.track, e, `queued ${f.dev === null ? 'device ?' : formatRid(f.dev)} PASID ${f.pasid ?? '-'} PRG ${f.grpid}`, f.id, this.flow(ft));
          return;
        }
        break;
      case 'FAULT_READ':
        if (f.readSeq === e.seq) {
          if (ft.fqLane) {
            this.v.sliceEnd(ft.fqLane.track, e, f.id);
            this.freeLane(ft.fqLane);
            ft.fqLane = undefined;
          }
          if (!ft.polLane) {
            ft.polLane = this.takeLane('policy', this.groupTrack('policy', null), 'cookies held');
            this.v.sliceBegin(ft.polLane.track, e, `cookie ${e.cookie ?? '?'}`, f.id, this.flow(ft));
            return;
          }
        }
        if (ft.polLane) return this.v.instant(ft.polLane.track, e, f.id, null);
        break;
      case 'POLICY_MAP':
        if (ft.polLane) return this.v.instant(ft.polLane.track, e, f.id, null);
        break;
      case 'RESPONSE_WRITE':
      case 'AUTO_RESPONSE':
        if (ft.polLane && f.responseSeq === e.seq) {
          this.v.instant(ft.polLane.track, e, f.id, null);
          this.v.sliceEnd(ft.polLane.track, e, f.id);
          this.freeLane(ft.polLane);
          ft.polLane = undefined;
          return;
        }
        if (ft.fqLane && f.responseSeq === e.seq) {
          // Answered while still queued (detach, fd destroy): the queued slice ends here.
          this.v.instant(ft.fqLane.track, e, f.id, null);
          this.v.sliceEnd(ft.fqLane.track, e, f.id);
          this.freeLane(ft.fqLane);
          ft.fqLane = undefined;
          return;
        }
        break;
      case 'PAGE_RESPONSE':
        if (f.pageRespSeq === e.seq) return this.v.instant(home, e, f.id, this.flow(ft));
        break;
      case 'PRG_RESP_RECV':
        if (ft.devLane) {
          const lane = ft.devLane;
          this.v.instant(lane.track, e, f.id, ft.flowStarted ? 'end' : null);
          this.v.sliceEnd(lane.track, e, f.id);
          this.freeLane(lane);
          ft.devLane = undefined;
          return;
        }
        break;
      default:
        break;
    }
    this.v.instant(home, e, f.id, null);
  }

  private counters_(e: EventRow): void {
    const s = this.state;
    this.setCounter('deliver', 'groups on the deliver list', this.groupTrack('fault-queue', null), e.t, s.queuedGroups);
    this.setCounter('cookies', 'outstanding groups (cookies held)', this.groupTrack('policy', null), e.t, s.outstandingCookies);
    if (e.layer === 'iommu' || e.layer === 'kernel') {
      // The event's unit, then any other unit a consumption that names none may have changed.
      const unit = e.iommu ?? 0;
      this.prqCounter(unit, e.t);
      for (const other of s.prqUnits()) if (other !== unit) this.prqCounter(other, e.t);
    }
    if (e.dev !== null && (e.kind === 'PR_SEND' || e.kind === 'PRG_RESP_RECV'))
      this.setCounter(e.dev, `device ${e.dev === null ? '?' : formatRid(e.dev)} outstanding PRGs`, this.groupTrack('device', e.dev), e.t, s.outstandingPrgs(e.dev));
  }

  private prqCounter(unit: number, t: number): void {
    this.setCounter(`prq:${unit}`, 'PRQ occupancy', this.groupTrack('iommu', unit), t, this.state.prqOccupancy(unit));
  }

  /** Ends the walk (open faults stay open: their slices have no end). */
  finish(): void {
    this.flushCounters();
    this.assembler.finish();
    this.closed = [];
  }
}
