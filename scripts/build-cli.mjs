// Bundles the `iopf` command line (src/cli) and what it starts (the job
// process src/node/jobs/job-worker.ts and, inside it, the scenario worker
// src/node/scenario-runtime/worker.ts) into out/cli/*.cjs with esbuild; the
// job process finds the scenario worker next to itself.
// Native packages and the compilers used at run time stay external: they load
// from node_modules.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: {
    iopf: join(root, 'src/cli/index.ts'),
    'scenario-worker': join(root, 'src/node/scenario-runtime/worker.ts'),
    'job-worker': join(root, 'src/node/jobs/job-worker.ts'),
  },
  outdir: join(root, 'out/cli'),
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  external: ['better-sqlite3', 'ws', 'electron', 'esbuild', 'typescript'],
  logLevel: 'warning',
});
console.log('[build-cli] out/cli/iopf.cjs, out/cli/scenario-worker.cjs, out/cli/job-worker.cjs');
