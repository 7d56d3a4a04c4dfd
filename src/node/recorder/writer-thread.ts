/**
 * The recorder's writer thread: takes whole batches of events packed into
 * typed arrays and commits each in one transaction of multi-row INSERTs on
 * its own connection, so SQLite's work overlaps the engine's instead of
 * following it. The engine thread only packs (a few dozen ns per event).
 *
 * Crash safety is the inline writer's: one transaction per batch in WAL mode,
 * so a killed process keeps every committed batch and loses the ones in
 * flight; after a failed batch the thread writes nothing more (no holes), and
 * the sink rethrows the explained error. At most `MAX_IN_FLIGHT` batches wait,
 * so memory stays bounded when the disk is slower than the engine.
 *
 * Only for better-sqlite3 on a file. In Electron the thread's connection
 * loads the Electron-ABI binary the recording connection loaded
 * (`SqlDatabase.nativeBinding`, chosen by open-database); without one known,
 * recording there stays in the calling thread, as it does for in-memory
 * databases and node:sqlite.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { TraceEvent } from '../../shared/events';
import type { SqlDatabase } from '../db/sql-database';

/** Numeric columns of a packed batch, in this order (NaN = NULL). */
export const PACKED_NUMBERS = ['seq', 't', 'kind', 'layer', 'dev', 'pasid', 'grpid', 'cookie', 'addr', 'perm', 'code', 'errno', 'parent', 'line', 'iommu'] as const;
const W = PACKED_NUMBERS.length;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/** One transaction's worth of events, packed for the move to the writer thread. */
export class PackedBatch {
  rows = 0;
  firstSeq = 0;
  lastSeq = 0;
  readonly nums: Float64Array;
  /** Per row: start and length in `bytes` of its raw column, length -1 for NULL. */
  readonly rawAt: Int32Array;
  bytes: Uint8Array;
  private used = 0;
  readonly notes: (string | null)[] = [];
  /** Values a double cannot hold exactly: row, column index in PACKED_NUMBERS, value. */
  readonly big: [number, number, bigint][] = [];

  constructor(readonly capacity: number) {
    this.nums = new Float64Array(capacity * W);
    this.rawAt = new Int32Array(capacity * 2);
    this.bytes = new Uint8Array(Math.max(1024, capacity * 8));
  }

  get full(): boolean {
    return this.rows >= this.capacity;
  }

  add(e: TraceEvent, kind: number, layer: number, addr: bigint | null): void {
    const r = this.rows++;
    if (r === 0) this.firstSeq = e.seq;
    this.lastSeq = e.seq;
    const n = this.nums;
    const o = r * W;
    n[o] = e.seq;
    n[o + 1] = this.exact(r, 1, e.t);
    n[o + 2] = kind;
    n[o + 3] = layer;
    n[o + 4] = e.dev ?? NaN;
    n[o + 5] = e.pasid ?? NaN;
    n[o + 6] = e.grpid ?? NaN;
    n[o + 7] = e.cookie ?? NaN;
    n[o + 8] = addr === null ? NaN : this.exact(r, 8, addr);
    n[o + 9] = e.perm ?? NaN;
    n[o + 10] = e.code ?? NaN;
    n[o + 11] = e.errno ?? NaN;
    n[o + 12] = e.parent ?? NaN;
    n[o + 13] = e.line ?? NaN;
    n[o + 14] = e.iommu ?? NaN;
    const raw = e.raw;
    if (raw === null) this.rawAt[r * 2 + 1] = -1;
    else {
      if (this.used + raw.length > this.bytes.length) {
        const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + raw.length));
        grown.set(this.bytes.subarray(0, this.used));
        this.bytes = grown;
      }
      this.bytes.set(raw, this.used);
      this.rawAt[r * 2] = this.used;
      this.rawAt[r * 2 + 1] = raw.length;
      this.used += raw.length;
    }
    this.notes.push(e.note);
  }

  /** The bigint as a double when exact; otherwise NaN here and the value in `big`. */
  private exact(row: number, col: number, v: bigint): number {
    if (v <= MAX_SAFE && v >= MIN_SAFE) return Number(v);
    this.big.push([row, col, v]);
    return NaN;
  }
}

// Control words shared with the thread.
const HANDED = 0; // batches handed over
const DONE = 1; // batches committed (or given up after a failure)
const COMMITTED_ROWS = 2; // events committed
const FAILED = 3;
const STOP = 4;
const READY = 5; // 1 ready, 2 could not start
const CONTROL_WORDS = 6;
/** How long the sink waits for a thread to start before writing inline for good. */
const START_TIMEOUT_MS = 10_000;

/** Batches handed over and not committed yet before the engine waits. */
const MAX_IN_FLIGHT = 3;

