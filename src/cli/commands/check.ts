/** `iopf check <file.ts>`: type-checks a scenario against the scenario API without running it. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkScenario, formatDiagnostic } from '../../node/scenario-runtime/check';
import { defaultResourceStarts, findResourcesDir } from '../../node/resources';
import { EXIT, UsageError } from '../exit-codes';
import type { CliIo } from '../io';
import { resolveScenario } from '../scenario-files';

export const CHECK_HELP = `Usage: iopf check <scenario.ts>

Type-checks a TypeScript scenario against the scenario API ('iopf') without
running it, and prints every error as file:line:col: message.

Options:
  --json       print the diagnostics as JSON
  -h, --help   show this help

Exit codes: 0 no type error, 2 type or syntax errors, 64 usage error.`;

export function checkCommand(argv: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.out(CHECK_HELP);
    return EXIT.OK;
  }
  if (positionals.length !== 1) throw new UsageError('iopf check takes exactly one scenario');
  const file = resolveScenario(positionals[0]!);
  if (file.filename.endsWith('.json')) throw new UsageError('iopf check type-checks TypeScript scenarios; a JSON scenario is validated when it runs');
  const typesPath = join(findResourcesDir(defaultResourceStarts()), 'types', 'iopf.d.ts');
  const diagnostics = checkScenario(file.source, file.filename, { typesPath });
  const errors = diagnostics.filter((d) => d.category === 'error');
  if (values.json) io.out(JSON.stringify(diagnostics));
  else if (errors.length === 0) io.out(`${file.filename}: no type errors`);
  else for (const d of diagnostics) io.err(formatDiagnostic(d));
  return errors.length ? EXIT.SCENARIO_ERROR : EXIT.OK;
}
