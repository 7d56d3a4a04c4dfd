/**
 * Runs scripts/postinstall.mjs in a throw-away project whose node_modules
 * links to the real electron and better-sqlite3 packages, with every download
 * pointed at a closed local port so it fails fast and never reaches the
 * network. Checks that the install still succeeds, says once what is missing,
 * and never touches the Node-ABI better-sqlite3 build that the CLI and the
 * tests load.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain ESM helper without type declarations (scripts/ is not in a tsconfig)
import { failureCause, runNode } from './lib/child.mjs';

const repo = resolve(__dirname, '..');
const realModules = join(repo, 'node_modules');
const nodeAbiBinary = join(realModules, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
const sqliteVersion: string = JSON.parse(readFileSync(join(realModules, 'better-sqlite3', 'package.json'), 'utf8')).version;
const electronVersion: string = JSON.parse(readFileSync(join(realModules, 'electron', 'package.json'), 'utf8')).version;
const electronAbi = readFileSync(join(realModules, 'electron', 'abi_version'), 'utf8').trim();
const realElectronPathTxt = join(realModules, 'electron', 'path.txt');

const WARNING = 'WARNING: the desktop shell is unavailable on this machine:';
const FALLBACK = "the desktop app will fall back to Electron's built-in node:sqlite";
/** Nothing listens on the discard port: connections are refused at once. */
const DEAD_HOST = 'http://127.0.0.1:9';

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const occurrences = (text: string, needle: string): number => text.split(needle).length - 1;

let sandbox: string;

beforeEach(() => {
  sandbox = mkdtempSync(join(tmpdir(), 'iopf-postinstall-'));
  mkdirSync(join(sandbox, 'scripts'));
  cpSync(join(repo, 'scripts', 'postinstall.mjs'), join(sandbox, 'scripts', 'postinstall.mjs'));
  cpSync(join(repo, 'scripts', 'lib'), join(sandbox, 'scripts', 'lib'), { recursive: true });
  const modules = join(sandbox, 'node_modules');
  mkdirSync(join(modules, 'electron'), { recursive: true });
  // electron: a copy of its installer, so the outcome does not depend on whether this
  // checkout has the binary, and nothing can be written into the real package.
  for (const file of ['package.json', 'install.js', 'checksums.json', 'abi_version']) {
    cpSync(join(realModules, 'electron', file), join(modules, 'electron', file));
  }
  // The installer's own dependencies, and the real better-sqlite3 (whose build must stay untouched).
  for (const name of ['@electron', 'extract-zip', 'better-sqlite3']) symlinkSync(join(realModules, name), join(modules, name), 'dir');
});

afterEach(() => rmSync(sandbox, { recursive: true, force: true }));

