/**
 * Chrome trace-event JSON import: the array form (`[…]`, closing bracket
 * optional as the format allows) or the object form (`{"traceEvents":[…]}`).
 * The file is scanned in chunks and each event parsed on its own (at most
 * 32 MiB per event), so no giant string is ever built.
 *
 * Every `i`/`I`/`X`/`B` event whose name is an IOPF event kind and whose args
 * carry its columns (as this app's Chrome export writes them) becomes an event
 * row; slices, flows, counters and metadata are derived data and are skipped.
 * An `M` event named `iopf_session` restores the session's columns; without it
 * the session gets defaults and cannot be replayed (no scenario source). Rows
 * are ordered by their `seq` when every row has one (which must then be dense
 * from 0), else by time. Everything is validated and written in one
 * transaction: a bad file changes nothing.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { EVENT_KINDS, type EventRow } from '../../shared/events';
import type { SqlDatabase } from '../db/sql-database';
import { indexSession } from '../analysis/session-index';
import { BulkInserter } from '../recorder/bulk-insert';
import { eventRowValues } from '../recorder/event-rows';
import { SessionStore, type SessionRecord } from '../recorder/session-store';
import { EVENT_COLUMNS } from '../recorder/sqlite-sink';
import { explainSqliteError, isSqliteError } from '../recorder/sqlite-errors';
import { CHROME_FORMAT } from './chrome-export';
import { ChunkReader } from './file-reader';
import type { ImportResult } from './iopftrace';
import { assertSafeKeys, eventFromFields, intField, isPlainObject, MAX_T, sessionFromJson, strField, TraceFileError, type Json } from './validate';

/** Largest single trace event (the session record carries the scenario source). */
const MAX_ELEMENT = 32 << 20;
/** Rows are sorted in memory before insertion; this bounds that memory. */
export const MAX_CHROME_ROWS = 5_000_000;
const ROW_PHASES = new Set(['i', 'I', 'X', 'B']);
const KIND_NAMES: ReadonlySet<string> = new Set(EVENT_KINDS);

/**
 * Finds the elements of the trace-event array in a stream of text and hands
 * each element's text to `onElement`. Tracks strings and nesting only; the
 * elements themselves are parsed by JSON.parse.
 */
export class TraceEventScanner {
  private mode: 'start' | 'array' | 'object' | 'done' = 'start';
  private form: 'array' | 'object' | null = null;
  /** True while inside the events array (between its brackets). */
  private inEvents = false;
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Depth of the events array's elements (1 in array form, 2 in object form). */
  private eventsDepth = -1;
  private element: string[] = [];
  private elementLen = 0;
  private capturing = false;
  /** In object form: the last key string read at depth 1, and whether we are after its colon. */
  private key = '';
  private keyBuf: string[] | null = null;
  private afterColon = false;
  offset = 0;

  constructor(
    private readonly where: string,
    private readonly onElement: (text: string, offset: number) => void,
  ) {}

