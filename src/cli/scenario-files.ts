/** Finds a scenario named on the command line: a file that exists, or a built-in example by id. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { defaultResourceStarts, findResourcesDir } from '../node/resources';
import { UsageError } from './exit-codes';

export interface ScenarioFile {
  readonly source: string;
  /** The name errors use (`happy-path.ts:12:3: …`). */
  readonly filename: string;
  readonly path: string;
}

export function resolveScenario(arg: string): ScenarioFile {
  const asPath = resolve(arg);
  if (existsSync(asPath)) return { source: readFileSync(asPath, 'utf8'), filename: basename(asPath), path: asPath };
  if (/^[a-z0-9][a-z0-9-]*$/.test(arg)) {
    const dir = join(findResourcesDir(defaultResourceStarts()), 'scenarios');
    for (const ext of ['.ts', '.json']) {
      const p = join(dir, `${arg}${ext}`);
      if (existsSync(p)) return { source: readFileSync(p, 'utf8'), filename: `${arg}${ext}`, path: p };
    }
    throw new UsageError(`no scenario file "${arg}" and no built-in scenario with that id`);
  }
  throw new UsageError(`no scenario file "${arg}"`);
}
