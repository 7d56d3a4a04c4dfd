/**
 * TraceSink that writes events into the `events` table in batched
 * transactions (one transaction per `batchSize` events, multi-row INSERT
 * statements inside it), so recording costs little over SQLite's raw insert
 * rate and a crash loses at most the batch in flight. A failed batch (disk
 * full, database locked or read-only) is rolled back, the events committed
 * before it stay, and every later emit() rethrows the same explained error so
 * the run stops.
 *
 * A long run moves its inserts to a writer thread (writer-thread.ts) once
 * `threadAfter` events are committed: from then on emit() only packs events
 * and the thread commits the same batches while the engine runs on. A failure
 * there surfaces at the next batch boundary or at flush(); flush() waits for
 * every batch and ends the thread.
 */
import { EVENT_KINDS, LAYERS, type TraceEvent } from '../../shared/events';
import type { TraceSink } from '../../core/trace/sink';
import type { SqlDatabase } from '../db/sql-database';
import { BulkInserter } from './bulk-insert';
import { explainSqliteError, RecorderError } from './sqlite-errors';
import { PackedBatch, WriterThread } from './writer-thread';

/** Column order of every events INSERT (docs/trace-format.md). */
export const EVENT_COLUMNS = [
  'session_id',
  'seq',
  't',
  'kind',
  'layer',
  'dev',
  'pasid',
  'grpid',
  'cookie',
  'addr',
  'perm',
  'code',
  'errno',
  'parent',
  'raw',
  'note',
  'line',
  'iommu',
] as const;

/** kind name → stored code, without the linear search of `kindCode`. */
export const KIND_CODES: ReadonlyMap<string, number> = new Map(EVENT_KINDS.map((k, i) => [k, i]));
export const LAYER_CODES: ReadonlyMap<string, number> = new Map(LAYERS.map((l, i) => [l, i]));

const I64_MAX = 0x7fff_ffff_ffff_ffffn;

/** A u64 IOVA as SQLite's signed 64-bit INTEGER (read back with printf('%x')). */
export const addrToSql = (addr: bigint): bigint => (addr > I64_MAX ? BigInt.asIntN(64, addr) : addr);

export interface SqliteSinkOptions {
  /**
   * Events committed in the calling thread before a writer thread takes over
   * (default 20 000, so short runs never start one); Infinity: never.
   */
  readonly threadAfter?: number;
}

/** Runs shorter than this stay in the calling thread: a thread costs ~30 ms to start. */
export const THREAD_AFTER = 20_000;

export class SqliteSink implements TraceSink {
  private batch: TraceEvent[] = [];
  private readonly inserter: BulkInserter;
  private written = 0;
  private failure: RecorderError | null = null;
  private threadAfter: number;
  /** Started (booting) early when the database allows it; writing once `packed` is set. */
  private thread: WriterThread | undefined;
  private packed: PackedBatch | undefined;

  constructor(
    private readonly db: SqlDatabase,
    private readonly sessionId: number,
    private readonly batchSize = 10_000,
    private readonly rowsPerStatement = 32,
    options: SqliteSinkOptions = {},
  ) {
    this.inserter = new BulkInserter(db, 'events', EVENT_COLUMNS, rowsPerStatement);
    this.threadAfter = options.threadAfter ?? THREAD_AFTER;
  }

  /** Events committed so far. */
  get committed(): number {
    return this.written + (this.packed && this.thread ? this.thread.committedRows : 0);
  }

  /** The error that stopped recording, if any. */
  get error(): RecorderError | null {
    return this.failure;
  }

  /** True while a writer thread commits the batches. */
  get threaded(): boolean {
    return this.packed !== undefined;
  }

  emit(event: TraceEvent): void {
    if (this.failure) throw this.failure;
    const p = this.packed;
    if (p) {
      p.add(event, KIND_CODES.get(event.kind) ?? -1, LAYER_CODES.get(event.layer) ?? -1, event.addr === null ? null : addrToSql(event.addr));
      if (p.full) this.handOver();
      return;
    }
    if (this.written >= this.threadAfter && this.batch.length === 0 && Number.isFinite(this.threadAfter) && this.startThread()) return this.emit(event);
    this.batch.push(event);
    if (this.batch.length >= this.batchSize) {
      this.flushInline();
      // One batch before it is due, the thread boots while the engine keeps going here.
      if (this.written + this.batchSize >= this.threadAfter) this.bootThread();
    }
  }

