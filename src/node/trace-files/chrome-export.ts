/**
 * Chrome trace-event JSON export, array form (`[` event, event, … `]`, one
 * event per line), streamed. Mapping (trace-model.ts for the meaning):
 *
 * - every track is a (pid, tid): pid 1 IOMMU, 2 io-pgfault, 3 iommufd fault
 *   queue, 4 policy, 5 checks, 100 + dev for a device; tid = the track id;
 *   `M` process_name / thread_name events name them;
 * - every recorded event is one `i` instant (`cat` "iopf.event", `s` "t") whose
 *   args carry all its columns (`t` is the exact virtual ns), so the file can
 *   be imported back;
 * - slices are `X` events (`cat` "iopf.slice") written when they end;
 * - flows are v1 `s` / `t` / `f` events (`cat` "iopf.flow", `id` = fault id,
 *   `f` with `bp` "e"): page request slice → queued slice → cookie slice →
 *   PRG response, each inside the slice it binds to (the page-response step of
 *   the Perfetto export is left out: it has no enclosing slice);
 * - counters are `C` events;
 * - the first event is `M` "iopf_session" with the session's columns.
 *
 * `ts` and `dur` are µs with the ns as three exact decimals.
 */
import { formatRid } from '../../shared/pci';
import { EVENT_KINDS, LAYERS, type EventRow } from '../../shared/events';
import type { SqlDatabase } from '../db/sql-database';
import { streamEvents, type EventStreamOptions } from './event-stream';
import type { SessionRecord } from '../recorder/session-store';
import type { ByteSink } from './byte-sink';
import { TextWriter, utf8Bytes } from './text-writer';
import type { ExportResult } from './pftrace-export';
import { TraceModel, type FlowStep, type TrackDef, type TraceModelVisitor } from './trace-model';

export const CHROME_FORMAT = 'iopf-chrome';
export const CHROME_FORMAT_VERSION = 1;

const PIDS: Record<TrackDef['group'], number> = { iommu: 1, kernel: 2, 'fault-queue': 3, policy: 4, check: 5, device: 100 };

const pidOf = (t: TrackDef): number => (t.group === 'device' ? 100 + (t.dev ?? 0) : PIDS[t.group]);
/** One number per (lane, fault) for the open-slice map: fault ids stay far below 2^32, track ids below 2^20. */
const openKey = (lane: number, fault: number): number => lane * 4_294_967_296 + fault;

/** Fragments written for every event, encoded once. */
const F = {
  open: utf8Bytes('[\n'),
  sep: utf8Bytes(',\n'),
  argsSeq: utf8Bytes(',"args":{"seq":'),
  seq: utf8Bytes('{"seq":'),
  t: utf8Bytes(',"t":'),
  dev: utf8Bytes(',"dev":'),
  pasid: utf8Bytes(',"pasid":'),
  grpid: utf8Bytes(',"grpid":'),
  cookie: utf8Bytes(',"cookie":'),
  addr: utf8Bytes(',"addr":"'),
  perm: utf8Bytes(',"perm":'),
  code: utf8Bytes(',"code":'),
  errno: utf8Bytes(',"errno":'),
  parent: utf8Bytes(',"parent":'),
  raw: utf8Bytes(',"raw":"'),
  note: utf8Bytes(',"note":'),
  line: utf8Bytes(',"line":'),
  iommu: utf8Bytes(',"iommu":'),
  fault: utf8Bytes(',"fault":'),
  pid: utf8Bytes(',"pid":'),
  tid: utf8Bytes(',"tid":'),
  ts: utf8Bytes(',"ts":'),
  dur: utf8Bytes(',"dur":'),
  flowS: utf8Bytes('{"ph":"s","cat":"iopf.flow","name":"fault","id":'),
  flowT: utf8Bytes('{"ph":"t","cat":"iopf.flow","name":"fault","id":'),
  flowF: utf8Bytes('{"ph":"f","cat":"iopf.flow","name":"fault","id":'),
  flowEnd: utf8Bytes(',"bp":"e"}'),
  slice: utf8Bytes('{"ph":"X","cat":"iopf.slice","name":'),
  sliceFault: utf8Bytes(',"args":{"fault":'),
  beginSeq: utf8Bytes(',"begin_seq":'),
  endSeq: utf8Bytes(',"end_seq":'),
  counter: utf8Bytes('{"ph":"C","name":'),
  value: utf8Bytes(',"args":{"value":'),
  close2: utf8Bytes('}}'),
};
const QUOTE = 0x22;
const CLOSE = 0x7d;

