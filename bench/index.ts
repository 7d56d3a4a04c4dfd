/**
 * `npm run bench`: figures measured in one run on this machine, printed with
 * ratios against a baseline measured in the same run (absolute timings on
 * shared machines are noisy; ratios within one run are comparable).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRawInsert } from './raw-insert';
import { runEngineRoundTrips } from './engine-round-trips';
import { runRecordedRun } from './recorded-run';

const dir = mkdtempSync(join(tmpdir(), 'iopf-bench-'));
try {
  const rows = Number(process.env.BENCH_ROWS ?? 200_000);
  console.log(`IOPF Workbench bench (node ${process.version}, ${rows} rows per SQLite figure)\n`);

  const raw = runRawInsert(join(dir, 'raw.db'), rows);
  console.log(`raw better-sqlite3 insert of trace rows: ${fmt(raw.rowsPerSec)} rows/s (${raw.ms.toFixed(0)} ms, batches of 10k, WAL, no secondary index)`);

  const engine = runEngineRoundTrips(20_000);
  console.log(
    `core fault round trips (in-memory sink): ${fmt(engine.roundTripsPerSec)} round trips/s, ${engine.events} events in the same run (${fmt(engine.eventsPerSec)} events/s; goal ≥ 500k round trips/s)`,
  );

  const recorded = runRecordedRun(join(dir, 'rec.db'), 20_000);
  const rawMsForSameRows = (recorded.events / raw.rowsPerSec) * 1000;
  console.log(
    `recorded run: ${recorded.events} events in ${recorded.ms.toFixed(0)} ms = ${(recorded.ms / rawMsForSameRows).toFixed(2)}× the raw insert time of the same number of rows (goal ≤ 1.3)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
