/**
 * How a job process is started: which file it runs and with what runtime.
 *
 * - The file is the built job worker next to this bundle (out/cli/job-worker.cjs,
 *   out/main/job-worker.js, unpacked next to the archive in a packaged app).
 *   Without a build (tests, a dev checkout) worker-code.ts bundles the source
 *   into memory; a child process needs a file, so that code is written once
 *   to a content-addressed file in node_modules/.cache of the checkout (where
 *   the bundle's dynamic imports of esbuild and typescript resolve). The scenario worker's
 *   code is treated the same way and named to the job in IOPF_SCENARIO_WORKER,
 *   so a job does not bundle it again each time.
 * - Under Electron the same binary runs as plain Node (ELECTRON_RUN_AS_NODE=1):
 *   the process keeps Electron's ABI, so the Electron-ABI better-sqlite3 the
 *   host loads is the right one for the job too; IOPF_RESOURCES_PATH tells the
 *   job where the packaged app keeps it (open-database.ts reads
 *   `process.resourcesPath`, which the job sets from it).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAppRoot } from '../db/open-database';
import { scenarioWorkerCode } from '../scenario-runtime/worker-entry';
import { JOB_WORKER_TAG } from './job-protocol';
import { workerCode, type WorkerCode } from './worker-code';

export interface JobProcessLaunch {
  readonly modulePath: string;
  readonly execPath: string;
  readonly execArgv: string[];
  readonly env: NodeJS.ProcessEnv;
}

/** The files a job process runs, resolved once per host process. */
let files: Promise<{ job: string; scenarioWorker: string }> | undefined;

function entryFiles(): Promise<{ job: string; scenarioWorker: string }> {
  files ??= (async () => ({
    job: asFile(await workerCode('job-worker', 'src/node/jobs/job-worker.ts'), 'job-worker'),
    scenarioWorker: asFile(await scenarioWorkerCode(), 'scenario-worker'),
  }))().catch((e: unknown) => {
    files = undefined;
    throw e;
  });
  return files;
}

/** A built file as it is; in-memory code written to a file named by its hash (written once, renamed into place). */
function asFile(code: WorkerCode, name: string): string {
  if (code.kind === 'file') return code.path;
  const hash = createHash('sha256').update(code.code).digest('hex').slice(0, 16);
  const root = findAppRoot(typeof __dirname === 'string' ? __dirname : process.cwd());
  const dir = root ? join(root, 'node_modules', '.cache', 'iopf-workbench-jobs') : join(tmpdir(), 'iopf-workbench-jobs');
  const path = join(dir, `${name}-${hash}.cjs`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, code.code);
    renameSync(partial, path);
  }
  return path;
}

/** How to start a job process whose own heap is capped at `heapMb`. */
export async function jobProcessLaunch(heapMb: number): Promise<JobProcessLaunch> {
  const f = await entryFiles();
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  return {
    modulePath: f.job,
    execPath: process.execPath,
    // Not the host's execArgv (inspector, loaders of a test runner): the job runs a plain bundle.
    execArgv: [`--max-old-space-size=${heapMb}`],
    env: {
      ...process.env,
      IOPF_JOB_PROCESS: JOB_WORKER_TAG,
      IOPF_SCENARIO_WORKER: f.scenarioWorker,
      ...(process.versions.electron !== undefined ? { ELECTRON_RUN_AS_NODE: '1' } : {}),
      ...(resourcesPath !== undefined ? { IOPF_RESOURCES_PATH: resourcesPath } : {}),
    },
  };
}
