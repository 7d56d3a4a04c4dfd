/**
 * The events of a session for an export, read by a second thread: SQLite's
 * stepping and the making of JavaScript values for a million rows take about
 * as long as formatting them, so a reader worker runs the paged SELECT of
 * `iterateEvents` on its own read-only connection while the exporter formats
 * the pages it already has. Same rows, same order, same EventRow values as
 * `iterateEvents`.
 *
 * A page crosses as typed arrays (moved, not copied) plus the page's distinct
 * strings: per cell a type byte (null, number, string, bigint) and a number
 * (the value, or the index of its string). BLOBs become lowercase hex in the
 * worker, as `valuesToEvent` would make them. The worker stays at most
 * `AHEAD_PAGES` pages ahead, so memory stays bounded, and the exporter waits
 * for pages with `Atomics.wait`, so exports stay synchronous.
 *
 * The worker's connection loads the better_sqlite3.node the caller's did
 * (`SqlDatabase.nativeBinding`: in Electron, the Electron-ABI binary chosen by
 * open-database). Small sessions, in-memory databases, other drivers and an
 * Electron connection that names no binary read in the calling thread; so
 * does any run whose worker fails to start.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { receiveMessageOnPort, MessageChannel, Worker } from 'node:worker_threads';
import type { EventRow } from '../../shared/events';
import type { SqlDatabase, SqlValue } from '../db/sql-database';
import { EVENT_SELECT, iterateEvents, PAGE_ROWS, valuesToEvent } from '../recorder/event-rows';

/** Below this many events a worker's start-up (~30 ms) costs more than it saves. */
export const MIN_EVENTS_FOR_WORKER = 50_000;
const AHEAD_PAGES = 8;
/** A page that takes longer than this means the worker is gone. */
const STALL_MS = 60_000;

// Control words shared with the worker.
const PRODUCED = 0;
const CONSUMED = 1;
const STOP = 2;

const CELL_NULL = 0;
const CELL_NUMBER = 1;
const CELL_STRING = 2;
const CELL_BIGINT = 3;

interface Page {
  readonly rows: number;
  readonly cols: number;
  readonly types: Uint8Array;
  readonly vals: Float64Array;
  readonly strs: string[];
  readonly last: boolean;
}
type WorkerMessage = Page | { readonly error: string };

