/**
 * Where a worker thread's code comes from (the job worker, like the scenario
 * worker in src/node/scenario-runtime/worker-entry.ts):
 *
 * 1. a built `<name>.cjs` (or `.js`) next to this module's bundle: the CLI
 *    bundle (out/cli, scripts/build-cli.mjs) and the Electron main bundle
 *    (out/main, electron.vite.config.ts) ship it as an entry of their own;
 *    in a packaged app it is unpacked next to the archive;
 * 2. otherwise (tests, a dev checkout) the source entry, bundled once per
 *    process with esbuild into memory and started with `eval: true`, with
 *    `require` resolving from the source folder so native packages load from
 *    node_modules.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findAppRoot } from '../db/open-database';
import { bundleWorkerEntry, type WorkerCode } from '../worker-bundle';

export type { WorkerCode };

/** Packages a worker bundle loads from node_modules instead of inlining. */
const EXTERNAL = ['better-sqlite3', 'esbuild', 'typescript', 'electron', 'ws'];

const bundled = new Map<string, Promise<WorkerCode>>();

function here(): string {
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}

/**
 * @param name the built file's name without extension (`job-worker`)
 * @param sourcePath the entry's path relative to the app root (`src/node/jobs/job-worker.ts`)
 */
export function workerCode(name: string, sourcePath: string): Promise<WorkerCode> {
  const dir = here();
  for (const file of [`${name}.cjs`, `${name}.js`]) {
    const p = join(dir, file);
    const unpacked = p.replace(/([/\\])app\.asar([/\\])/, '$1app.asar.unpacked$2');
    if (unpacked !== p && existsSync(unpacked)) return Promise.resolve({ kind: 'file', path: unpacked });
    if (existsSync(p)) return Promise.resolve({ kind: 'file', path: p });
  }
  let code = bundled.get(sourcePath);
  if (!code) {
    code = bundleFromSource(dir, name, sourcePath).catch((e: unknown) => {
      bundled.delete(sourcePath);
      throw e;
    });
    bundled.set(sourcePath, code);
  }
  return code;
}

async function bundleFromSource(dir: string, name: string, sourcePath: string): Promise<WorkerCode> {
  const root = findAppRoot(dir);
  const entry = root ? join(root, sourcePath) : undefined;
  if (!entry || !existsSync(entry)) {
    throw new Error(`the ${name} is not built: no ${name}.cjs or ${name}.js in ${dir} and no source ${sourcePath}; the build must emit it next to the bundle`);
  }
  return bundleWorkerEntry(entry, EXTERNAL);
}
