/**
 * Finds the `resources/` folder (built-in scenarios and other read-only
 * assets) from wherever the code runs: the source tree, a bundle in out/,
 * or a packaged app (then the host passes `process.resourcesPath`).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Walks up from each start folder to the first one holding resources/scenarios. */
export function findResourcesDir(starts: readonly string[]): string {
  for (const start of starts) {
    let dir = resolve(start);
    for (;;) {
      const candidate = join(dir, 'resources');
      if (existsSync(join(candidate, 'scenarios'))) return candidate;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error(`resources/scenarios not found above ${starts.join(', ')}`);
}

/** The starting points for the running process: the module's folder, then the cwd. */
export function defaultResourceStarts(): string[] {
  const here = typeof __dirname === 'string' ? [__dirname] : [];
  return [...here, process.cwd()];
}
