/**
 * Stamps events with seq and virtual time and hands them to the sink. Every
 * component emits through one Tracer so that seq is a total order of the run.
 */
import type { EventKind, Layer, TraceEvent } from '../../shared/events';
import type { Ns } from '../../shared/time';
import type { Scheduler } from '../sim/scheduler';
import { LineTracker } from './line-tracker';
import type { TraceSink } from './sink';

/** What a component says about an event; the Tracer fills the rest. */
export interface EventFields {
  dev?: number | null;
  pasid?: number | null;
  grpid?: number | null;
  cookie?: number | null;
  addr?: bigint | null;
  perm?: number | null;
  code?: number | null;
  errno?: number | null;
  parent?: number | null;
  raw?: Uint8Array | null;
  note?: string | null;
  /** IOMMU unit index (hardware and driver events). */
  iommu?: number | null;
}

const NO_FIELDS: EventFields = Object.freeze({});

/**
 * One emitted event. A class with every field assigned in one order gives all
 * events a single hidden class: sinks and the oracle read them monomorphically.
 */
class Event implements TraceEvent {
  constructor(
    readonly seq: number,
    readonly t: Ns,
    readonly kind: EventKind,
    readonly layer: Layer,
    readonly dev: number | null,
    readonly pasid: number | null,
    readonly grpid: number | null,
    readonly cookie: number | null,
    readonly addr: bigint | null,
    readonly perm: number | null,
    readonly code: number | null,
    readonly errno: number | null,
    readonly parent: number | null,
    readonly raw: Uint8Array | null,
    readonly note: string | null,
    readonly line: number | null,
    readonly iommu: number | null,
  ) {}
}

export class Tracer {
  private seq = 0;
  /** Attributes each event to the scenario line that caused it. */
  readonly lines = new LineTracker();

  constructor(
    private readonly sink: TraceSink,
    private readonly clock: Pick<Scheduler, 'now'>,
  ) {}

  /** Number of events emitted so far. */
  get count(): number {
    return this.seq;
  }

  /** Emits one event and returns its seq (to be used as a causal parent). */
  emit(layer: Layer, kind: EventKind, f: EventFields = NO_FIELDS): number {
    return this.emitWith(layer, kind, f, f.dev ?? null, f.note ?? null, f.iommu ?? null);
  }

  /**
   * `emit` with `dev`, `note` and `iommu` given apart from `f` (whose own
   * values for them are ignored): the hardware trace completes events without
   * writing into the caller's literal.
   */
  emitWith(layer: Layer, kind: EventKind, f: EventFields, dev: number | null, note: string | null, iommu: number | null): number {
    const seq = this.seq++;
    const parent = f.parent ?? null;
    const line = this.lines.lineFor(seq, parent);
    this.sink.emit(
      new Event(
        seq,
        this.clock.now,
        kind,
        layer,
        dev,
        f.pasid ?? null,
        f.grpid ?? null,
        f.cookie ?? null,
        f.addr ?? null,
        f.perm ?? null,
        f.code ?? null,
        f.errno ?? null,
        parent,
        f.raw ?? null,
        note,
        line === 0 ? null : line,
        iommu,
      ),
    );
    return seq;
  }
}
