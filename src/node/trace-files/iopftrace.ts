/**
 * The native, lossless trace file `.iopftrace` (docs/trace-format.md): UTF-8
 * text, one JSON value per line.
 *
 *   line 1   {"format":"iopftrace","version":2,"session":{…every session column…}}
 *   events   ["E",seq,t,kind,layer,dev,pasid,grpid,cookie,addr,perm,code,errno,parent,raw,note,line,iommu]
 *            (version 1 files end at note: line and iommu are null)
 *   engine checkpoints  ["C",seq,t,"<state JSON text>"]
 *   notes    ["N",seq,t,"text","createdAt"]
 *   last     ["END",events,checkpoints,notes,"<sha256 hex of every byte before this line>"]
 *
 * Events come in seq order, dense from 0; kind and layer by name; addr as
 * `0x…` hex; raw as lowercase hex. Derived tables are not stored: they are
 * rebuilt on import. Import reads the file once with constant memory, checks
 * every field, the counts and the hash, and writes everything in one
 * transaction: a bad file changes nothing. Nothing in a file is executed; the
 * scenario source is stored as text.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { EventRow } from '../../shared/events';
import type { SqlDatabase } from '../db/sql-database';
import { indexSession } from '../analysis/session-index';
import { BulkInserter } from '../recorder/bulk-insert';
import { eventRowValues } from '../recorder/event-rows';
import { SessionStore, type SessionRecord } from '../recorder/session-store';
import { EVENT_COLUMNS } from '../recorder/sqlite-sink';
import { explainSqliteError, isSqliteError } from '../recorder/sqlite-errors';
import type { ByteSink } from './byte-sink';
import { streamEvents } from './event-stream';
import { TextWriter } from './text-writer';
import { ChunkReader, lines, utf8 } from './file-reader';
import type { ExportResult } from './pftrace-export';
import { assertSafeKeys, eventFromFields, intField, intOrNull, isPlainObject, LIMITS, MAX_T, onlyKeys, sessionFromJson, strField, TraceFileError } from './validate';

export const IOPFTRACE_FORMAT = 'iopftrace';
export const IOPFTRACE_VERSION = 2;
/** Values after the "E" tag: 15 in version 1, plus line and iommu from version 2 (schema v3). */
const EVENT_VALUES: Readonly<Record<number, number>> = { 1: 15, 2: 17 };
/** Every file starts with these bytes. */
export const IOPFTRACE_MAGIC = '{"format":"iopftrace"';

/** Fewest bytes an event line can take (`["E",0,0,"RETRY","check",null,…]`). */
const MIN_EVENT_LINE = 60;

export interface ImportResult {
  readonly sessionId: number;
  readonly events: number;
  readonly checkpoints: number;
  readonly notes: number;
}

const encoder = new TextEncoder();

/** The session columns a file carries. */
export function sessionRecordOf(db: SqlDatabase, sessionId: number): SessionRecord {
  const d = new SessionStore(db).details(sessionId);
  if (!d) throw new TraceFileError(`no session ${sessionId}`);
  if (d.status === 'running') throw new TraceFileError(`session ${sessionId} is still recording; export it when it stops`);
  const { id: _id, writerPid: _pid, importedFrom: _from, ...record } = d;
  return record;
}

export function exportIopftrace(db: SqlDatabase, sessionId: number, out: ByteSink): ExportResult {
  const record = sessionRecordOf(db, sessionId);
  const hash = createHash('sha256');
  const w = new TextWriter(out, (chunk) => hash.update(chunk));
  let lineCount = 1;
  w.lit(`{"format":"${IOPFTRACE_FORMAT}","version":${IOPFTRACE_VERSION},"session":`).text(JSON.stringify(record)).lit('}\n');
  let events = 0;
  for (const e of streamEvents(db, sessionId)) {
    writeEventLine(w, e);
    events++;
    w.maybeFlush();
  }
  const store = new SessionStore(db);
  const checkpoints = store.engineCheckpoints(sessionId);
  for (const c of checkpoints) w.text(JSON.stringify(['C', c.seq, c.t, c.state])).lit('\n');
  const notes = store.notes(sessionId).sort((a, b) => a.id - b.id); // creation order, kept on import
  for (const n of notes) w.text(JSON.stringify(['N', n.seq, n.t, n.text, n.createdAt])).lit('\n');
  lineCount += events + checkpoints.length + notes.length;
  w.flush();
  out.write(encoder.encode(`${JSON.stringify(['END', events, checkpoints.length, notes.length, hash.digest('hex')])}\n`));
  return { events, records: lineCount + 1 };
}

