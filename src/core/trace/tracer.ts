/**
 * Stamps events with seq and virtual time and hands them to the sink. Every
 * component emits through one Tracer so that seq is a total order of the run.
 */
import type { EventKind, Layer } from '../../shared/events';
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
  emit(layer: Layer, kind: EventKind, f: EventFields = {}): number {
    const seq = this.seq++;
    const parent = f.parent ?? null;
    const line = this.lines.lineFor(seq, parent);
    this.sink.emit({
      seq,
      t: this.clock.now,
      kind,
      layer,
      dev: f.dev ?? null,
      pasid: f.pasid ?? null,
      grpid: f.grpid ?? null,
      cookie: f.cookie ?? null,
      addr: f.addr ?? null,
      perm: f.perm ?? null,
      code: f.code ?? null,
      errno: f.errno ?? null,
      parent,
      raw: f.raw ?? null,
      note: f.note ?? null,
      line: line === 0 ? null : line,
      iommu: f.iommu ?? null,
    });
    return seq;
  }
}
