/**
 * Opens the workbench database with the right SQLite driver for the runtime.
 *
 * - Plain Node (CLI, web host, tests): better-sqlite3 with its own Node-ABI build.
 * - Electron: better-sqlite3 with the Electron-ABI binary that
 *   scripts/postinstall.mjs fetched into native/electron/ (never the Node-ABI
 *   one in node_modules, which Electron cannot load). When that binary is
 *   missing or fails to load, Electron's built-in `node:sqlite` takes over,
 *   with one console warning saying so and why.
 *
 * The choice itself is the pure `selectDriver`; `openDatabaseWith` takes the
 * runtime facts as a parameter so every branch can be tested under plain Node.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { openBetterSqlite } from './better-sqlite3-driver';
import { loadNodeSqlite, openNodeSqlite, type NodeSqliteModule } from './node-sqlite-driver';
import type { SqlDatabase } from './sql-database';

export interface OpenDatabaseOptions {
  /** Open an existing file read-only (fails if it does not exist). */
  readonly readonly?: boolean;
}

/** Where postinstall puts the Electron-ABI binary, relative to the app root (dev) or resources (packaged). */
export const ELECTRON_BINDING_RELATIVE_PATH = 'native/electron/better-sqlite3/build/Release/better_sqlite3.node';

/** The facts the driver choice depends on. */
export interface DriverProbe {
  /** `process.versions.electron`; undefined under plain Node. */
  readonly electronVersion: string | undefined;
  /** An Electron-ABI better_sqlite3.node exists on disk. */
  readonly bindingExists: boolean;
  /** Set when the existing binding was tried and could not be loaded (e.g. built for another ABI). */
  readonly bindingLoadError?: string;
  /** `node:sqlite` can be loaded in this runtime. */
  readonly nodeSqliteAvailable: boolean;
}

export type DriverDecision =
  | { readonly driver: 'better-sqlite3'; readonly binding: 'node-abi' | 'electron-abi' }
  | { readonly driver: 'node:sqlite'; readonly reason: string }
  | { readonly driver: 'none'; readonly reason: string };

/** Pure: which driver to use, and why when it is not the preferred one. */
export function selectDriver(probe: DriverProbe): DriverDecision {
  if (probe.electronVersion === undefined) return { driver: 'better-sqlite3', binding: 'node-abi' };
  if (probe.bindingExists && probe.bindingLoadError === undefined) {
    return { driver: 'better-sqlite3', binding: 'electron-abi' };
  }
  const reason = probe.bindingExists
    ? `the Electron-ABI better-sqlite3 binary failed to load (${probe.bindingLoadError})`
    : 'no Electron-ABI better-sqlite3 binary is installed';
  return probe.nodeSqliteAvailable
    ? { driver: 'node:sqlite', reason }
    : { driver: 'none', reason: `${reason}, and Electron ${probe.electronVersion} has no node:sqlite` };
}

/** Everything openDatabaseWith needs to know about the running process. */
export interface DatabaseRuntime {
  readonly electronVersion: string | undefined;
  /** Possible locations of the Electron-ABI binary, best first. */
  readonly bindingCandidates: readonly string[];
  fileExists(path: string): boolean;
  /** Loads a native addon; throws when it cannot (wrong ABI, corrupt file). */
  loadBinding(path: string): void;
  loadNodeSqlite(): NodeSqliteModule | undefined;
  warn(message: string): void;
}

export function openDatabase(path: string, options: OpenDatabaseOptions = {}): SqlDatabase {
  return openDatabaseWith(currentRuntime(), path, options);
}

export function openDatabaseWith(rt: DatabaseRuntime, path: string, options: OpenDatabaseOptions = {}): SqlDatabase {
  const file = path === ':memory:' ? path : resolve(path);
  // A first run has no data directory yet; a read-only open must not create anything.
  if (file !== ':memory:' && !options.readonly) mkdirSync(dirname(file), { recursive: true });

  const bindingPath = rt.electronVersion !== undefined ? rt.bindingCandidates.find((p) => rt.fileExists(p)) : undefined;
  // Load the addon before opening: a load failure means "use the fallback", while a
  // failure to open the file (locked, corrupt) must reach the caller unchanged.
  const bindingLoadError = bindingPath !== undefined ? tryLoad(rt, bindingPath) : undefined;
  const needsFallback = rt.electronVersion !== undefined && (bindingPath === undefined || bindingLoadError !== undefined);
  // Probed only when it could be chosen, so the normal paths never touch node:sqlite.
  const nodeSqlite = needsFallback ? rt.loadNodeSqlite() : undefined;

  const decision = selectDriver({
    electronVersion: rt.electronVersion,
    bindingExists: bindingPath !== undefined,
    ...(bindingLoadError !== undefined ? { bindingLoadError } : {}),
    nodeSqliteAvailable: nodeSqlite !== undefined,
  });
  const readonly = options.readonly === true;
  switch (decision.driver) {
    case 'better-sqlite3':
      return openBetterSqlite(file, decision.binding === 'electron-abi' ? { readonly, nativeBinding: bindingPath } : { readonly });
    case 'node:sqlite':
      rt.warn(fallbackWarning(decision.reason, rt));
      return openNodeSqlite(file, { readonly, ...(nodeSqlite ? { module: nodeSqlite } : {}) });
    case 'none':
      throw new Error(`Cannot open ${file}: ${decision.reason}. ${HOW_TO_FETCH}`);
  }
}

const HOW_TO_FETCH =
  'The binary is fetched by `npm install` (scripts/postinstall.mjs) when GitHub is reachable; ' +
  'retry with `node scripts/postinstall.mjs`, or point npm_config_better_sqlite3_local_prebuilds at a folder holding the prebuild tarball.';

function fallbackWarning(reason: string, rt: DatabaseRuntime): string {
  return (
    `[iopf] SQLite driver: node:sqlite (built into Electron ${rt.electronVersion}), because ${reason}. ` +
    `Looked in: ${rt.bindingCandidates.join(', ')}. Recording works but may be slower. ${HOW_TO_FETCH}`
  );
}

function tryLoad(rt: DatabaseRuntime, path: string): string | undefined {
  try {
    rt.loadBinding(path);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}

/**
 * Candidate locations of the Electron-ABI binary: the packaged app's
 * resources folder first (electron-builder's extraResources copies native/electron
 * there, outside the asar archive), then the app root of a dev checkout.
 */
export function electronBindingCandidates(resourcesPath: string | undefined, appRoot: string | undefined): string[] {
  return [resourcesPath, appRoot].filter((d): d is string => d !== undefined).map((d) => join(d, ELECTRON_BINDING_RELATIVE_PATH));
}

/** Nearest folder at or above `start` holding a package.json: the repo root, or out/main's app root. */
export function findAppRoot(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

const warned = new Set<string>();

/** The runtime of this process. Warnings are printed once per process, however often a database is opened. */
export function currentRuntime(): DatabaseRuntime {
  // `resourcesPath` is set by Electron only; @types/node does not know it.
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  return {
    electronVersion: process.versions.electron,
    bindingCandidates: electronBindingCandidates(resourcesPath, findAppRoot(here)),
    fileExists: existsSync,
    loadBinding: (path) => void createRequire(path)(path),
    loadNodeSqlite,
    warn: (message) => {
      if (warned.has(message)) return;
      warned.add(message);
      console.warn(message);
    },
  };
}