/** Runs the sandbox's postinstall with downloads that cannot succeed (unless a local prebuild is offered). */
function runPostinstall(extraEnv: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ELECTRON_MIRROR: `${DEAD_HOST}/`,
    electron_config_cache: join(sandbox, 'electron-cache'),
    npm_config_cache: join(sandbox, 'npm-cache'), // no cached prebuild from an earlier install
    npm_config_better_sqlite3_binary_host: DEAD_HOST,
    ...extraEnv,
  };
  if (!('ELECTRON_SKIP_BINARY_DOWNLOAD' in extraEnv)) delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  if (!('npm_config_better_sqlite3_local_prebuilds' in extraEnv)) delete env.npm_config_better_sqlite3_local_prebuilds;
  const started = Date.now();
  const r = spawnSync(process.execPath, [join(sandbox, 'scripts', 'postinstall.mjs')], {
    cwd: sandbox,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}`, ms: Date.now() - started };
}

const dest = () => join(sandbox, 'native', 'electron', 'better-sqlite3');
const destBinary = () => join(dest(), 'build', 'Release', 'better_sqlite3.node');

describe('postinstall when nothing can be downloaded', () => {
  it('exits 0, warns once, and leaves the Node-ABI better-sqlite3 untouched', () => {
    const before = sha256(nodeAbiBinary);
    const hadElectron = existsSync(realElectronPathTxt);
    const r = runPostinstall();

    expect(r.status).toBe(0);
    expect(r.ms).toBeLessThan(30_000);
    // One warning block about the desktop shell, naming what still works and how to retry.
    expect(occurrences(r.output, WARNING)).toBe(1);
    expect(r.output).toMatch(/no Electron binary could be downloaded \(connect ECONNREFUSED 127\.0\.0\.1:9\)/);
    expect(r.output).toContain('the CLI (`npx iopf`), the web host (`npm run serve`) and the tests (`npm test`)');
    expect(r.output).toContain('node node_modules/electron/install.js');
    // One line about SQLite, and no raw stack trace from the children.
    expect(occurrences(r.output, FALLBACK)).toBe(1);
    expect(r.output).toContain(
      `No Electron-ABI better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${process.platform}-${process.arch}) (connect ECONNREFUSED 127.0.0.1:9)`,
    );
    expect(r.output).not.toMatch(/\n\s+at /);

    expect(sha256(nodeAbiBinary)).toBe(before);
    expect(existsSync(join(sandbox, 'node_modules', 'electron', 'path.txt'))).toBe(false);
    expect(existsSync(realElectronPathTxt)).toBe(hadElectron);
    expect(existsSync(destBinary())).toBe(false);
    expect(existsSync(join(dest(), 'STAMP'))).toBe(false);
  });

  it('with ELECTRON_SKIP_BINARY_DOWNLOAD=1, notes the skip instead of warning', () => {
    const r = runPostinstall({ ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    expect(r.status).toBe(0);
    expect(r.output).toContain('ELECTRON_SKIP_BINARY_DOWNLOAD is set: not downloading the Electron binary');
    expect(r.output).not.toContain(WARNING);
    expect(r.output).not.toContain('downloading the Electron binary (node node_modules/electron/install.js)');
  });
});

describe('postinstall with a local Electron prebuild (npm_config_better_sqlite3_local_prebuilds)', () => {
  /** A stand-in tarball under the exact name prebuild-install looks for. */
  function makeLocalPrebuild(marker: string): void {
    const staging = join(sandbox, 'staging');
    mkdirSync(join(staging, 'build', 'Release'), { recursive: true });
    writeFileSync(join(staging, 'build', 'Release', 'better_sqlite3.node'), marker);
    mkdirSync(join(sandbox, 'prebuilds'), { recursive: true });
    const name = `better-sqlite3-v${sqliteVersion}-electron-v${electronAbi}-${process.platform}-${process.arch}.tar.gz`;
    const tar = spawnSync('tar', ['-czf', join(sandbox, 'prebuilds', name), '-C', staging, 'build']);
    expect(tar.status).toBe(0);
  }

  it('installs it into native/electron, stamps it, skips when up to date and refreshes a stale stamp', () => {
    const before = sha256(nodeAbiBinary);
    makeLocalPrebuild('electron-abi stand-in v1');
    // Relative on purpose: resolved against the directory npm runs in, not prebuild-install's --path.
    const env = { ELECTRON_SKIP_BINARY_DOWNLOAD: '1', npm_config_better_sqlite3_local_prebuilds: 'prebuilds' };

    const first = runPostinstall(env);
    expect(first.status).toBe(0);
    expect(first.output).toContain(`installed Electron-ABI better-sqlite3 ${sqliteVersion} for Electron ${electronVersion}`);
    expect(first.output).not.toContain(FALLBACK);
    expect(readFileSync(destBinary(), 'utf8')).toBe('electron-abi stand-in v1');
    expect(readFileSync(join(dest(), 'STAMP'), 'utf8').trim()).toBe(
      `${sqliteVersion}@electron-${electronVersion}-${process.platform}-${process.arch}`,
    );

    // Up to date: nothing is unpacked again (the marker edit survives).
    writeFileSync(destBinary(), 'edited after install');
    const second = runPostinstall(env);
    expect(second.status).toBe(0);
    expect(second.output).toContain('is up to date');
    expect(readFileSync(destBinary(), 'utf8')).toBe('edited after install');

    // Stamp from another version: fetched again.
    writeFileSync(join(dest(), 'STAMP'), '11.0.0@electron-30.0.0-linux-x64\n');
    const third = runPostinstall(env);
    expect(third.output).toContain('installed Electron-ABI better-sqlite3');
    expect(readFileSync(destBinary(), 'utf8')).toBe('electron-abi stand-in v1');

    expect(sha256(nodeAbiBinary)).toBe(before);
  });

  it('removes a stale binary when the refresh fails, so the app falls back cleanly', () => {
    mkdirSync(join(dest(), 'build', 'Release'), { recursive: true });
    writeFileSync(destBinary(), 'binary for an older Electron');
    writeFileSync(join(dest(), 'STAMP'), '11.0.0@electron-30.0.0-linux-x64\n');
    const r = runPostinstall({ ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    expect(r.status).toBe(0);
    expect(r.output).toContain(FALLBACK);
    expect(existsSync(destBinary())).toBe(false);
    expect(existsSync(join(dest(), 'STAMP'))).toBe(false);
  });
});

describe('postinstall builds the CLI', () => {
  const writeBuildCli = (body: string) => writeFileSync(join(sandbox, 'scripts', 'build-cli.mjs'), body);

  it('runs scripts/build-cli.mjs and succeeds with it', () => {
    writeBuildCli("console.log('cli built by stand-in');");
    const r = runPostinstall({ ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    expect(r.status).toBe(0);
    expect(r.output).toContain('cli built by stand-in');
  });

  it('fails the install when the CLI build fails (the CLI is required, unlike Electron)', () => {
    writeBuildCli("console.error('syntax error in src/cli'); process.exit(3);");
    const r = runPostinstall({ ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    expect(r.status).toBe(1);
    expect(r.output).toContain('syntax error in src/cli');
    expect(r.output).toContain('building the CLI failed (node scripts/build-cli.mjs exited 3)');
  });
});

describe('child-process helpers', () => {
  it('kills a child that outlives its timeout', async () => {
    const started = Date.now();
    const r = await runNode(['-e', 'setTimeout(() => {}, 60_000)'], { cwd: sandbox, env: process.env, timeoutMs: 300 });
    expect(r).toMatchObject({ ok: false, timedOut: true });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(failureCause(r, 300)).toBe('timed out after 0 s');
  });

  it('quotes the error line of a stack trace, or prebuild-install\'s warning', () => {
    const stack = { ok: false, timedOut: false, output: 'RequestError: getaddrinfo ENOTFOUND github.com\n    at ClientRequest.<anonymous> (x.js:1:1)\n' };
    expect(failureCause(stack, 1000)).toBe('getaddrinfo ENOTFOUND github.com');
    const prebuild = { ok: false, timedOut: false, output: 'prebuild-install warn install No prebuilt binaries found (target=41.7.1 runtime=electron)\n' };
    expect(failureCause(prebuild, 1000)).toBe('No prebuilt binaries found (target=41.7.1 runtime=electron)');
  });
});
