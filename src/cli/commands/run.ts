/** `iopf run <scenario> [--seed N] [--profile P] [--vendor vtd|smmuv3|amd] [--db FILE] [--json]` */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatNs } from '../../shared/time';
import { runScenarioSource } from '../../node/scenario-runtime/run-scenario-source';
import { defaultResourceStarts, findResourcesDir } from '../../node/resources';
import { EXIT, UsageError } from '../exit-codes';
import type { CliIo } from '../io';
import { databaseOption, PROFILE_HELP, profileOption, seedOption, vendorOption, withDatabase } from '../options';
import { resolveScenario } from '../scenario-files';

export const RUN_HELP = `Usage: iopf run <scenario> [options]

Runs a scenario on the emulator and records every event as a session.
<scenario> is a TypeScript scenario file (.ts), a declarative JSON scenario
(.json), or the id of a built-in example (see resources/scenarios, e.g.
"happy-path"). TypeScript scenarios are type-checked, then run sandboxed in a
worker thread: no Node, file system, network or timers.

Options:
  --seed N                   override the scenario's seed (0..4294967295)
  --profile P                override the kernel profile (list below)
  --vendor vtd|smmuv3|amd    override the IOMMU vendor
  --db FILE                  record into FILE instead of the shared database
  --json                     print the result as JSON
  -h, --help                 show this help

Exit codes: 0 all assertions passed, 1 an assertion failed,
2 scenario error (syntax, type, runtime, runaway) or database error,
64 usage error.

${PROFILE_HELP}`;

export async function runCommand(argv: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      seed: { type: 'string' },
      profile: { type: 'string' },
      vendor: { type: 'string' },
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
  const vendor = vendorOption(values.vendor);
  const dbPath = databaseOption(values.db, env);
  const scenario = resolveScenario(positionals[0]!);
  const typesPath = join(findResourcesDir(defaultResourceStarts()), 'types', 'iopf.d.ts');
  return withDatabase(dbPath, async (db) => {
    const r = await runScenarioSource(scenario.source, scenario.filename, {
      db,
      typesPath,
      ...(seed !== undefined ? { seed } : {}),
      ...(kernelProfile !== undefined ? { kernelProfile } : {}),
      ...(vendor !== undefined ? { vendor } : {}),
    });
    if (values.json) {
      io.out(
        JSON.stringify({
          sessionId: r.sessionId,
          database: dbPath,
          scenario: r.name,
          seed: r.seed,
          kernelProfile: r.kernelProfile,
          vendor: r.vendor,
          events: r.eventCount,
          endNs: r.endNs.toString(),
          passed: r.passed,
          failed: r.failed,
          violations: r.violations,
          error: r.error,
        }),
      );
    } else {
      if (r.error) {
        io.err(r.error);
        if (r.sessionId !== null) io.err(`session ${r.sessionId} is recorded as aborted; the events before the error are kept`);
      } else {
        if (r.sessionId !== null) io.out(`session ${r.sessionId}: ${r.name} (seed ${r.seed}, ${r.kernelProfile}, ${r.vendor})`);
        io.out(`${r.eventCount} events over ${formatNs(r.endNs)} of virtual time, recorded in ${dbPath}`);
        if (r.violations) io.out(`${r.violations} invariant violation(s) recorded`);
        io.out(`${r.passed} passed, ${r.failed} failed`);
      }
    }
    return r.exitCode;
  });
}
