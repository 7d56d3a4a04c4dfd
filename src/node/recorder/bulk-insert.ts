/**
 * Multi-row INSERT: one prepared `INSERT … VALUES (…),(…),…` statement binds
 * `rowsPerStatement` rows per call, which is what makes recording cheap: the
 * cost of better-sqlite3 is per statement call, not per row
 * (../shared/spec/feasibility.md §1: 1 row/stmt ≈ 530k rows/s, 32–100 rows/stmt
 * ≈ 800–900k rows/s). The caller owns the transaction; `flush()` writes the
 * rows left over with a one-row statement and must run before it commits.
 */
import type { SqlDatabase, SqlStatement, SqlValue } from '../db/sql-database';

export class BulkInserter {
  private readonly many: SqlStatement;
  private one: SqlStatement | null = null;
  /** Parameters of the rows buffered so far, row after row. */
  private readonly params: SqlValue[];
  private readonly width: number;
  private readonly columnList: string;
  private rows = 0;
  private written = 0;

  constructor(
    private readonly db: SqlDatabase,
    private readonly table: string,
    columns: readonly string[],
    private readonly rowsPerStatement = 32,
  ) {
    this.width = columns.length;
    this.params = new Array<SqlValue>(this.width * rowsPerStatement).fill(null);
    this.columnList = columns.join(', ');
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    this.many = db.prepare(`INSERT INTO ${table} (${this.columnList}) VALUES ${Array(rowsPerStatement).fill(tuple).join(', ')}`);
  }

  /** Rows handed to SQLite so far (flushed or not committed yet). */
  get count(): number {
    return this.written + this.rows;
  }

  /** Adds one row; `values.length` must equal the column count. */
  add(values: readonly SqlValue[]): void {
    const at = this.rows * this.width;
    for (let i = 0; i < this.width; i++) this.params[at + i] = values[i]!;
    this.rowDone();
  }

  /** Index in `buffer` where the next row's values go (write `width` values, then call rowDone). */
  get slot(): number {
    return this.rows * this.width;
  }

  /** The shared parameter buffer (for callers that write a row in place). */
  get buffer(): SqlValue[] {
    return this.params;
  }

  rowDone(): void {
    if (++this.rows === this.rowsPerStatement) {
      this.many.run(...this.params);
      this.rows = 0;
      this.written += this.rowsPerStatement;
    }
  }

  /** Writes the rows still buffered. Call inside the caller's transaction. */
  flush(): void {
    if (this.rows === 0) return;
    this.one ??= this.db.prepare(`INSERT INTO ${this.table} (${this.columnList}) VALUES (${Array(this.width).fill('?').join(', ')})`);
    for (let r = 0; r < this.rows; r++) this.one.run(...this.params.slice(r * this.width, (r + 1) * this.width));
    this.written += this.rows;
    this.rows = 0;
  }

  /** Drops buffered rows (after a failed transaction). */
  discard(): void {
    this.rows = 0;
  }
}