/**
 * Per kind: the instant's head up to its pid (`{"ph":"i",…,"name":"KIND","pid":`)
 * and, per layer, the args' `,"kind":"KIND","layer":"layer"`.
 */
const KIND_FRAGMENTS = new Map(
  EVENT_KINDS.map((k) => [
    k,
    {
      head: utf8Bytes(`{"ph":"i","s":"t","cat":"iopf.event","name":"${k}","pid":`),
      kindLayer: new Map(LAYERS.map((l) => [l, utf8Bytes(`,"kind":"${k}","layer":"${l}"`)])),
    },
  ]),
);

/** The event's columns as a JSON object (absent columns are left out; `t` is the exact ns). */
export function writeRowArgs(w: TextWriter, e: EventRow, fault: number | null): void {
  writeArgsFromT(w.bytes(F.seq).int(e.seq), e, fault);
}

/** writeRowArgs after `{"seq":N`. */
function writeArgsFromT(w: TextWriter, e: EventRow, fault: number | null): void {
  w.bytes(F.t).int(e.t);
  const kl = KIND_FRAGMENTS.get(e.kind)?.kindLayer.get(e.layer);
  if (kl) w.bytes(kl);
  else w.lit(',"kind":"').lit(e.kind).lit('","layer":"').lit(e.layer).char(QUOTE);
  if (e.dev !== null) w.bytes(F.dev).int(e.dev);
  if (e.pasid !== null) w.bytes(F.pasid).int(e.pasid);
  if (e.grpid !== null) w.bytes(F.grpid).int(e.grpid);
  if (e.cookie !== null) w.bytes(F.cookie).int(e.cookie);
  if (e.addr !== null) w.bytes(F.addr).text(e.addr).char(QUOTE);
  if (e.perm !== null) w.bytes(F.perm).int(e.perm);
  if (e.code !== null) w.bytes(F.code).int(e.code);
  if (e.errno !== null) w.bytes(F.errno).int(e.errno);
  if (e.parent !== null) w.bytes(F.parent).int(e.parent);
  if (e.raw !== null) w.bytes(F.raw).text(e.raw).char(QUOTE);
  if (e.note !== null) w.bytes(F.note).json(e.note);
  if (e.line !== null) w.bytes(F.line).int(e.line);
  if (e.iommu !== null) w.bytes(F.iommu).int(e.iommu);
  if (fault !== null) w.bytes(F.fault).int(fault);
  w.char(CLOSE);
}

class ChromeWriter implements TraceModelVisitor {
  readonly w: TextWriter;
  records = 0;
  private readonly named = new Set<number>();
  private readonly names = new Map<number, Uint8Array>();

  /** A counter's `name,"pid":pid,"ts":` fragment, made once per track. */
  private counterHead(t: TrackDef): Uint8Array {
    let q = this.names.get(t.id);
    if (q === undefined) this.names.set(t.id, (q = utf8Bytes(`${JSON.stringify(t.name)},"pid":${pidOf(t)},"ts":`)));
    return q;
  }
  private readonly open = new Map<number, { ts: number; name: string; beginSeq: number }>();

  constructor(out: ByteSink) {
    this.w = new TextWriter(out);
  }

  /** Starts the next array element. */
  private next(): TextWriter {
    this.w.maybeFlush();
    this.w.bytes(this.records === 0 ? F.open : F.sep);
    this.records++;
    return this.w;
  }

  finish(): void {
    if (this.records === 0) this.w.lit('[');
    this.w.lit('\n]\n');
    this.w.flush();
  }