/** `["E",seq,t,"KIND","layer",dev,pasid,grpid,cookie,addr,perm,code,errno,parent,raw,note,line,iommu]` and a newline. */
function writeEventLine(w: TextWriter, e: EventRow): void {
  w.lit('["E",').int(e.seq).lit(',').int(e.t).lit(',"').lit(e.kind).lit('","').lit(e.layer).lit('",');
  w.value(e.dev).lit(',').value(e.pasid).lit(',').value(e.grpid).lit(',').value(e.cookie).lit(',');
  if (e.addr === null) w.lit('null,');
  else w.lit('"').text(e.addr).lit('",');
  w.value(e.perm).lit(',').value(e.code).lit(',').value(e.errno).lit(',').value(e.parent).lit(',');
  if (e.raw === null) w.lit('null,');
  else w.lit('"').text(e.raw).lit('",');
  w.value(e.note).lit(',').value(e.line).lit(',').value(e.iommu).lit(']\n');
}

/** Longest accepted line: the header carries the scenario source (JSON-escaped, so up to 6× its length). */
const maxLine = (lineNo: number): number => (lineNo === 1 ? LIMITS.source * 6 + 65_536 : LIMITS.checkpoint * 2);

function parseLine(bytes: Uint8Array, where: string): unknown {
  const text = utf8(bytes, where);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TraceFileError(`${where}: not valid JSON (${(e as Error).message})`);
  }
}

/** Imports a `.iopftrace` file as a new session; returns its id. */
export function importIopftrace(db: SqlDatabase, path: string): ImportResult {
  const reader = new ChunkReader(path);
  try {
    return db.transaction(() => readInto(db, reader, path));
  } catch (e) {
    if (isSqliteError(e)) throw explainSqliteError(e, db.path, `importing ${path}`, 'nothing was imported');
    throw e;
  } finally {
    reader.close();
  }
}

