/**
 * Where the scenario worker's code comes from:
 *
 * 1. a built `scenario-worker.cjs` (or `.js`) next to this module's bundle:
 *    the CLI bundle (out/cli) and the Electron main bundle (out/main) ship it
 *    as a second entry of src/node/scenario-runtime/worker.ts;
 * 2. otherwise (tests, tsx, a dev checkout) worker.ts itself, bundled once per
 *    process with esbuild into memory (~100 ms) and started with `eval: true`,
 *    `require` resolving from the source folder so better-sqlite3 loads from
 *    node_modules.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findAppRoot } from '../db/open-database';
import { bundleWorkerEntry, type WorkerCode } from '../worker-bundle';

export type { WorkerCode };

const BUILT_NAMES = ['scenario-worker.cjs', 'scenario-worker.js'];
/** Packages the worker bundle loads from node_modules instead of inlining. */
const EXTERNAL = ['better-sqlite3', 'esbuild', 'typescript', 'electron'];

let bundled: Promise<WorkerCode> | undefined;

function here(): string {
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}

/** The worker's code: a built file when there is one, else worker.ts bundled in memory. */
export function scenarioWorkerCode(explicitPath?: string): Promise<WorkerCode> {
  if (explicitPath) return Promise.resolve({ kind: 'file', path: explicitPath });
  const dir = here();
  for (const name of BUILT_NAMES) {
    const p = join(dir, name);
    // In a packaged app the worker is unpacked next to the archive: a worker thread cannot start from inside it.
    const unpacked = p.replace(/([/\\])app\.asar([/\\])/, '$1app.asar.unpacked$2');
    if (unpacked !== p && existsSync(unpacked)) return Promise.resolve({ kind: 'file', path: unpacked });
    if (existsSync(p)) return Promise.resolve({ kind: 'file', path: p });
  }
  bundled ??= bundleFromSource(dir).catch((e: unknown) => {
    bundled = undefined;
    throw e;
  });
  return bundled;
}

async function bundleFromSource(dir: string): Promise<WorkerCode> {
  const candidates = [join(dir, 'worker.ts')];
  const root = findAppRoot(dir);
  if (root) candidates.push(join(root, 'src/node/scenario-runtime/worker.ts'));
  const entry = candidates.find((p) => existsSync(p));
  if (!entry) {
    throw new Error(
      `the scenario worker is not built: no ${BUILT_NAMES.join(' or ')} in ${dir} and no source at ${candidates.join(' or ')}; ` +
        'the build must emit src/node/scenario-runtime/worker.ts as scenario-worker.cjs next to the bundle that runs scenarios',
    );
  }
  return bundleWorkerEntry(entry, EXTERNAL);
}
