/** `iopf rm <id>… [--db FILE] [--force]` */
import { parseArgs } from 'node:util';
import { processProbe } from '../../node/recorder/recorder-db';
import { SessionStore } from '../../node/recorder/session-store';
import { EXIT, UsageError } from '../exit-codes';
import type { CliIo } from '../io';
import { databaseOption, sessionIdOption, withDatabase } from '../options';

export const RM_HELP = `Usage: iopf rm <session>... [options]

Removes sessions with all their events, derived tables, checkpoints and
notes, each in one transaction. A session another process is still recording
is refused unless --force is given.

Options:
  --db FILE    use FILE instead of the shared database
  --force      also remove sessions that are still recording
  -h, --help   show this help

Exit codes: 0 ok, 2 no such session or database error, 64 usage error.`;

export async function rmCommand(argv: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(RM_HELP);
    return EXIT.OK;
  }
  if (positionals.length === 0) throw new UsageError('iopf rm takes at least one session id');
  const ids = positionals.map((p) => sessionIdOption(p));
  return withDatabase(databaseOption(values.db, env), (db) => {
    const store = new SessionStore(db);
    for (const id of ids) {
      const s = store.details(id);
      if (!s) throw new Error(`no session ${id} in ${db.path}`);
      if (s.status === 'running' && !values.force && s.writerPid !== null && processProbe.isAlive(s.writerPid))
        throw new Error(`session ${id} is still being recorded by process ${s.writerPid}; use --force to remove it anyway`);
    }
    for (const id of ids) {
      store.remove(id);
      io.out(`removed session ${id}`);
    }
    return EXIT.OK;
  });
}