function readInto(db: SqlDatabase, reader: ChunkReader, path: string): ImportResult {
  const hash = createHash('sha256');
  const it = lines(reader, maxLine);
  const first = it.next();
  if (first.done || first.value.bytes.length === 0) throw new TraceFileError(`${path}: empty file`);
  const head = first.value.bytes;
  if (utf8(head.subarray(0, Math.min(head.length, IOPFTRACE_MAGIC.length)), path) !== IOPFTRACE_MAGIC)
    throw new TraceFileError(`${path}: not an .iopftrace file (it must start with ${IOPFTRACE_MAGIC})`);
  const header = parseLine(head, `${path}:1`);
  assertSafeKeys(header, `${path}:1`);
  if (!isPlainObject(header)) throw new TraceFileError(`${path}:1: the header must be an object`);
  onlyKeys(header, ['format', 'version', 'session'], `${path}:1`);
  const version = intField(header.version, `${path}:1: version`, 1, Number.MAX_SAFE_INTEGER);
  if (version > IOPFTRACE_VERSION) throw new TraceFileError(`${path}: format version ${version} is newer than this app reads (${IOPFTRACE_VERSION})`);
  const eventValues = EVENT_VALUES[version]!;
  const session = sessionFromJson(header.session, `${path}:1: session`);
  if (session.eventCount * MIN_EVENT_LINE > reader.size)
    throw new TraceFileError(`${path}: the header claims ${session.eventCount} events but the file has only ${reader.size} bytes (truncated or hostile)`);
  hash.update(head);
  hash.update(NEWLINE);
  if (!first.value.terminated) throw new TraceFileError(`${path}: truncated after the header`);

  const store = new SessionStore(db);
  const sessionId = store.insertRecord(session, basename(path));
  const inserter = new BulkInserter(db, 'events', EVENT_COLUMNS);
  const checkpoint = db.prepare(`INSERT INTO checkpoints (session_id, kind, seq, t, state) VALUES (?, 'engine', ?, ?, ?)`);
  const note = db.prepare('INSERT INTO notes (session_id, seq, t, text, created_at) VALUES (?, ?, ?, ?, ?)');
  let events = 0;
  let checkpoints = 0;
  let notes = 0;
  let lastT = 0;
  let section: 'E' | 'C' | 'N' = 'E';
  let ended = false;
  for (const { bytes, lineNo, terminated } of it) {
    const where = `${path}:${lineNo}`;
    if (ended) {
      if (bytes.length === 0 && !terminated) break;
      throw new TraceFileError(`${where}: data after the END line`);
    }
    if (!terminated) throw new TraceFileError(`${where}: truncated (the last line is cut off and there is no END line)`);
    const v = parseLine(bytes, where);
    if (!Array.isArray(v) || typeof v[0] !== 'string') throw new TraceFileError(`${where}: expected a JSON array starting with a record tag`);
    const tag = v[0];
    if (tag === 'END') {
      if (v.length !== 5) throw new TraceFileError(`${where}: END needs 4 values`);
      if (v[1] !== events || v[2] !== checkpoints || v[3] !== notes)
        throw new TraceFileError(`${where}: END counts ${JSON.stringify(v.slice(1, 4))} do not match the file (${events} events, ${checkpoints} checkpoints, ${notes} notes)`);
      if (typeof v[4] !== 'string' || v[4] !== hash.digest('hex')) throw new TraceFileError(`${where}: checksum mismatch: the file was modified or is corrupt`);
      ended = true;
      continue;
    }
    hash.update(bytes);
    hash.update(NEWLINE);
    if (tag === 'E') {
      if (section !== 'E') throw new TraceFileError(`${where}: event after checkpoints or notes`);
      if (v.length !== eventValues + 1) throw new TraceFileError(`${where}: an event has ${eventValues} values in format version ${version}, got ${v.length - 1}`);
      const e = eventFromFields(
        // Version 1 lines stop at note; v[16] and v[17] are then undefined → null.
        { seq: v[1], t: v[2], kind: v[3], layer: v[4], dev: v[5], pasid: v[6], grpid: v[7], cookie: v[8], addr: v[9], perm: v[10], code: v[11], errno: v[12], parent: v[13], raw: v[14], note: v[15], line: v[16], iommu: v[17] },
        where,
      );
      if (e.seq !== events) throw new TraceFileError(`${where}: expected event seq ${events}, got ${e.seq}`);
      if (e.t < lastT) throw new TraceFileError(`${where}: virtual time goes backwards (${e.t} < ${lastT})`);
      if (events >= session.eventCount) throw new TraceFileError(`${where}: more events than the header's ${session.eventCount}`);
      lastT = e.t;
      inserter.add(eventRowValues(sessionId, e));
      events++;
    } else if (tag === 'C') {
      section = 'C';
      if (v.length !== 4) throw new TraceFileError(`${where}: a checkpoint has 3 values`);
      const seq = intField(v[1], `${where}: checkpoint seq`, 0, MAX_T);
      if (seq >= events) throw new TraceFileError(`${where}: checkpoint after event ${seq}, which the file does not have`);
      const t = intField(v[2], `${where}: checkpoint t`, 0, MAX_T);
      const state = strField(v[3], `${where}: checkpoint state`, LIMITS.checkpoint);
      try {
        JSON.parse(state);
      } catch {
        throw new TraceFileError(`${where}: checkpoint state is not valid JSON`);
      }
      checkpoint.run(sessionId, seq, t, state);
      checkpoints++;
    } else if (tag === 'N') {
      if (section === 'E') section = 'N';
      if (v.length !== 5) throw new TraceFileError(`${where}: a note has 4 values`);
      const seq = intOrNull(v[1], `${where}: note seq`, 0, MAX_T);
      if (seq !== null && seq >= events) throw new TraceFileError(`${where}: note on event ${seq}, which the file does not have`);
      note.run(sessionId, seq, intOrNull(v[2], `${where}: note t`, 0, MAX_T), strField(v[3], `${where}: note text`, LIMITS.note), strField(v[4], `${where}: note time`, 64));
      notes++;
    } else throw new TraceFileError(`${where}: unknown record tag ${JSON.stringify(tag.slice(0, 16))}`);
  }
  if (!ended) throw new TraceFileError(`${path}: truncated: no END line (${events} events read)`);
  if (events !== session.eventCount) throw new TraceFileError(`${path}: the header says ${session.eventCount} events, the file has ${events}`);
  inserter.flush();
  indexSession(db, sessionId);
  return { sessionId, events, checkpoints, notes };
}

const NEWLINE = new Uint8Array([0x0a]);