  /** Commits everything buffered (waiting for the writer thread, which then ends). */
  flush(): void {
    if (this.failure) throw this.failure;
    const thread = this.thread;
    if (this.packed && thread) {
      if (this.packed.rows > 0) thread.hand(this.packed);
      thread.drain();
      this.packed = undefined;
      this.thread = undefined;
      thread.stop();
      this.written += thread.committedRows;
      this.checkThread(thread);
      return;
    }
    this.flushInline();
    // A thread that booted but never took over ends here too.
    if (thread) {
      this.thread = undefined;
      thread.stop();
    }
  }

  /** Starts the writer thread (it boots while the engine goes on), unless the database rules it out. */
  private bootThread(): void {
    if (this.thread || !Number.isFinite(this.threadAfter)) return;
    if (!WriterThread.eligible(this.db)) {
      this.threadAfter = Infinity;
      return;
    }
    const timeout = this.db.prepare('PRAGMA busy_timeout').get();
    this.thread = WriterThread.start({
      path: this.db.path,
      sessionId: this.sessionId,
      columns: EVENT_COLUMNS,
      rowsPerStatement: this.rowsPerStatement,
      busyTimeoutMs: Number(timeout?.timeout ?? 5000),
      ...(this.db.nativeBinding ? { nativeBinding: this.db.nativeBinding } : {}), // Electron: the same binary as this connection
    });
    if (!this.thread) this.threadAfter = Infinity;
  }

  /** Switches to the writer thread once it runs; false (and inline for good) when it cannot start. */
  private startThread(): boolean {
    this.bootThread();
    if (!this.thread?.ready()) {
      this.thread = undefined;
      this.threadAfter = Infinity;
      return false;
    }
    this.packed = new PackedBatch(this.batchSize);
    return true;
  }

  private handOver(): void {
    const thread = this.thread!;
    this.checkThread(thread);
    thread.hand(this.packed!);
    this.packed = new PackedBatch(this.batchSize);
  }

  /** Turns a failure of the thread into the sink's error (and throws it). */
  private checkThread(thread: WriterThread): void {
    const f = thread.knownFailure ?? thread.failure();
    if (!f) return;
    const committed = this.written + (this.packed ? thread.committedRows : 0);
    this.packed = undefined;
    this.thread = undefined;
    thread.stop();
    this.written = committed;
    this.failure = explainSqliteError(f.error, this.db.path, `recording events ${f.firstSeq}–${f.lastSeq} of session ${this.sessionId}`, `the ${committed} event(s) committed before them are kept`);
    throw this.failure;
  }

  private flushInline(): void {
    if (this.batch.length === 0) return;
    const rows = this.batch;
    this.batch = [];
    try {
      this.db.transaction(() => {
        for (const e of rows) this.write(e);
        this.inserter.flush();
      });
    } catch (e) {
      this.inserter.discard();
      this.failure = explainSqliteError(
        e,
        this.db.path,
        `recording events ${rows[0]!.seq}–${rows[rows.length - 1]!.seq} of session ${this.sessionId}`,
        `the ${this.written} event(s) committed before them are kept`,
      );
      throw this.failure;
    }
    this.written += rows.length;
  }

  private write(e: TraceEvent): void {
    const p = this.inserter.buffer;
    let i = this.inserter.slot;
    p[i++] = this.sessionId;
    p[i++] = e.seq;
    p[i++] = e.t;
    p[i++] = KIND_CODES.get(e.kind) ?? -1;
    p[i++] = LAYER_CODES.get(e.layer) ?? -1;
    p[i++] = e.dev;
    p[i++] = e.pasid;
    p[i++] = e.grpid;
    p[i++] = e.cookie;
    p[i++] = e.addr === null ? null : addrToSql(e.addr);
    p[i++] = e.perm;
    p[i++] = e.code;
    p[i++] = e.errno;
    p[i++] = e.parent;
    p[i++] = e.raw;
    p[i++] = e.note;
    p[i++] = e.line;
    p[i] = e.iommu;
    this.inserter.rowDone();
  }
}
