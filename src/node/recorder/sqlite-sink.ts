/**
 * TraceSink that writes events into the `events` table in batched
 * transactions (one transaction per `batchSize` events, multi-row INSERT
 * statements inside it), so recording costs little over SQLite's raw insert
 * rate and a crash loses at most the batch in flight. A failed batch (disk
 * full, database locked or read-only) is rolled back, the events committed
 * before it stay, and every later emit() rethrows the same explained error so
 * the run stops.
 */
import { EVENT_KINDS, LAYERS, type TraceEvent } from '../../shared/events';
import type { TraceSink } from '../../core/trace/sink';
import type { SqlDatabase } from '../db/sql-database';
import { BulkInserter } from './bulk-insert';
import { explainSqliteError, RecorderError } from './sqlite-errors';

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

export class SqliteSink implements TraceSink {
  private batch: TraceEvent[] = [];
  private readonly inserter: BulkInserter;
  private written = 0;
  private failure: RecorderError | null = null;

  constructor(
    private readonly db: SqlDatabase,
    private readonly sessionId: number,
    private readonly batchSize = 10_000,
    rowsPerStatement = 32,
  ) {
    this.inserter = new BulkInserter(db, 'events', EVENT_COLUMNS, rowsPerStatement);
  }

  /** Events committed so far. */
  get committed(): number {
    return this.written;
  }

  /** The error that stopped recording, if any. */
  get error(): RecorderError | null {
    return this.failure;
  }

  emit(event: TraceEvent): void {
    if (this.failure) throw this.failure;
    this.batch.push(event);
    if (this.batch.length >= this.batchSize) this.flush();
  }

  /** Commits everything buffered. */
  flush(): void {
    if (this.failure) throw this.failure;
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