  feed(text: string): void {
    let segStart = 0;
    const flushSeg = (end: number): void => {
      if (this.capturing && end > segStart) {
        this.element.push(text.slice(segStart, end));
        this.elementLen += end - segStart;
        if (this.elementLen > MAX_ELEMENT) throw new TraceFileError(`${this.where}: a trace event near byte ${this.offset} is larger than ${MAX_ELEMENT} bytes`);
      }
    };
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.keyBuf && !this.escape && c !== 0x22 && c !== 0x5c) this.keyBuf.push(text[i]!);
        if (this.escape) this.escape = false;
        else if (c === 0x5c) this.escape = true;
        else if (c === 0x22) {
          this.inString = false;
          if (this.keyBuf) {
            this.key = this.keyBuf.join('');
            this.keyBuf = null;
          }
        }
        continue;
      }
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) continue;
      if (this.mode === 'done') throw new TraceFileError(`${this.where}: data after the end of the trace`);
      if (this.mode === 'start') {
        if (c === 0x5b) {
          this.mode = this.form = 'array';
          this.depth = 1;
          this.eventsDepth = 1;
          this.inEvents = true;
          continue;
        }
        if (c === 0x7b) {
          this.mode = this.form = 'object';
          this.depth = 1;
          continue;
        }
        throw new TraceFileError(`${this.where}: not a Chrome trace (expected "[" or "{")`);
      }
      // Start of an element of the events array.
      if (this.inEvents && !this.capturing && this.depth === this.eventsDepth && c !== 0x2c && c !== 0x5d) {
        if (c !== 0x7b) throw new TraceFileError(`${this.where}: trace event near byte ${this.offset + i} is not an object`);
        this.capturing = true;
        segStart = i;
      }
      if (c === 0x22) {
        this.inString = true;
        if (this.mode === 'object' && this.depth === 1 && !this.afterColon) this.keyBuf = [];
        continue;
      }
      if (this.mode === 'object' && this.depth === 1) {
        if (c === 0x3a) {
          this.afterColon = true;
          continue;
        }
        if (c === 0x2c) {
          this.afterColon = false;
          continue;
        }
        if (c === 0x5b && this.afterColon && this.key === 'traceEvents') {
          if (this.eventsDepth !== -1) throw new TraceFileError(`${this.where}: more than one traceEvents array`);
          this.depth = 2;
          this.eventsDepth = 2;
          this.inEvents = true;
          continue;
        }
      }
      if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.capturing && this.depth === this.eventsDepth) {
          flushSeg(i + 1);
          const el = this.element.join('');
          this.element = [];
          this.elementLen = 0;
          this.capturing = false;
          this.onElement(el, this.offset + i);
          segStart = i + 1;
          continue;
        }
        if (this.inEvents && this.depth < this.eventsDepth) {
          // The events array closed.
          this.inEvents = false;
          this.afterColon = false;
        }
        if (this.depth === 0) this.mode = 'done';
        if (this.depth < 0) throw new TraceFileError(`${this.where}: unbalanced brackets near byte ${this.offset + i}`);
      }
    }
    flushSeg(text.length);
    this.offset += text.length;
  }

  /** Checks the end: a cut-off event is an error; the array form may omit its `]`. */
  end(): void {
    if (this.inString || this.capturing) throw new TraceFileError(`${this.where}: truncated in the middle of a trace event`);
    if (this.form === null) throw new TraceFileError(`${this.where}: empty file`);
    if (this.form === 'object') {
      if (this.mode !== 'done') throw new TraceFileError(`${this.where}: truncated (the top-level object is not closed)`);
      if (this.eventsDepth === -1) throw new TraceFileError(`${this.where}: no traceEvents array`);
    } else if (this.mode !== 'done' && this.depth !== 1) throw new TraceFileError(`${this.where}: truncated (unbalanced brackets)`);
  }
}

function rowFromEvent(ev: Json, where: string): EventRow | null {
  const ph = ev.ph;
  if (typeof ph !== 'string') throw new TraceFileError(`${where}: "ph" must be a string`);
  if (!ROW_PHASES.has(ph) || !isPlainObject(ev.args)) return null;
  const a = ev.args;
  // An event named like an IOPF kind is a row; an explicit args.kind must be a valid one.
  if (a.kind === undefined && !(typeof ev.name === 'string' && KIND_NAMES.has(ev.name))) return null;
  const kind = a.kind ?? ev.name;
  if (a.layer === undefined) return null;
  let t = a.t;
  if (t === undefined) {
    if (typeof ev.ts !== 'number' || !Number.isFinite(ev.ts)) throw new TraceFileError(`${where}: "ts" must be a finite number of µs`);
    t = Math.round(ev.ts * 1000);
  }
  return eventFromFields(
    {
      seq: a.seq ?? 0,
      t,
      kind,
      layer: a.layer,
      dev: a.dev,
      pasid: a.pasid,
      grpid: a.grpid,
      cookie: a.cookie,
      addr: a.addr,
      perm: a.perm,
      code: a.code,
      errno: a.errno,
      parent: a.seq === undefined ? null : a.parent,
      raw: a.raw,
      note: a.note,
      line: a.line,
      iommu: a.iommu,
    },
    where,
  );
}

