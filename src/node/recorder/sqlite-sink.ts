/**
 * TraceSink that writes events into the `events` table in batched
 * transactions: one prepared INSERT, a transaction per `batchSize` events, so
 * recording costs little over SQLite's raw insert rate and a crash loses at
 * most the batch in flight.
 */
import { kindCode, layerCode, type TraceEvent } from '../../shared/events';
import type { TraceSink } from '../../core/trace/sink';
import type { SqlDatabase, SqlValue } from '../db/sql-database';

const INSERT = `INSERT INTO events (session_id, seq, t, kind, layer, dev, pasid, grpid, cookie, addr, perm, code, errno, parent, raw, note)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export class SqliteSink implements TraceSink {
  private batch: TraceEvent[] = [];
  private readonly insert;
  private written = 0;

  constructor(
    private readonly db: SqlDatabase,
    private readonly sessionId: number,
    private readonly batchSize = 10_000,
  ) {
    this.insert = db.prepare(INSERT);
  }

  /** Events committed so far. */
  get committed(): number {
    return this.written;
  }

  emit(event: TraceEvent): void {
    this.batch.push(event);
    if (this.batch.length >= this.batchSize) this.flush();
  }

  /** Commits everything buffered. */
  flush(): void {
    if (this.batch.length === 0) return;
    const rows = this.batch;
    this.batch = [];
    this.db.transaction(() => {
      for (const e of rows) this.insert.run(...this.toRow(e));
    });
    this.written += rows.length;
  }

  private toRow(e: TraceEvent): SqlValue[] {
    return [
      this.sessionId,
      e.seq,
      e.t,
      kindCode(e.kind),
      layerCode(e.layer),
      e.dev,
      e.pasid,
      e.grpid,
      e.cookie,
      // u64 IOVA stored in SQLite's signed 64-bit INTEGER; read back with printf('%x').
      e.addr === null ? null : BigInt.asIntN(64, e.addr),
      e.perm,
      e.code,
      e.errno,
      e.parent,
      e.raw,
      e.note,
    ];
  }
}
