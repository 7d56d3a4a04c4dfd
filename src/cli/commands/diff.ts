/** `iopf diff [<db>] A B [--json] [--limit N]` */
import { parseArgs } from 'node:util';
import { formatNs } from '../../shared/time';
import { codeName, describeIdentity, diffSessions } from '../../node/analysis/diff';
import { EXIT, UsageError } from '../exit-codes';
import type { CliIo } from '../io';
import { databaseOption, positiveIntOption, sessionIdOption, withDatabase } from '../options';

export const DIFF_HELP = `Usage: iopf diff [<db>] A B [options]

Compares two sessions fault by fault. Faults are aligned by identity —
device, PASID, PRG index, address and permissions of the page request
group (the k-th repeat of an identity pairs with the k-th) — not by time.
Reports response-code flips, faults only in B (added) or only in A
(missing), and the distribution of latency deltas (fault queued → response,
B − A) with the largest ones.

Options:
  --db FILE    the database (or give it as the first argument)
  --limit N    list at most N items per section (default 20)
  --json       print the full comparison as JSON
  -h, --help   show this help

Exit codes: 0 same faults and codes (latencies may differ), 1 faults or
codes differ, 2 database error or no such session, 64 usage error.`;

export async function diffCommand(argv: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(DIFF_HELP);
    return EXIT.OK;
  }
  if (positionals.length !== 2 && positionals.length !== 3) throw new UsageError('iopf diff takes two session ids (optionally after the database)');
  if (positionals.length === 3 && values.db) throw new UsageError('give the database either as an argument or with --db, not both');
  const [dbArg, a, b] = positionals.length === 3 ? positionals : [undefined, ...positionals];
  const idA = sessionIdOption(a, 'session A');
  const idB = sessionIdOption(b, 'session B');
  const limit = positiveIntOption(values.limit, '--limit', 20);
  return withDatabase(
    databaseOption(dbArg ?? values.db, env),
    (db) => {
      for (const id of [idA, idB]) if (!db.prepare('SELECT 1 AS ok FROM sessions WHERE id = ?').get(id)) throw new Error(`no session ${id} in ${db.path}`);
      const d = diffSessions(db, idA, idB, values.json ? 1000 : limit);
      if (values.json) {
        io.out(JSON.stringify(d));
        return d.sameFaults ? EXIT.OK : EXIT.ASSERTION_FAILED;
      }
      io.out(`A = session ${idA}: ${d.faultsA} faults   B = session ${idB}: ${d.faultsB} faults   matched ${d.matched}`);
      io.out(`code flips: ${d.flipCount}   added (only in B): ${d.addedCount}   missing (only in A): ${d.missingCount}`);
      for (const f of d.flips) io.out(`  flip  ${describeIdentity(f.identity)}: ${codeName(f.codeA)} → ${codeName(f.codeB)} (seq ${f.seqA} / ${f.seqB})`);
      for (const f of d.added) io.out(`  added ${describeIdentity(f.identity)} (B seq ${f.seq}, ${codeName(f.code)})`);
      for (const f of d.missing) io.out(`  missing ${describeIdentity(f.identity)} (A seq ${f.seq}, ${codeName(f.code)})`);
      const l = d.latencyDelta;
      if (l) {
        io.out(`latency delta B − A over ${l.count} faults: mean ${formatNs(Math.round(l.mean))}  p50 ${formatNs(l.p50)}  p90 ${formatNs(l.p90)}  p99 ${formatNs(l.p99)}  max ${formatNs(l.max)}`);
        for (const x of d.largestDeltas.slice(0, limit))
          io.out(`  ${x.deltaNs >= 0 ? '+' : ''}${formatNs(x.deltaNs)}  ${describeIdentity(x.identity)}: ${formatNs(x.latencyA)} → ${formatNs(x.latencyB)}`);
      } else io.out('latency delta: no fault answered in both sessions');
      io.out(d.sameFaults ? 'same faults and response codes' : 'the sessions differ');
      return d.sameFaults ? EXIT.OK : EXIT.ASSERTION_FAILED;
    },
    true,
  );
}
