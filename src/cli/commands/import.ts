/** `iopf import FILE [--db FILE] [--json]` */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { importTraceFile } from '../../node/trace-files/trace-files';
import { EXIT, UsageError } from '../exit-codes';
import type { CliIo } from '../io';
import { databaseOption, withDatabase } from '../options';

export const IMPORT_HELP = `Usage: iopf import FILE [options]

Imports a trace file as a new session: an .iopftrace file (lossless, as
written by \`iopf export --format iopftrace\`) or Chrome trace-event JSON
(as written by \`iopf export --format chrome\`). The format is recognised from
the file. Every field is checked; a truncated, corrupt or hostile file is
refused with the reason and nothing is imported. Nothing in a file is run:
the scenario source is stored as text.

Options:
  --db FILE    import into FILE instead of the shared database
  --json       print the result as JSON
  -h, --help   show this help

Exit codes: 0 ok, 2 bad file or database error, 64 usage error.`;

export async function importCommand(argv: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(IMPORT_HELP);
    return EXIT.OK;
  }
  if (positionals.length !== 1) throw new UsageError('iopf import takes exactly one file');
  const file = resolve(positionals[0]!);
  if (!existsSync(file)) throw new UsageError(`no file "${positionals[0]}"`);
  return withDatabase(databaseOption(values.db, env), (db) => {
    const r = importTraceFile(db, file);
    if (values.json) io.out(JSON.stringify(r));
    else io.out(`imported ${file} (${r.format}) as session ${r.sessionId}: ${r.events} events, ${r.checkpoints} checkpoints, ${r.notes} notes`);
    return EXIT.OK;
  });
}
