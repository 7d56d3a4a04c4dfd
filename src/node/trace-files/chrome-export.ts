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
import type { EventRow } from '../../shared/events';
import type { SqlDatabase } from '../db/sql-database';
import { iterateEvents } from '../recorder/event-rows';
import type { SessionRecord } from '../recorder/session-store';
import type { ByteSink } from './byte-sink';
import { TextWriter } from './text-writer';
import type { ExportResult } from './pftrace-export';
import { TraceModel, type FlowStep, type TrackDef, type TraceModelVisitor } from './trace-model';

export const CHROME_FORMAT = 'iopf-chrome';
export const CHROME_FORMAT_VERSION = 1;

const PIDS: Record<TrackDef['group'], number> = { iommu: 1, kernel: 2, 'fault-queue': 3, policy: 4, check: 5, device: 100 };

const FLOW_S = '{"ph":"s","cat":"iopf.flow","name":"fault","id":';
const FLOW_T = '{"ph":"t","cat":"iopf.flow","name":"fault","id":';
const FLOW_F = '{"ph":"f","cat":"iopf.flow","name":"fault","id":';

const pidOf = (t: TrackDef): number => (t.group === 'device' ? 100 + (t.dev ?? 0) : PIDS[t.group]);

/** The event's columns as a JSON object (absent columns are left out; `t` is the exact ns). */
export function writeRowArgs(w: TextWriter, e: EventRow, fault: number | null): void {
  w.lit('{"seq":').int(e.seq).lit(',"t":').int(e.t).lit(',"kind":"').lit(e.kind).lit('","layer":"').lit(e.layer).lit('"');
  if (e.dev !== null) w.lit(',"dev":').int(e.dev);
  if (e.pasid !== null) w.lit(',"pasid":').int(e.pasid);
  if (e.grpid !== null) w.lit(',"grpid":').int(e.grpid);
  if (e.cookie !== null) w.lit(',"cookie":').int(e.cookie);
  if (e.addr !== null) w.lit(',"addr":"').text(e.addr).lit('"');
  if (e.perm !== null) w.lit(',"perm":').int(e.perm);
  if (e.code !== null) w.lit(',"code":').int(e.code);
  if (e.errno !== null) w.lit(',"errno":').int(e.errno);
  if (e.parent !== null) w.lit(',"parent":').int(e.parent);
  if (e.raw !== null) w.lit(',"raw":"').text(e.raw).lit('"');
  if (e.note !== null) w.lit(',"note":').json(e.note);
  if (e.line !== null) w.lit(',"line":').int(e.line);
  if (e.iommu !== null) w.lit(',"iommu":').int(e.iommu);
  if (fault !== null) w.lit(',"fault":').int(fault);
  w.lit('}');
}

class ChromeWriter implements TraceModelVisitor {
  readonly w: TextWriter;
  records = 0;
  private readonly named = new Set<number>();
  private readonly names = new Map<number, string>();

  /** A track's name as a JSON string, made once. */
  private quoted(t: TrackDef): string {
    let q = this.names.get(t.id);
    if (q === undefined) this.names.set(t.id, (q = JSON.stringify(t.name)));
    return q;
  }
  private readonly open = new Map<string, { ts: number; name: string; beginSeq: number }>();

  constructor(out: ByteSink) {
    this.w = new TextWriter(out);
  }

  /** Starts the next array element. */
  private next(): TextWriter {
    this.w.maybeFlush();
    this.w.lit(this.records === 0 ? '[\n' : ',\n');
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
    const ph = step === 'start' ? 's' : step === 'step' ? 't' : 'f';
    const w = this.next().lit(ph === 's' ? FLOW_S : ph === 't' ? FLOW_T : FLOW_F).int(fault);
    w.lit(',"pid":').int(pidOf(lane)).lit(',"tid":').int(lane.id).lit(',"ts":').micros(t);
    w.lit(step === 'end' ? ',"bp":"e"}' : '}');
  }

  instant(track: TrackDef, e: EventRow, fault: number | null, flow: FlowStep | null): void {
    const w = this.next().lit('{"ph":"i","s":"t","cat":"iopf.event","name":"').lit(e.kind).lit('","pid":').int(pidOf(track));
    w.lit(',"tid":').int(track.id).lit(',"ts":').micros(e.t).lit(',"args":');
    writeRowArgs(w, e, fault);
    w.lit('}');
    // v1 flow events bind to an enclosing slice, so only steps on slice lanes are written.
    if (fault !== null && flow !== null && track.kind === 'lane') this.flowEvent(track, e.t, fault, flow);
  }

  sliceBegin(lane: TrackDef, e: EventRow, name: string, fault: number, flow: FlowStep): void {
    this.instant(lane, e, fault, null);
    this.open.set(`${lane.id}:${fault}`, { ts: e.t, name, beginSeq: e.seq });
    this.flowEvent(lane, e.t, fault, flow);
  }

  sliceEnd(lane: TrackDef, e: EventRow, fault: number): void {
    const key = `${lane.id}:${fault}`;
    const s = this.open.get(key);
    if (!s) return;
    this.open.delete(key);
    const w = this.next().lit('{"ph":"X","cat":"iopf.slice","name":').json(s.name).lit(',"pid":').int(pidOf(lane)).lit(',"tid":').int(lane.id);
    w.lit(',"ts":').micros(s.ts).lit(',"dur":').micros(e.t - s.ts);
    w.lit(',"args":{"fault":').int(fault).lit(',"begin_seq":').int(s.beginSeq).lit(',"end_seq":').int(e.seq).lit('}}');
  }

  counter(track: TrackDef, t: number, value: number): void {
    this.next().lit('{"ph":"C","name":').lit(this.quoted(track)).lit(',"pid":').int(pidOf(track)).lit(',"ts":').micros(t).lit(',"args":{"value":').int(value).lit('}}');
  }
}

/** Writes one session as Chrome JSON (array form). */
export function exportChrome(db: SqlDatabase, sessionId: number, session: SessionRecord, out: ByteSink): ExportResult {
  const writer = new ChromeWriter(out);
  writer.session(session);
  const model = new TraceModel(writer);
  let events = 0;
  for (const e of iterateEvents(db, sessionId)) {
    model.add(e);
    events++;
  }
  model.finish();
  writer.finish();
  return { events, records: writer.records };
}