/** A failure inside the thread, as the driver reported it. */
export interface WriterFailure {
  readonly error: Error;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

/** Plain CommonJS, started with `eval: true` so no build step has to ship a file for it. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module: modulePath, nativeBinding, path, busyTimeoutMs, sessionId, columns, rowsPerStatement, ctrl, port } = workerData;
const c = new Int32Array(ctrl);
const W = ${W};
(function write() {
  let db;
  let batch = 0;
  let commit;
  try {
    const Database = require(modulePath);
    db = new Database(path, nativeBinding ? { fileMustExist: true, nativeBinding } : { fileMustExist: true });
    db.pragma('busy_timeout = ' + busyTimeoutMs);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Where each INSERT column comes from: -1 session, -2 raw, -3 note, else a packed number.
    const source = columns.map((name) => name === 'session_id' ? -1 : name === 'raw' ? -2 : name === 'note' ? -3 : ${JSON.stringify(PACKED_NUMBERS)}.indexOf(name));
    if (source.some((s) => s === undefined || s < -3)) throw new Error('unknown event column in ' + columns.join(', '));
    const width = columns.length;
    const tuple = '(' + columns.map(() => '?').join(', ') + ')';
    const many = db.prepare('INSERT INTO events (' + columns.join(', ') + ') VALUES ' + Array(rowsPerStatement).fill(tuple).join(', '));
    const one = db.prepare('INSERT INTO events (' + columns.join(', ') + ') VALUES ' + tuple);
    const params = new Array(width * rowsPerStatement).fill(null);
    const row = new Array(width).fill(null);
    const fill = (p, at, b, r, bytes) => {
      for (let k = 0; k < width; k++) {
        const s = source[k];
        let v;
        if (s >= 0) { v = b.nums[r * W + s]; if (v !== v) v = null; }
        else if (s === -1) v = sessionId;
        else if (s === -3) v = b.notes[r];
        else { const len = b.rawAt[r * 2 + 1]; v = len < 0 ? null : bytes.subarray(b.rawAt[r * 2], b.rawAt[r * 2] + len); }
        p[at + k] = v;
      }
    };
    commit = db.transaction((b) => {
      const bytes = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
      const bigAt = new Map();
      for (const [r, s, v] of b.big) bigAt.set(r * W + s, v);
      let r = 0;
      for (; r + rowsPerStatement <= b.rows; r += rowsPerStatement) {
        for (let j = 0; j < rowsPerStatement; j++) fill(params, j * width, b, r + j, bytes);
        if (bigAt.size) patchBig(params, b, r, rowsPerStatement, bigAt, source, width);
        many.run(params);
      }
      for (; r < b.rows; r++) {
        fill(row, 0, b, r, bytes);
        if (bigAt.size) patchBig(row, b, r, 1, bigAt, source, width);
        one.run(row);
      }
    });
  } catch (e) {
    // Could not start (module, file): the sink keeps writing in its own thread.
    try { if (db) db.close(); } catch {}
    Atomics.store(c, ${READY}, 2);
    Atomics.notify(c, ${READY});
    return;
  }
  Atomics.store(c, ${READY}, 1);
  Atomics.notify(c, ${READY});
  try {
    for (;;) {
      const handed = Atomics.load(c, ${HANDED});
      if (batch === handed) {
        if (Atomics.load(c, ${STOP})) break;
        Atomics.wait(c, ${HANDED}, handed, 1000);
        continue;
      }
      const m = receiveMessage();
      commit(m);
      batch++;
      Atomics.add(c, ${COMMITTED_ROWS}, m.rows);
      Atomics.store(c, ${DONE}, batch);
      Atomics.notify(c, ${DONE});
    }
  } catch (e) {
    port.postMessage({ failedBatch: batch, name: e && e.name, code: e && e.code, message: e && e.message ? String(e.message) : String(e) });
    Atomics.store(c, ${FAILED}, 1);
    Atomics.store(c, ${DONE}, Atomics.load(c, ${HANDED}));
    Atomics.notify(c, ${DONE});
  } finally {
    try { if (db) db.close(); } catch {}
  }
})();
function receiveMessage() {
  const { receiveMessageOnPort } = require('node:worker_threads');
  for (;;) {
    const m = receiveMessageOnPort(port);
    if (m) return m.message;
    Atomics.wait(c, ${HANDED}, Atomics.load(c, ${HANDED}), 10);
  }
}
function patchBig(p, b, first, count, bigAt, source, width) {
  for (let j = 0; j < count; j++)
    for (let k = 0; k < width; k++) {
      const s = source[k];
      if (s < 0) continue;
      const v = bigAt.get((first + j) * W + s);
      if (v !== undefined) p[j * width + k] = v;
    }
}
`;

export interface WriterThreadConfig {
  readonly path: string;
  readonly sessionId: number;
  readonly columns: readonly string[];
  readonly rowsPerStatement: number;
  readonly busyTimeoutMs: number;
  /** The better_sqlite3.node to load instead of the module's own (SqlDatabase.nativeBinding). */
  readonly nativeBinding?: string;
}

