/** `iopf show <id> [--db FILE] [--json]` */
import { parseArgs } from 'node:util';
import { formatNs } from '../../shared/time';
import { sessionStats, type LatencyStats, type StatsGroup } from '../../node/analysis/stats';
import { SessionStore } from '../../node/recorder/session-store';
import { EXIT, UsageError } from '../exit-codes';
import type { CliIo } from '../io';
import { databaseOption, sessionIdOption, withDatabase } from '../options';

export const SHOW_HELP = `Usage: iopf show <session> [options]

Shows one recorded session: how it was run (scenario, seed, kernel and
vendor profiles, app version), how it ended, its notes, and statistics:
faults by outcome and latency percentiles (p50/p90/p99/max) overall, per
device, per PASID and per response code. Latency is fault queued → response
written; device latency is page request → PRG response at the device.

Options:
  --source     print the scenario source the session ran, and nothing else
  --db FILE    read FILE instead of the shared database
  --json       print everything as JSON
  -h, --help   show this help

Exit codes: 0 ok, 2 no such session or database error, 64 usage error.`;

const lat = (l: LatencyStats | null): string =>
  l ? `p50 ${formatNs(l.p50)}  p90 ${formatNs(l.p90)}  p99 ${formatNs(l.p99)}  max ${formatNs(l.max)}  (n=${l.count})` : '—';

function groupLine(label: string, g: StatsGroup): string {
  return `  ${label.padEnd(22)} ${String(g.faults).padStart(7)} faults   latency ${lat(g.latency)}\n  ${''.padEnd(22)} ${''.padStart(7)}          device  ${lat(g.deviceLatency)}`;
}

export async function showCommand(argv: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      source: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(SHOW_HELP);
    return EXIT.OK;
  }
  if (positionals.length !== 1) throw new UsageError('iopf show takes exactly one session id');
  const id = sessionIdOption(positionals[0]);
  return withDatabase(databaseOption(values.db, env), (db) => {
    const store = new SessionStore(db);
    const s = store.details(id);
    if (!s) throw new Error(`no session ${id} in ${db.path}`);
    if (values.source) {
      io.out(s.scenarioSource);
      return EXIT.OK;
    }
    const notes = store.notes(id);
    const stats = s.status === 'running' ? null : sessionStats(db, id);
    if (values.json) {
      const { scenarioSource: _source, ...rest } = s;
      io.out(JSON.stringify({ session: rest, notes, stats }));
      return EXIT.OK;
    }
    io.out(`session ${s.id}: ${s.name}  [${s.status}]`);
    io.out(`  scenario   ${s.scenarioName} (sha256 ${s.scenarioHash.slice(0, 12)}…, ${s.scenarioFormat})`);
    io.out(`  run        seed ${s.seed}, kernel ${s.kernelProfile}, vendor ${s.vendor}, app ${s.appVersion}`);
    io.out(`  recorded   ${s.createdAt}${s.finishedAt ? ` → ${s.finishedAt}` : ''}${s.importedFrom ? `, imported from ${s.importedFrom}` : ''}`);
    io.out(`  events     ${s.eventCount} over ${formatNs(s.endNs)} of virtual time; ${s.passed} passed, ${s.failed} failed`);
    if (s.summary) io.out(`  summary    ${s.summary}`);
    for (const n of notes) io.out(`  note #${n.id}${n.seq !== null ? ` @seq ${n.seq}` : ''}: ${n.text}`);
    if (!stats) {
      io.out('  (still recording: statistics are computed when it stops)');
      return EXIT.OK;
    }
    io.out(`\nfaults: ${stats.faults}  ${Object.entries(stats.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    io.out(groupLine('all', stats.overall));
    for (const g of stats.byDevice) io.out(groupLine(`device ${g.dev}`, g));
    for (const g of stats.byPasid) io.out(groupLine(`device ${g.dev} PASID ${g.pasid ?? '-'}`, g));
    for (const g of stats.byCode) io.out(groupLine(`code ${g.codeName}`, g));
    return EXIT.OK;
  });
}
