/** `iopf run <scenario> [--seed N] [--profile v4|upstream] [--db FILE] [--json]` */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatNs } from '../../shared/time';
import { APP_VERSION } from '../../node/app-info';
import { openDatabase } from '../../node/db/open-database';
import { prepareRecorderDb } from '../../node/recorder/recorder-db';
import { recordRun } from '../../node/recorder/record-run';
import { defaultResourceStarts, findResourcesDir } from '../../node/resources';
import { ScenarioCatalog } from '../../node/service/scenario-catalog';
import { EXIT, UsageError } from '../exit-codes';
import type { CliIo } from '../io';
import { databaseOption, profileOption, seedOption } from '../options';

export const RUN_HELP = `Usage: iopf run <scenario> [options]

Runs a scenario on the emulator and records every event as a session.
<scenario> is a scenario file (.json) or the id of a built-in example
(see resources/scenarios, e.g. "happy-path").

Options:
  --seed N                 override the scenario's seed (0..4294967295)
  --profile v4|upstream    override the kernel profile
  --db FILE                record into FILE instead of the shared database
  --json                   print the result as JSON
  -h, --help               show this help

Exit codes: 0 all assertions passed, 1 an assertion failed,
2 scenario or database error, 64 usage error.`;

/** A path that exists wins; otherwise a bare id names a built-in example. */
function resolveScenario(arg: string): { source: string; origin: string } {
  const asPath = resolve(arg);
  if (existsSync(asPath)) return { source: readFileSync(asPath, 'utf8'), origin: arg };
  if (/^[a-z0-9][a-z0-9-]*$/.test(arg)) {
    const catalog = new ScenarioCatalog(`${findResourcesDir(defaultResourceStarts())}/scenarios`);
    return { source: catalog.read(arg), origin: `built-in ${arg}` };
  }
  throw new UsageError(`no scenario file "${arg}"`);
}

export function runCommand(argv: string[], io: CliIo, env: NodeJS.ProcessEnv): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      seed: { type: 'string' },
      profile: { type: 'string' },
      db: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(RUN_HELP);
    return EXIT.OK;
  }
  if (positionals.length !== 1) throw new UsageError('iopf run takes exactly one scenario');
  const seed = seedOption(values.seed);
  const kernelProfile = profileOption(values.profile);
  const dbPath = databaseOption(values.db, env);
  const { source, origin } = resolveScenario(positionals[0]!);
  const db = prepareRecorderDb(openDatabase(dbPath));
  try {
    const { sessionId, summary, spec } = recordRun(db, source, origin, {
      appVersion: APP_VERSION,
      ...(seed !== undefined ? { seed } : {}),
      ...(kernelProfile !== undefined ? { kernelProfile } : {}),
    });
    if (values.json) {
      io.out(
        JSON.stringify({
          sessionId,
          database: dbPath,
          scenario: spec.name,
          seed: summary.seed,
          kernelProfile: summary.kernelProfile,
          events: summary.eventCount,
          endNs: summary.endNs.toString(),
          passed: summary.passed,
          failed: summary.failed,
        }),
      );
    } else {
      io.out(`session ${sessionId}: ${spec.name} (seed ${summary.seed}, ${summary.kernelProfile}, ${spec.vendor})`);
      io.out(`${summary.eventCount} events over ${formatNs(summary.endNs)} of virtual time, recorded in ${dbPath}`);
      io.out(`${summary.passed} passed, ${summary.failed} failed`);
    }
    return summary.failed > 0 ? EXIT.ASSERTION_FAILED : EXIT.OK;
  } finally {
    db.close();
  }
}
