// @ts-check
// Step (b): better-sqlite3 for Electron's ABI, in a SEPARATE folder.
//
// npm builds node_modules/better-sqlite3 for Node's ABI (the CLI, the web host and
// vitest load it). Electron 41 needs ABI 145 and cannot load that build. The usual
// tools (@electron/rebuild, electron-builder install-app-deps) rebuild IN PLACE and
// so break every plain-Node user of the module. Instead we ask prebuild-install a
// second time for the Electron prebuild and unpack it into native/electron/, which
// src/node/db/open-database.ts hands to better-sqlite3 as `nativeBinding` under
// Electron only (docs: shared/spec/feasibility.md §6).
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { failureCause, runNode, say } from './child.mjs';

/** Relative to the project root; open-database.ts and electron-builder.yml use the same path. */
export const DEST_RELATIVE = join('native', 'electron', 'better-sqlite3');
const BINARY_RELATIVE = join('build', 'Release', 'better_sqlite3.node');
const LOCAL_PREBUILDS_ENV = 'npm_config_better_sqlite3_local_prebuilds';

/** @param {string} file */
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** @param {string} file */
const readOrEmpty = (file) => (existsSync(file) ? readFileSync(file, 'utf8').trim() : '');

/**
 * @param {{ root: string, env: NodeJS.ProcessEnv, timeoutMs: number, platform?: string, arch?: string }} options
 * @returns {Promise<'absent' | 'up-to-date' | 'installed' | 'failed'>}
 */
export async function ensureElectronSqlite({ root, env, timeoutMs, platform = process.platform, arch = process.arch }) {
  const moduleDir = join(root, 'node_modules', 'better-sqlite3');
  const electronPkg = join(root, 'node_modules', 'electron', 'package.json');
  if (!existsSync(join(moduleDir, 'package.json')) || !existsSync(electronPkg)) {
    say('better-sqlite3 or electron is not installed; skipping the Electron-ABI better-sqlite3.');
    return 'absent';
  }
  const sqliteVersion = readJson(join(moduleDir, 'package.json')).version;
  const electronVersion = readJson(electronPkg).version;
  const target = `Electron ${electronVersion} (${platform}-${arch})`;

  const dest = join(root, DEST_RELATIVE);
  const stampFile = join(dest, 'STAMP');
  const stamp = `${sqliteVersion}@electron-${electronVersion}-${platform}-${arch}`;
  if (readOrEmpty(stampFile) === stamp && existsSync(join(dest, BINARY_RELATIVE))) {
    say(`Electron-ABI better-sqlite3 ${sqliteVersion} for ${target} is up to date.`);
    return 'up-to-date';
  }

  // A binary for another Electron or better-sqlite3 version would fail to load; remove it
  // first so a failed download leaves "no binary" (clean fallback), not a wrong one.
  rmSync(join(dest, 'build'), { recursive: true, force: true });
  rmSync(stampFile, { force: true });
  mkdirSync(dest, { recursive: true });
  // prebuild-install chdir()s into --path and insists on a package.json there.
  copyFileSync(join(moduleDir, 'package.json'), join(dest, 'package.json'));

  const result = await runPrebuildInstall({ moduleDir, dest, electronVersion, platform, arch, env, timeoutMs });
  if (result.ok && existsSync(join(dest, BINARY_RELATIVE))) {
    writeFileSync(stampFile, `${stamp}\n`);
    say(`installed Electron-ABI better-sqlite3 ${sqliteVersion} for ${target} into ${DEST_RELATIVE}.`);
    return 'installed';
  }
  console.warn(
    `[iopf postinstall] No Electron-ABI better-sqlite3 ${sqliteVersion} for ${target} (${result.cause}); ` +
      "the desktop app will fall back to Electron's built-in node:sqlite.",
  );
  return 'failed';
}

/**
 * Runs prebuild-install from better-sqlite3's folder (it reads name and version,
 * hence the download URL, from the cwd's package.json) with an ABSOLUTE --path.
 * @param {{ moduleDir: string, dest: string, electronVersion: string, platform: string, arch: string, env: NodeJS.ProcessEnv, timeoutMs: number }} o
 * @returns {Promise<{ ok: boolean, cause: string }>}
 */
async function runPrebuildInstall({ moduleDir, dest, electronVersion, platform, arch, env, timeoutMs }) {
  let bin;
  try {
    // Resolved from better-sqlite3's real folder: the prebuild-install its own install uses,
    // also when node_modules/better-sqlite3 is a symlink (pnpm, the tests' sandbox).
    bin = createRequire(join(realpathSync(moduleDir), 'package.json')).resolve('prebuild-install/bin.js');
  } catch {
    return { ok: false, cause: 'prebuild-install is not installed' };
  }
  const args = [bin, '--runtime', 'electron', '--target', electronVersion, '--arch', arch, '--platform', platform, '--path', resolve(dest)];
  const result = await runNode(args, { cwd: moduleDir, env: prebuildEnv(env), timeoutMs });
  return { ok: result.ok, cause: failureCause(result, timeoutMs) };
}

/** @param {NodeJS.ProcessEnv} env */
function prebuildEnv(env) {
  const out = { ...env };
  // prebuild-install resolves a relative local-prebuilds folder after chdir(--path);
  // the user meant it relative to where they ran npm.
  const local = out[LOCAL_PREBUILDS_ENV];
  if (local) out[LOCAL_PREBUILDS_ENV] = resolve(local);
  // prebuild-install skips the download when these name a git+ origin; they describe
  // the root project here, not better-sqlite3.
  delete out.npm_package_from;
  delete out.npm_package_resolved;
  return out;
}
