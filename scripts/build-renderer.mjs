// Builds the app (main, preload, renderer) into a chosen directory instead of
// out/, so several builds can exist side by side; the renderer lands in
// <dir>/renderer. Usage: node scripts/build-renderer.mjs <dir>
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/build-renderer.mjs <output dir>');
  process.exit(64);
}
const r = spawnSync('npx', ['--no-install', 'electron-vite', 'build', '--outDir', resolve(dir)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
});
if (r.status === 0) console.log(`renderer: ${join(resolve(dir), 'renderer')} (serve it with IOPF_RENDERER_DIR=${join(resolve(dir), 'renderer')})`);
process.exit(r.status ?? 1);
