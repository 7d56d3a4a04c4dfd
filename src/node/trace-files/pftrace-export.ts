/**
 * Perfetto protobuf export (`.pftrace`), written by hand: a Trace is a stream
 * of `packet` (field 1) TracePackets, so each packet is appended and flushed
 * as it is made and memory stays constant. Field numbers are those of
 * google/perfetto protos/perfetto/trace/{trace_packet,track_event/track_event,
 * track_event/track_descriptor,track_event/counter_descriptor,
 * track_event/debug_annotation}.proto. What the tracks, slices and flows mean:
 * trace-model.ts. Timestamps are the virtual ns of the events.
 */
import { EVENT_KINDS, LAYERS, type EventRow } from '../../shared/events';
import type { SqlDatabase } from '../db/sql-database';
import { streamEvents, type EventStreamOptions } from './event-stream';
import type { ByteSink } from './byte-sink';
import { encodeStringField, ProtoWriter } from './protobuf';
import { TraceModel, type FlowStep, type TrackDef, type TraceModelVisitor } from './trace-model';

/** Field numbers (see the file comment for the protos). */
export const PF = {
  Trace: { packet: 1 },
  TracePacket: { timestamp: 8, trustedPacketSequenceId: 10, trackEvent: 11, sequenceFlags: 13, trackDescriptor: 60, firstPacketOnSequence: 87 },
  TrackDescriptor: { uuid: 1, name: 2, parentUuid: 5, counter: 8 },
  CounterDescriptor: { unit: 3 },
  TrackEvent: {
    debugAnnotations: 4,
    type: 9,
    trackUuid: 11,
    categories: 22,
    name: 23,
    counterValue: 30,
    flowIds: 47,
    terminatingFlowIds: 48,
    correlationId: 52,
  },
  DebugAnnotation: { uintValue: 3, intValue: 4, stringValue: 6, pointerValue: 7, name: 10 },
} as const;

export const TYPE_SLICE_BEGIN = 1;
export const TYPE_SLICE_END = 2;
export const TYPE_INSTANT = 3;
export const TYPE_COUNTER = 4;
export const SEQ_INCREMENTAL_STATE_CLEARED = 1;
export const UNIT_COUNT = 2;
/** The one packet sequence this writer uses. */
export const SEQUENCE_ID = 1;

const FLUSH_AT = 1 << 20;

export interface ExportResult {
  readonly events: number;
  /** TracePackets (pftrace) or trace events (chrome) or lines (iopftrace) written. */
  readonly records: number;
}

/** Encoded string fields made once: a value per kind, layer or annotation name. */
function fieldTable<K extends string>(field: number, keys: readonly K[]): Record<K, Uint8Array> {
  return Object.fromEntries(keys.map((k) => [k, encodeStringField(field, k)])) as Record<K, Uint8Array>;
}

const UINT_VALUE_TAG = PF.DebugAnnotation.uintValue * 8; // wire type 0
const INT_VALUE_TAG = PF.DebugAnnotation.intValue * 8;

const ANNOTATION_NAMES = ['seq', 'dev', 'pasid', 'grpid', 'cookie', 'addr', 'perm', 'code', 'errno', 'parent', 'raw', 'note', 'line', 'iommu'] as const;

class PftraceWriter implements TraceModelVisitor {
  readonly w = new ProtoWriter(FLUSH_AT * 2);
  packets = 0;
  private first = true;
  private readonly kindNames = fieldTable(PF.TrackEvent.name, EVENT_KINDS);
  private readonly categories = fieldTable(PF.TrackEvent.categories, LAYERS);
  private readonly annotationName = fieldTable(PF.DebugAnnotation.name, ANNOTATION_NAMES);
  private readonly iopf = encodeStringField(PF.TrackEvent.categories, 'iopf');

  constructor(private readonly out: ByteSink) {}

  /** Opens a TracePacket (timestamp and sequence fields written); close with endPacket(). */
  private beginPacket(t: number | null): number {
    const w = this.w;
    const m = w.begin(PF.Trace.packet);
    if (t !== null) w.uint(PF.TracePacket.timestamp, t);
    w.uint(PF.TracePacket.trustedPacketSequenceId, SEQUENCE_ID);
    if (this.first) {
      w.uint(PF.TracePacket.sequenceFlags, SEQ_INCREMENTAL_STATE_CLEARED);
      w.bool(PF.TracePacket.firstPacketOnSequence, true);
      this.first = false;
    }
    return m;
  }

  private endPacket(m: number): void {
    this.w.end(m);
    this.packets++;
    if (this.w.pos >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.w.pos === 0) return;
    this.out.write(this.w.bytes());
    this.w.reset();
  }