/** Imports a Chrome JSON trace as a new session. */
export function importChromeJson(db: SqlDatabase, path: string): ImportResult {
  const reader = new ChunkReader(path);
  let session: SessionRecord | null = null;
  const rows: EventRow[] = [];
  let allSeq = true;
  let count = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const scanner = new TraceEventScanner(path, (text, offset) => {
    const where = `${path}: trace event ${count} (near character ${offset})`;
    count++;
    let ev: unknown;
    try {
      ev = JSON.parse(text);
    } catch (e) {
      throw new TraceFileError(`${where}: not valid JSON (${(e as Error).message})`);
    }
    assertSafeKeys(ev, where);
    if (!isPlainObject(ev)) throw new TraceFileError(`${where}: not an object`);
    if (ev.ph === 'M' && ev.name === 'iopf_session') {
      if (session) throw new TraceFileError(`${where}: a second iopf_session record`);
      const args = isPlainObject(ev.args) ? ev.args : {};
      if (args.format !== CHROME_FORMAT) throw new TraceFileError(`${where}: iopf_session of unknown format ${JSON.stringify(args.format)}`);
      intField(args.version, `${where}: version`, 1, 1);
      session = sessionFromJson(args.session, `${where}: session`);
      if (session.eventCount > reader.size / 40)
        throw new TraceFileError(`${where}: the session claims ${session.eventCount} events but the file has only ${reader.size} bytes (truncated or hostile)`);
      return;
    }
    const hadSeq = isPlainObject(ev.args) && ev.args.seq !== undefined;
    const row = rowFromEvent(ev, where);
    if (!row) return;
    if (!hadSeq) allSeq = false;
    if (rows.length >= MAX_CHROME_ROWS) throw new TraceFileError(`${path}: more than ${MAX_CHROME_ROWS} events; use the .iopftrace format for sessions this large`);
    rows.push(row);
  });
  try {
    for (let chunk = reader.next(); chunk; chunk = reader.next()) {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw new TraceFileError(`${path}: not valid UTF-8`);
      }
      scanner.feed(text);
    }
    scanner.end();
  } finally {
    reader.close();
  }
  if (rows.length === 0) throw new TraceFileError(`${path}: no IOPF events found (expected events whose args carry kind and layer)`);

  // Order and number the rows.
  let ordered: EventRow[];
  if (allSeq) {
    ordered = rows.sort((a, b) => a.seq - b.seq);
    ordered.forEach((r, i) => {
      if (r.seq !== i) throw new TraceFileError(`${path}: event seqs are not dense from 0 (found ${r.seq} at position ${i})`);
    });
  } else {
    ordered = rows
      .map((r, i) => ({ r, i }))
      .sort((a, b) => a.r.t - b.r.t || a.i - b.i)
      .map(({ r }, seq) => ({ ...r, seq, parent: null }));
  }
  for (let i = 1; i < ordered.length; i++)
    if (ordered[i]!.t < ordered[i - 1]!.t) throw new TraceFileError(`${path}: virtual time goes backwards at seq ${i}`);

  const record: SessionRecord =
    session ??
    ({
      name: basename(path).replace(/\.[^.]*$/, '').slice(0, 200) || 'imported',
      status: 'complete',
      scenarioName: 'imported',
      scenarioSource: '',
      scenarioHash: createHash('sha256').update('').digest('hex'),
      scenarioFormat: 'json',
      seed: 0,
      kernelProfile: 'upstream',
      vendor: 'vtd',
      appVersion: 'unknown',
      createdAt: new Date().toISOString(),
      finishedAt: null,
      eventCount: ordered.length,
      endNs: ordered[ordered.length - 1]!.t,
      passed: 0,
      failed: 0,
      summary: 'imported from Chrome JSON without session metadata',
    } satisfies SessionRecord);
  if (record.eventCount !== ordered.length)
    throw new TraceFileError(`${path}: the session says ${record.eventCount} events, the file has ${ordered.length}`);
  strField(record.name, `${path}: name`, 4096);
  intField(record.endNs, `${path}: endNs`, 0, MAX_T);

  try {
    return db.transaction(() => {
      const sessionId = new SessionStore(db).insertRecord(record, basename(path));
      const inserter = new BulkInserter(db, 'events', EVENT_COLUMNS);
      for (const r of ordered) inserter.add(eventRowValues(sessionId, r));
      inserter.flush();
      indexSession(db, sessionId);
      return { sessionId, events: ordered.length, checkpoints: 0, notes: 0 };
    });
  } catch (e) {
    if (isSqliteError(e)) throw explainSqliteError(e, db.path, `importing ${path}`, 'nothing was imported');
    throw e;
  }
}
