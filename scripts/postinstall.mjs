// @ts-check
// Root postinstall, run by every `npm install` / `npm ci` (and safe to rerun by hand:
// `node scripts/postinstall.mjs`). Three steps:
//   a. the Electron binary            (optional: only the desktop shell needs it)
//   b. Electron-ABI better-sqlite3    (optional: the app falls back to node:sqlite)
//   c. the CLI bundle                 (required: `iopf`, `npm run serve` and the tests use it)
// Network failures in (a) and (b) only print a warning: this project must install on
// machines that reach the npm registry but not GitHub. A failure in (c) fails the install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { say } from './lib/child.mjs';
import { ensureElectronBinary } from './lib/electron-binary.mjs';
import { ensureElectronSqlite } from './lib/electron-sqlite.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Bounded so an install on a network that drops packets instead of refusing them still ends.
const ELECTRON_TIMEOUT_MS = 5 * 60_000; // ~100 MB zip
const PREBUILD_TIMEOUT_MS = 2 * 60_000; // ~2 MB tarball

/** Runs an optional step; whatever goes wrong inside it must not fail the install. */
async function optional(/** @type {string} */ name, /** @type {() => Promise<unknown>} */ step) {
  try {
    await step();
  } catch (err) {
    say(`${name} skipped after an unexpected error: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Step (c). Output is shown: a build error is the developer's to read. */
function buildCli() {
  const script = join(root, 'scripts', 'build-cli.mjs');
  if (!existsSync(script)) return true;
  const result = spawnSync(process.execPath, [script], { cwd: root, stdio: 'inherit' });
  if (result.status === 0) return true;
  console.error(`[iopf postinstall] building the CLI failed (node scripts/build-cli.mjs exited ${result.status ?? result.signal}).`);
  return false;
}

await optional('Electron binary', () => ensureElectronBinary({ root, env: process.env, timeoutMs: ELECTRON_TIMEOUT_MS }));
await optional('Electron-ABI better-sqlite3', () =>
  ensureElectronSqlite({ root, env: process.env, timeoutMs: PREBUILD_TIMEOUT_MS }),
);
process.exitCode = buildCli() ? 0 : 1;