  track(def: TrackDef): void {
    const w = this.w;
    const p = this.beginPacket(null);
    const d = w.begin(PF.TracePacket.trackDescriptor);
    w.uint(PF.TrackDescriptor.uuid, def.id);
    if (def.parent !== null) w.uint(PF.TrackDescriptor.parentUuid, def.parent);
    w.string(PF.TrackDescriptor.name, def.name);
    if (def.kind === 'counter') {
      const c = w.begin(PF.TrackDescriptor.counter);
      w.uint(PF.CounterDescriptor.unit, UNIT_COUNT);
      w.end(c);
    }
    w.end(d);
    this.endPacket(p);
  }

  private event(type: number, track: TrackDef, e: EventRow, name: string | null, fault: number | null, flow: FlowStep | null, annotate: boolean): void {
    const w = this.w;
    const p = this.beginPacket(e.t);
    const te = w.begin(PF.TracePacket.trackEvent);
    w.uint(PF.TrackEvent.type, type);
    w.uint(PF.TrackEvent.trackUuid, track.id);
    if (name !== null) {
      w.raw(this.iopf);
      w.raw(this.categories[e.layer]);
      if (name === e.kind) w.raw(this.kindNames[e.kind]);
      else w.string(PF.TrackEvent.name, name);
    }
    if (fault !== null && flow !== null) w.fixed64(flow === 'end' ? PF.TrackEvent.terminatingFlowIds : PF.TrackEvent.flowIds, fault);
    if (fault !== null && type !== TYPE_SLICE_END) w.uint(PF.TrackEvent.correlationId, fault);
    if (annotate) this.annotations(e);
    w.end(te);
    this.endPacket(p);
  }

  private uintAnnotation(name: Uint8Array, v: number | null): void {
    if (v === null) return;
    this.w.prefixedVarint(PF.TrackEvent.debugAnnotations, name, v >= 0 ? UINT_VALUE_TAG : INT_VALUE_TAG, v);
  }

  private stringAnnotation(name: Uint8Array, v: string | null): void {
    if (v === null) return;
    const w = this.w;
    const m = w.begin(PF.TrackEvent.debugAnnotations);
    w.raw(name);
    w.string(PF.DebugAnnotation.stringValue, v);
    w.end(m);
  }

  /** The event's columns; its fault is the packet's correlation id. */
  private annotations(e: EventRow): void {
    const names = this.annotationName;
    this.uintAnnotation(names.seq, e.seq);
    this.uintAnnotation(names.dev, e.dev);
    this.uintAnnotation(names.pasid, e.pasid);
    this.uintAnnotation(names.grpid, e.grpid);
    this.uintAnnotation(names.cookie, e.cookie);
    if (e.addr !== null) {
      const w = this.w;
      const m = w.begin(PF.TrackEvent.debugAnnotations);
      w.raw(names.addr);
      w.uintHex(PF.DebugAnnotation.pointerValue, e.addr);
      w.end(m);
    }
    this.uintAnnotation(names.perm, e.perm);
    this.uintAnnotation(names.code, e.code);
    this.uintAnnotation(names.errno, e.errno);
    this.uintAnnotation(names.parent, e.parent);
    this.stringAnnotation(names.raw, e.raw);
    this.stringAnnotation(names.note, e.note);
    this.uintAnnotation(names.line, e.line);
    this.uintAnnotation(names.iommu, e.iommu);
  }

  instant(track: TrackDef, e: EventRow, fault: number | null, flow: FlowStep | null): void {
    this.event(TYPE_INSTANT, track, e, e.kind, fault, flow, true);
  }

  sliceBegin(lane: TrackDef, e: EventRow, name: string, fault: number, flow: FlowStep): void {
    this.event(TYPE_SLICE_BEGIN, lane, e, name, fault, flow, true);
  }

  sliceEnd(lane: TrackDef, e: EventRow, fault: number): void {
    this.event(TYPE_SLICE_END, lane, e, null, fault, null, false);
  }

  counter(track: TrackDef, t: number, value: number): void {
    const w = this.w;
    const p = this.beginPacket(t);
    const te = w.begin(PF.TracePacket.trackEvent);
    w.uint(PF.TrackEvent.type, TYPE_COUNTER);
    w.uint(PF.TrackEvent.trackUuid, track.id);
    w.uint(PF.TrackEvent.counterValue, value);
    w.end(te);
    this.endPacket(p);
  }
}

/** Writes one session as a Perfetto trace. */
export function exportPftrace(db: SqlDatabase, sessionId: number, out: ByteSink, read: EventStreamOptions = {}): ExportResult {
  const writer = new PftraceWriter(out);
  const model = new TraceModel(writer);
  let events = 0;
  for (const e of streamEvents(db, sessionId, read)) {
    model.add(e);
    events++;
  }
  model.finish();
  writer.flush();
  return { events, records: writer.packets };
}
