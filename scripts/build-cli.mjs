// Bundles the `iopf` command line (src/cli) into out/cli/iopf.cjs with esbuild.
// Native and socket packages stay external: they load from node_modules at run time.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [join(root, 'src/cli/index.ts')],
  outfile: join(root, 'out/cli/iopf.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  external: ['better-sqlite3', 'ws', 'electron'],
  logLevel: 'warning',
});
console.log('[build-cli] out/cli/iopf.cjs');
