/**
 * `npm run bench`: figures measured in one run on this machine, printed with
 * ratios against a baseline measured in the same run (absolute timings on
 * shared machines are noisy; ratios within one run are comparable).
 *
 * Parts: `npx tsx bench/index.ts [record] [reads] [export] [timeline]` runs
 * only those (record: raw insert, engine, sandbox and recorded run; the others
 * build the 1M-event session first); no argument runs everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRawInsert, runRawInsertOfRecordedRows, runRawMultiRowInsert } from './raw-insert';
import { runEngineRoundTrips } from './engine-round-trips';
import { runRecordedRun } from './recorded-run';
import { buildBigSession } from './big-session';
import { measureExport, measureReads } from './analysis';
import { runUapiRoundTrips } from './uapi-round-trips';
import { measureGuardOverhead } from '../src/node/scenario-runtime/guard-overhead';

const PARTS = ['record', 'reads', 'export', 'timeline'] as const;
type Part = (typeof PARTS)[number];

function selectedParts(args: readonly string[]): ReadonlySet<Part> {
  const unknown = args.filter((a) => !(PARTS as readonly string[]).includes(a));
  if (unknown.length) throw new Error(`unknown bench part(s) ${unknown.join(', ')}; parts: ${PARTS.join(', ')}`);
  return new Set(args.length ? (args as Part[]) : PARTS);
}

async function main(): Promise<void> {
  const parts = selectedParts(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'iopf-bench-'));
  try {
    const rows = Number(process.env.BENCH_ROWS ?? 200_000);
    console.log(`IOPF Workbench bench (node ${process.version}, ${rows} rows per SQLite figure)\n`);
    if (parts.has('record')) await recordFigures(dir, rows);
    if (parts.has('reads') || parts.has('export') || parts.has('timeline')) await bigSessionFigures(dir, parts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function recordFigures(dir: string, rows: number): Promise<void> {
  const raw = runRawInsert(join(dir, 'raw.db'), rows);
  console.log(`raw better-sqlite3 insert of trace rows: ${fmt(raw.rowsPerSec)} rows/s (${raw.ms.toFixed(0)} ms, batches of 10k, WAL, no secondary index)`);

  runUapiRoundTrips(20_000, 64); // warm-up
  const uapi = runUapiRoundTrips(400_000, 64);
  console.log(
    `core fault round trips (trigger → io-pgfault → fault fd read → write → page response; batches of 64, in-memory sink): ${fmt(uapi.roundTripsPerSec)} round trips/s, ${fmt(uapi.events)} events in the same run (goal ≥ 500k round trips/s)`,
  );
  const engine = await runEngineRoundTrips(20_000);
  console.log(
    `  full path (DMA → ATS → PRI → VT-d PRQ → driver → io-pgfault → iommufd → policy → response → retry, scripted workload): ${fmt(engine.roundTripsPerSec)} faults/s, ${engine.events} events (${fmt(engine.eventsPerSec)} events/s), ${(uapi.roundTripsPerSec / engine.roundTripsPerSec).toFixed(1)}× slower than the fault fd alone`,
  );

  for (const g of await measureGuardOverhead())
    console.log(`  scenario sandbox, ${g.case}: ${g.plainNs.toFixed(1)} ns direct → ${g.guardedNs.toFixed(1)} ns sandboxed and guarded = ${g.ratio.toFixed(1)}×`);

  const recorded = await runRecordedRun(join(dir, 'rec.db'), 20_000);
  // The baseline is the raw insert of exactly the rows the run recorded (same columns, notes, raw bytes), not synthetic ones.
  const same = runRawInsertOfRecordedRows(join(dir, 'rec.db'), join(dir, 'raw-same.db'));
  const rawMsForSameRows = same.ms;
  console.log(
    `recorded run: ${recorded.events} events in ${recorded.ms.toFixed(0)} ms = ${(recorded.ms / same.ms).toFixed(2)}× the raw insert time of the same rows (${same.ms.toFixed(0)} ms, ${fmt(same.rowsPerSec)} rows/s) (goal ≤ 1.3)`,
  );
  // The engine alone ran the same workload above; what recording adds on top of it (the writer thread inserts while the engine runs):
  const engineMs = (engine.events / engine.eventsPerSec) * 1000;
  console.log(
    `  the engine alone: ${engineMs.toFixed(0)} ms; recording adds ${(recorded.ms - engineMs).toFixed(0)} ms = ${((recorded.ms - engineMs) / rawMsForSameRows).toFixed(2)}× the raw insert time${recorded.threaded ? ' (inserts in the writer thread)' : ''}`,
  );
  const multi = runRawMultiRowInsert(join(dir, 'raw-multi.db'), rows);
  console.log(`  raw insert with 32-row statements (the sink's method): ${fmt(multi.rowsPerSec)} rows/s = ${(raw.ms / multi.ms).toFixed(2)}× the one-row rate`);
}

async function bigSessionFigures(dir: string, parts: ReadonlySet<Part>): Promise<void> {
  const bigEvents = Number(process.env.BENCH_BIG_EVENTS ?? 1_000_000);
  const bigPath = join(dir, 'big.db');
  const big = await buildBigSession(bigPath, bigEvents);
  console.log(
    `\n${fmt(big.events)}-event session: recorded in ${big.recordMs.toFixed(0)} ms; derived tables (faults, slices, LOD, checkpoints) built at stop in ${big.indexMs.toFixed(0)} ms`,
  );
  if (parts.has('reads')) {
    const reads = measureReads(big);
    console.log(`  window query, whole session at 1500 px (LOD): ${reads.windowFullMs.toFixed(1)} ms (goal < 20 ms)`);
    console.log(`  window query, 100k events at 1500 px (LOD): ${reads.windowZoomMs.toFixed(1)} ms (goal < 20 ms)`);
    console.log(`  window query, 10k events at 1500 px (from the events): ${reads.window10kMs.toFixed(1)} ms (goal < 20 ms)`);
    console.log(`  seek (fault-path state at a seq): ${reads.seekMs.toFixed(1)} ms (goal < 50 ms)`);
    console.log(`  statistics (latency percentiles per device, PASID, code): ${reads.statsMs.toFixed(1)} ms (goal < 200 ms)`);
    console.log(`  lifecycle of one fault: ${reads.lifecycleMs.toFixed(1)} ms`);
  }
  big.db.close();
  for (const format of parts.has('export') ? ['pftrace', 'chrome', 'iopftrace'] : []) {
    const x = measureExport(bigPath, big.sessionId, format, dir);
    console.log(
      `  export ${format}: ${x.ms.toFixed(0)} ms, ${(x.bytes / 2 ** 20).toFixed(0)} MiB, peak RSS ${(x.peakRssBytes / 2 ** 20).toFixed(0)} MiB (goal < 3000 ms, < 300 MB)`,
    );
  }
  if (parts.has('timeline')) for (const line of await (await import('./timeline-chromium')).measureTimelineInChromium(bigPath, big.sessionId)) console.log(line);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
