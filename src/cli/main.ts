/**
 * The `iopf` command line: dispatches to one command, turns errors into the
 * documented exit codes and one clear message on stderr.
 */
import { ScenarioError } from '../core/scenario/spec';
import { DIFF_HELP, diffCommand } from './commands/diff';
import { EXPORT_HELP, exportCommand } from './commands/export';
import { IMPORT_HELP, importCommand } from './commands/import';
import { REPLAY_HELP, replayCommand } from './commands/replay';
import { RM_HELP, rmCommand } from './commands/rm';
import { RUN_HELP, runCommand } from './commands/run';
import { CHECK_HELP, checkCommand } from './commands/check';
import { SERVE_HELP, serveCommand } from './commands/serve';
import { SESSIONS_HELP, sessionsCommand } from './commands/sessions';
import { SHOW_HELP, showCommand } from './commands/show';
import { EXIT, UsageError } from './exit-codes';
import type { CliIo } from './io';

export const MAIN_HELP = `Usage: iopf <command> [options]

IOPF Workbench on the command line: run I/O page fault scenarios against the
emulator, record them, and serve the workbench UI to a browser.

Commands:
  run <scenario>          run a scenario and record it as a session
  check <scenario.ts>     type-check a scenario without running it
  sessions                list recorded sessions
  show <id>               one session: how it ran, notes, latency statistics
  export <id>             write a session as .pftrace, Chrome JSON or .iopftrace
  import FILE             import an .iopftrace or Chrome JSON file as a session
  replay --session ID     re-run a session; --verify compares with the recording
  diff A B                compare two sessions fault by fault
  rm <id>                 remove sessions
  serve                   serve the workbench UI on 127.0.0.1
  help [command]          show help for a command

Every command takes --help. The shared database is in the user's data
directory ($XDG_DATA_HOME/iopf-workbench/workbench.db); --db or IOPF_DB
choose another file.`;

type Command = (argv: string[], io: CliIo, env: NodeJS.ProcessEnv) => number | Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  run: { run: runCommand, help: RUN_HELP },
  check: { run: checkCommand, help: CHECK_HELP },
  sessions: { run: sessionsCommand, help: SESSIONS_HELP },
  show: { run: showCommand, help: SHOW_HELP },
  export: { run: exportCommand, help: EXPORT_HELP },
  import: { run: importCommand, help: IMPORT_HELP },
  replay: { run: replayCommand, help: REPLAY_HELP },
  diff: { run: diffCommand, help: DIFF_HELP },
  rm: { run: rmCommand, help: RM_HELP },
  serve: { run: serveCommand, help: SERVE_HELP },
};

export async function main(argv: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.out(MAIN_HELP);
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === 'help') {
    const topic = rest[0] ? COMMANDS[rest[0]] : undefined;
    io.out(topic ? topic.help : MAIN_HELP);
    return EXIT.OK;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`iopf: unknown command "${name}"\n\n${MAIN_HELP}`);
    return EXIT.USAGE;
  }
  try {
    return await command.run(rest, io, env);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (e instanceof UsageError || err.code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`iopf ${name}: ${err.message}\n\n${command.help}`);
      return EXIT.USAGE;
    }
    if (e instanceof ScenarioError) {
      io.err(`iopf ${name}: scenario error: ${err.message}`);
      return EXIT.SCENARIO_ERROR;
    }
    io.err(`iopf ${name}: ${err.message}`);
    return EXIT.SCENARIO_ERROR;
  }
}
