/** `iopf sessions [--db FILE] [--json]` */
import { parseArgs } from 'node:util';
import { formatNs } from '../../shared/time';
import { openDatabase } from '../../node/db/open-database';
import { prepareRecorderDb } from '../../node/recorder/recorder-db';
import { SessionStore } from '../../node/recorder/session-store';
import { EXIT, UsageError } from '../exit-codes';
import type { CliIo } from '../io';
import { databaseOption } from '../options';

export const SESSIONS_HELP = `Usage: iopf sessions [options]

Lists the recorded sessions, newest first.

Options:
  --db FILE    read FILE instead of the shared database
  --json       print the list as JSON
  -h, --help   show this help`;

export function sessionsCommand(argv: string[], io: CliIo, env: NodeJS.ProcessEnv): number {
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
    io.out(SESSIONS_HELP);
    return EXIT.OK;
  }
  if (positionals.length) throw new UsageError('iopf sessions takes no arguments');
  const db = prepareRecorderDb(openDatabase(databaseOption(values.db, env)));
  try {
    const sessions = new SessionStore(db).list();
    if (values.json) io.out(JSON.stringify(sessions));
    else if (sessions.length === 0) io.out('no sessions recorded yet');
    else
      for (const s of sessions)
        io.out(`${String(s.id).padStart(5)}  ${s.status.padEnd(8)}  ${String(s.eventCount).padStart(8)} events  ${formatNs(s.endNs).padStart(12)}  ${s.name}`);
    return EXIT.OK;
  } finally {
    db.close();
  }
}
