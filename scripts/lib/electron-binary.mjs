// @ts-check
// Step (a): the Electron binary. package.json's allowScripts blocks electron's own
// install script, because its download failure would fail the whole `npm install`
// on a machine without GitHub access. We run the same script here instead, where a
// failure only costs the desktop shell: the CLI, the web host and the tests need no
// Electron binary.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { failureCause, runNode, say, warnBlock } from './child.mjs';

/**
 * @param {{ root: string, env: NodeJS.ProcessEnv, timeoutMs: number }} options
 * @returns {Promise<'present' | 'skipped' | 'installed' | 'failed' | 'absent'>}
 */
export async function ensureElectronBinary({ root, env, timeoutMs }) {
  const pkgDir = join(root, 'node_modules', 'electron');
  if (!existsSync(join(pkgDir, 'install.js'))) {
    // e.g. `npm ci --omit=dev`: no desktop shell wanted.
    say('electron is not installed (dev dependencies omitted?); skipping the Electron binary.');
    return 'absent';
  }
  // electron writes path.txt last, after unzipping the binary: its presence means done.
  if (existsSync(join(pkgDir, 'path.txt'))) return 'present';
  // Same test as electron's install.js: any non-empty value skips.
  if (env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    say('ELECTRON_SKIP_BINARY_DOWNLOAD is set: not downloading the Electron binary (the desktop shell will not start).');
    return 'skipped';
  }

  say('downloading the Electron binary (node node_modules/electron/install.js)...');
  const result = await runNode([join(pkgDir, 'install.js')], { cwd: root, env, timeoutMs });
  if (result.ok && existsSync(join(pkgDir, 'path.txt'))) {
    say('Electron binary installed.');
    return 'installed';
  }
  warnBlock([
    'WARNING: the desktop shell is unavailable on this machine:',
    `no Electron binary could be downloaded (${failureCause(result, timeoutMs)}).`,
    'Everything else works: the CLI (`npx iopf`), the web host (`npm run serve`) and the tests (`npm test`).',
    'To get the desktop shell later, with network access run: node node_modules/electron/install.js',
  ]);
  return 'failed';
}