export class WriterThread {
  private handed = 0;
  private readonly ranges: { firstSeq: number; lastSeq: number }[] = [];

  private constructor(
    private readonly c: Int32Array,
    private readonly port: MessagePort,
  ) {}

  /**
   * Whether `db` can be written by a second connection in a thread. In Electron
   * (`electronVersion` set) only when the connection names the binary it loaded.
   */
  static eligible(db: SqlDatabase, electronVersion: string | undefined = process.versions.electron): boolean {
    if (electronVersion !== undefined && db.nativeBinding === undefined) return false;
    return db.driver.startsWith('better-sqlite3') && db.path !== '' && db.path !== ':memory:' && existsSync(db.path) && betterSqlitePath() !== undefined;
  }

  /** A started thread, or undefined where none can start (the sink then writes inline). */
  static start(config: WriterThreadConfig): WriterThread | undefined {
    const module = betterSqlitePath();
    if (!module) return undefined;
    const ctrl = new SharedArrayBuffer(CONTROL_WORDS * 4);
    const { port1, port2 } = new MessageChannel();
    try {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, ...config, columns: [...config.columns], ctrl, port: port2 },
        transferList: [port2],
      });
      // Never what keeps a process alive: the sink's flush waits for the thread synchronously.
      worker.unref();
    } catch {
      port1.close();
      return undefined;
    }
    return new WriterThread(new Int32Array(ctrl), port1);
  }

  /** Waits until the thread can take batches; false when it could not start. */
  ready(): boolean {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const r = Atomics.load(this.c, READY);
      if (r !== 0) return r === 1;
      if (Date.now() >= deadline) {
        this.stop();
        return false;
      }
      Atomics.wait(this.c, READY, 0, 100);
    }
  }

  /** True once the thread has started (never waits). */
  get started(): boolean {
    return Atomics.load(this.c, READY) === 1;
  }

  /** Events the thread has committed. */
  get committedRows(): number {
    return Atomics.load(this.c, COMMITTED_ROWS);
  }

  /** The failure that stopped the thread, if any (then nothing after it was written). */
  failure(): WriterFailure | undefined {
    if (!Atomics.load(this.c, FAILED)) return undefined;
    const m = receiveMessageOnPort(this.port)?.message as { failedBatch: number; name?: string; code?: string; message: string } | undefined;
    const error = Object.assign(new Error(m?.message ?? 'the recorder writer thread failed'), m?.name ? { name: m.name } : {}, m?.code ? { code: m.code } : {});
    const range = this.ranges[m?.failedBatch ?? 0] ?? this.ranges[0] ?? { firstSeq: 0, lastSeq: 0 };
    this.failed = { error, ...range };
    return this.failed;
  }
  private failed: WriterFailure | undefined;

  /** Hands a batch over (its buffers move to the thread); waits while too many are in flight. */
  hand(b: PackedBatch): void {
    this.waitDone(this.handed - MAX_IN_FLIGHT + 1);
    if (Atomics.load(this.c, FAILED)) return;
    this.ranges.push({ firstSeq: b.firstSeq, lastSeq: b.lastSeq });
    this.port.postMessage({ rows: b.rows, nums: b.nums, rawAt: b.rawAt, bytes: b.bytes, notes: b.notes, big: b.big }, [b.nums.buffer as ArrayBuffer, b.rawAt.buffer as ArrayBuffer, b.bytes.buffer as ArrayBuffer]);
    Atomics.store(this.c, HANDED, ++this.handed);
    Atomics.notify(this.c, HANDED);
  }

  /** Waits until every batch handed over is committed (or the thread failed). */
  drain(): void {
    this.waitDone(this.handed);
  }

  private waitDone(n: number): void {
    for (;;) {
      const done = Atomics.load(this.c, DONE);
      if (done >= n || Atomics.load(this.c, FAILED)) return;
      Atomics.wait(this.c, DONE, done, 1000);
    }
  }

  /** Ends the thread after drain(); it closes its connection. */
  stop(): void {
    Atomics.store(this.c, STOP, 1);
    Atomics.notify(this.c, HANDED);
  }

  /** The failure already read, if any. */
  get knownFailure(): WriterFailure | undefined {
    return this.failed;
  }
}

function betterSqlitePath(): string | undefined {
  try {
    const from = typeof __dirname === 'string' ? __dirname : process.cwd();
    return createRequire(join(from, 'noop.js')).resolve('better-sqlite3');
  } catch {
    return undefined;
  }
}