  session(record: SessionRecord): void {
    this.next()
      .lit(`{"ph":"M","name":"iopf_session","pid":0,"tid":0,"args":{"format":"${CHROME_FORMAT}","version":${CHROME_FORMAT_VERSION},"session":`)
      .text(JSON.stringify(record))
      .lit('}}');
  }

  track(def: TrackDef): void {
    const pid = pidOf(def);
    if (!this.named.has(pid)) {
      this.named.add(pid);
      const processName = def.group === 'device' ? `device ${def.dev === null || def.dev === undefined ? '?' : formatRid(def.dev)}` : def.parent === null ? def.name : def.group;
      this.next().lit('{"ph":"M","name":"process_name","pid":').int(pid).lit(',"tid":0,"args":{"name":').json(processName).lit('}}');
    }
    if (def.kind !== 'counter')
      this.next().lit('{"ph":"M","name":"thread_name","pid":').int(pid).lit(',"tid":').int(def.id).lit(',"args":{"name":').json(def.name).lit('}}');
  }

  private flowEvent(lane: TrackDef, t: number, fault: number, step: FlowStep): void {
    const w = this.next().bytes(step === 'start' ? F.flowS : step === 'step' ? F.flowT : F.flowF).int(fault);
    w.bytes(F.pid).int(pidOf(lane)).bytes(F.tid).int(lane.id).bytes(F.ts).micros(t);
    if (step === 'end') w.bytes(F.flowEnd);
    else w.char(CLOSE);
  }

  instant(track: TrackDef, e: EventRow, fault: number | null, flow: FlowStep | null): void {
    const w = this.next();
    const kf = KIND_FRAGMENTS.get(e.kind);
    if (kf) w.bytes(kf.head);
    else w.lit(`{"ph":"i","s":"t","cat":"iopf.event","name":"${e.kind}","pid":`);
    w.int(pidOf(track)).bytes(F.tid).int(track.id).bytes(F.ts).micros(e.t).bytes(F.argsSeq).int(e.seq);
    writeArgsFromT(w, e, fault);
    w.char(CLOSE);
    // v1 flow events bind to an enclosing slice, so only steps on slice lanes are written.
    if (fault !== null && flow !== null && track.kind === 'lane') this.flowEvent(track, e.t, fault, flow);
  }

  sliceBegin(lane: TrackDef, e: EventRow, name: string, fault: number, flow: FlowStep): void {
    this.instant(lane, e, fault, null);
    this.open.set(openKey(lane.id, fault), { ts: e.t, name, beginSeq: e.seq });
    this.flowEvent(lane, e.t, fault, flow);
  }

  sliceEnd(lane: TrackDef, e: EventRow, fault: number): void {
    const key = openKey(lane.id, fault);
    const s = this.open.get(key);
    if (!s) return;
    this.open.delete(key);
    const w = this.next().bytes(F.slice).json(s.name).bytes(F.pid).int(pidOf(lane)).bytes(F.tid).int(lane.id);
    w.bytes(F.ts).micros(s.ts).bytes(F.dur).micros(e.t - s.ts);
    w.bytes(F.sliceFault).int(fault).bytes(F.beginSeq).int(s.beginSeq).bytes(F.endSeq).int(e.seq).bytes(F.close2);
  }

  counter(track: TrackDef, t: number, value: number): void {
    this.next().bytes(F.counter).bytes(this.counterHead(track)).micros(t).bytes(F.value).int(value).bytes(F.close2);
  }
}

/** Writes one session as Chrome JSON (array form). */
export function exportChrome(db: SqlDatabase, sessionId: number, session: SessionRecord, out: ByteSink, read: EventStreamOptions = {}): ExportResult {
  const writer = new ChromeWriter(out);
  writer.session(session);
  const model = new TraceModel(writer);
  let events = 0;
  for (const e of streamEvents(db, sessionId, read)) {
    model.add(e);
    events++;
  }
  model.finish();
  writer.finish();
  return { events, records: writer.records };
}