/** Plain CommonJS, started with `eval: true` so no build step has to ship a file for it. */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { module: modulePath, nativeBinding, path, sql, sessionId, pageRows, ahead, ctrl, port } = workerData;
const c = new Int32Array(ctrl);
function send(msg, transfer) {
  port.postMessage(msg, transfer);
  Atomics.add(c, ${PRODUCED}, 1);
  Atomics.notify(c, ${PRODUCED});
}
(function read() { try {
  const Database = require(modulePath);
  const db = new Database(path, nativeBinding ? { readonly: true, fileMustExist: true, nativeBinding } : { readonly: true, fileMustExist: true });
  const page = db.prepare(sql).raw(true);
  let next = 0;
  let produced = 0;
  for (;;) {
    for (;;) {
      if (Atomics.load(c, ${STOP})) return db.close();
      const consumed = Atomics.load(c, ${CONSUMED});
      if (produced - consumed < ahead) break;
      Atomics.wait(c, ${CONSUMED}, consumed, 1000);
    }
    const rows = page.all(sessionId, next);
    const n = rows.length;
    const cols = n ? rows[0].length : 0;
    const types = new Uint8Array(n * cols);
    const vals = new Float64Array(n * cols);
    const strs = [];
    const index = new Map();
    let o = 0;
    for (let r = 0; r < n; r++) {
      const row = rows[r];
      for (let k = 0; k < cols; k++, o++) {
        let v = row[k];
        if (v === null || v === undefined) continue;
        if (typeof v === 'number') { types[o] = ${CELL_NUMBER}; vals[o] = v; continue; }
        types[o] = ${CELL_STRING};
        if (typeof v === 'bigint') { types[o] = ${CELL_BIGINT}; v = v.toString(); }
        else if (typeof v !== 'string') v = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
        let i = index.get(v);
        if (i === undefined) { i = strs.length; strs.push(v); index.set(v, i); }
        vals[o] = i;
      }
    }
    const last = n < pageRows;
    send({ rows: n, cols, types, vals, strs, last }, [types.buffer, vals.buffer]);
    produced++;
    if (last) return db.close();
    next = Number(rows[n - 1][0]) + 1;
  }
} catch (e) {
  send({ error: e && e.message ? String(e.message) : String(e) });
} })();
`;

export interface EventStreamOptions {
  /** Use the reader worker from this many events on (tests set 0). */
  readonly minEventsForWorker?: number;
  /** Told where the rows are read: by the worker, or in the calling thread. */
  readonly onReader?: (where: 'worker' | 'calling thread') => void;
}

/** Every event of the session in seq order, read ahead by a worker when that pays. */
export function* streamEvents(db: SqlDatabase, sessionId: number, options: EventStreamOptions = {}): Generator<EventRow> {
  const reader = workerEligible(db, sessionId, options.minEventsForWorker ?? MIN_EVENTS_FOR_WORKER) ? startReader(db.path, sessionId, db.nativeBinding) : undefined;
  if (!reader) {
    options.onReader?.('calling thread');
    yield* iterateEvents(db, sessionId);
    return;
  }
  try {
    let first = true;
    const row: SqlValue[] = [];
    for (;;) {
      const msg = reader.next();
      if ('error' in msg) {
        // Nothing was read yet: the worker could not start (module, file), so read here instead.
        if (first) {
          options.onReader?.('calling thread');
          yield* iterateEvents(db, sessionId);
          return;
        }
        throw new Error(`reading the events of session ${sessionId}: ${msg.error}`);
      }
      if (first) options.onReader?.('worker');
      first = false;
      const { rows, cols, types, vals, strs } = msg;
      row.length = cols;
      for (let r = 0, o = 0; r < rows; r++) {
        for (let k = 0; k < cols; k++, o++) {
          const type = types[o];
          row[k] = type === CELL_NUMBER ? vals[o]! : type === CELL_NULL ? null : type === CELL_STRING ? strs[vals[o]!]! : BigInt(strs[vals[o]!]!);
        }
        yield valuesToEvent(row);
      }
      if (msg.last) return;
    }
  } finally {
    reader.stop();
  }
}

/** Whether a reader worker may read `db` (in Electron, `electronVersion` set, only a connection that names its binary). */
export function workerEligible(db: SqlDatabase, sessionId: number, minEvents: number, electronVersion: string | undefined = process.versions.electron): boolean {
  if (!db.driver.startsWith('better-sqlite3') || (electronVersion !== undefined && db.nativeBinding === undefined)) return false;
  if (db.path === '' || db.path === ':memory:' || !existsSync(db.path)) return false;
  if (minEvents <= 0) return true;
  const last = db.prepare('SELECT max(seq) AS s FROM events WHERE session_id = ?').get(sessionId)?.s;
  return typeof last === 'number' && last + 1 >= minEvents;
}

interface Reader {
  /** The next message, waiting for it. */
  next(): WorkerMessage;
  stop(): void;
}

function betterSqlitePath(): string | undefined {
  try {
    const from = typeof __dirname === 'string' ? __dirname : process.cwd();
    return createRequire(join(from, 'noop.js')).resolve('better-sqlite3');
  } catch {
    return undefined;
  }
}

function startReader(path: string, sessionId: number, nativeBinding: string | undefined): Reader | undefined {
  const module = betterSqlitePath();
  if (!module) return undefined;
  const ctrl = new SharedArrayBuffer(4 * 3);
  const c = new Int32Array(ctrl);
  const { port1, port2 } = new MessageChannel();
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        module,
        nativeBinding,
        path,
        sql: `SELECT ${EVENT_SELECT} FROM events WHERE session_id = ? AND seq >= ? ORDER BY seq LIMIT ${PAGE_ROWS}`,
        sessionId,
        pageRows: PAGE_ROWS,
        ahead: AHEAD_PAGES,
        ctrl,
        port: port2,
      },
      transferList: [port2],
    });
  } catch {
    port1.close();
    return undefined;
  }
  // The exporter never yields to the event loop while it reads: nothing must keep the process alive afterwards.
  worker.unref();
  let received = 0;
  return {
    next(): WorkerMessage {
      let waited = 0;
      for (;;) {
        const m = receiveMessageOnPort(port1);
        if (m) {
          received++;
          Atomics.store(c, CONSUMED, received);
          Atomics.notify(c, CONSUMED);
          return m.message as WorkerMessage;
        }
        const produced = Atomics.load(c, PRODUCED);
        if (produced > received) continue; // posted between the two loads
        if (Atomics.wait(c, PRODUCED, produced, 1000) === 'timed-out' && (waited += 1000) >= STALL_MS)
          return { error: `the event reader sent nothing for ${STALL_MS / 1000} s` };
      }
    },
    stop(): void {
      Atomics.store(c, STOP, 1);
      Atomics.notify(c, CONSUMED);
      port1.close();
      void worker.terminate();
    },
  };
}
