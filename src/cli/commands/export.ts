/** `iopf export <id> --format pftrace|chrome|iopftrace -o FILE [--db FILE] [--json]` */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXPORT_FORMATS, exportSessionToFile, isExportFormat } from '../../node/trace-files/trace-files';
import { EXIT, UsageError } from '../exit-codes';
import type { CliIo } from '../io';
import { databaseOption, sessionIdOption, withDatabase } from '../options';

export const EXPORT_HELP = `Usage: iopf export <session> --format pftrace|chrome|iopftrace -o FILE [options]

Writes a recorded session to a trace file, streamed (memory stays constant):
  pftrace     Perfetto protobuf, for ui.perfetto.dev: tracks per device and
              PASID, the fault queue and the policy, flows page request →
              cookie → response, counters for queue occupancy and outstanding
              groups
  chrome      Chrome trace-event JSON (array form), for Perfetto, chrome://tracing
              and others; imports back with \`iopf import\`
  iopftrace   the workbench's lossless format; imports back to an identical session

The file is written as FILE.partial and renamed when complete.

Options:
  --format F       pftrace, chrome or iopftrace (required)
  -o, --output F   the file to write (required)
  --db FILE        read FILE instead of the shared database
  --json           print the result as JSON
  -h, --help       show this help

Exit codes: 0 ok, 2 no such session, I/O or database error, 64 usage error.`;

export async function exportCommand(argv: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      output: { type: 'string', short: 'o' },
      db: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(EXPORT_HELP);
    return EXIT.OK;
  }
  if (positionals.length !== 1) throw new UsageError('iopf export takes exactly one session id');
  const id = sessionIdOption(positionals[0]);
  if (!isExportFormat(values.format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
  const format = values.format;
  if (!values.output) throw new UsageError('-o FILE is required');
  const file = resolve(values.output);
  return withDatabase(databaseOption(values.db, env), (db) => {
    const r = exportSessionToFile(db, id, format, file);
    if (values.json) io.out(JSON.stringify({ sessionId: id, ...r, ms: Math.round(r.ms) }));
    else io.out(`session ${id}: ${r.events} events → ${file} (${format}, ${r.bytes} bytes, ${r.records} records, ${Math.round(r.ms)} ms)`);
    return EXIT.OK;
  });
}
