import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ELECTRON_BINDING_RELATIVE_PATH,
  currentRuntime,
  electronBindingCandidates,
  findAppRoot,
  openDatabase,
  openDatabaseWith,
  selectDriver,
  type DatabaseRuntime,
} from './open-database';
import { nodeSqliteStandin } from './testing/node-sqlite-standin';
import { describeSqlDatabaseContract } from './testing/sql-database-contract';

const nodeRequire = createRequire(import.meta.url);
/** The Node-ABI addon built by npm install; stands in for "a binary this runtime can load". */
const nodeAbiBinding = join(dirname(nodeRequire.resolve('better-sqlite3/package.json')), 'build/Release/better_sqlite3.node');

describeSqlDatabaseContract('openDatabase under plain Node (better-sqlite3)', openDatabase);

describe('openDatabase under plain Node', () => {
  it('uses better-sqlite3 with its own Node-ABI build and prints no warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const db = openDatabase(':memory:');
    try {
      expect(db.driver).toMatch(/^better-sqlite3 \d+\.\d+\.\d+$/);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      db.close();
      warn.mockRestore();
    }
  });
});

describe('selectDriver', () => {
  it('plain Node → better-sqlite3 (Node ABI), whatever else is true', () => {
    for (const bindingExists of [true, false]) {
      for (const nodeSqliteAvailable of [true, false]) {
        expect(selectDriver({ electronVersion: undefined, bindingExists, nodeSqliteAvailable })).toEqual({
          driver: 'better-sqlite3',
          binding: 'node-abi',
        });
      }
    }
  });

  it('Electron with the Electron-ABI binary → better-sqlite3 with that binary', () => {
    expect(selectDriver({ electronVersion: '41.7.1', bindingExists: true, nodeSqliteAvailable: true })).toEqual({
      driver: 'better-sqlite3',
      binding: 'electron-abi',
    });
  });

  it('Electron without the binary → node:sqlite, saying why', () => {
    expect(selectDriver({ electronVersion: '41.7.1', bindingExists: false, nodeSqliteAvailable: true })).toEqual({
      driver: 'node:sqlite',
      reason: 'no Electron-ABI better-sqlite3 binary is installed',
    });
  });

  it('Electron with a binary that fails to load → node:sqlite, quoting the load error', () => {
    const d = selectDriver({
      electronVersion: '41.7.1',
      bindingExists: true,
      bindingLoadError: 'NODE_MODULE_VERSION 115 vs 145',
      nodeSqliteAvailable: true,
    });
    expect(d).toEqual({
      driver: 'node:sqlite',
      reason: 'the Electron-ABI better-sqlite3 binary failed to load (NODE_MODULE_VERSION 115 vs 145)',
    });
  });

  it('Electron with neither → no driver, with both reasons', () => {
    const d = selectDriver({ electronVersion: '35.0.0', bindingExists: false, nodeSqliteAvailable: false });
    expect(d.driver).toBe('none');
    expect(d.driver === 'none' && d.reason).toBe(
      'no Electron-ABI better-sqlite3 binary is installed, and Electron 35.0.0 has no node:sqlite',
    );
  });
});

describe('openDatabaseWith (runtime injected)', () => {
  let dir: string;
  let warnings: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'iopf-open-'));
    warnings = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function runtime(overrides: Partial<DatabaseRuntime>): DatabaseRuntime {
    return {
      electronVersion: '41.7.1',
      bindingCandidates: [join(dir, 'resources', ELECTRON_BINDING_RELATIVE_PATH), join(dir, 'app', ELECTRON_BINDING_RELATIVE_PATH)],
      fileExists: existsSync,
      loadBinding: (path) => void nodeRequire(path),
      loadNodeSqlite: () => nodeSqliteStandin,
      warn: (m) => warnings.push(m),
      ...overrides,
    };
  }

  /** Puts a copy of the loadable Node-ABI addon where an Electron-ABI one would be. */
  function installBinding(candidate: string): void {
    mkdirSync(dirname(candidate), { recursive: true });
    copyFileSync(nodeAbiBinding, candidate);
  }

  it('under Electron, opens better-sqlite3 with the binary passed as nativeBinding (second candidate)', () => {
    const rt = runtime({ loadBinding: vi.fn() }); // a no-op probe, so only better-sqlite3 itself can load the copy
    const candidate = rt.bindingCandidates[1] as string;
    installBinding(candidate);
    const loadNodeSqlite = vi.fn(rt.loadNodeSqlite);
    const db = openDatabaseWith({ ...rt, loadNodeSqlite }, join(dir, 'a.db'));
    try {
      expect(db.driver).toMatch(/^better-sqlite3 /);
      expect(rt.loadBinding).toHaveBeenCalledWith(candidate);
      // better-sqlite3 required exactly this file: it was given as nativeBinding.
      expect(Object.keys(nodeRequire.cache)).toContain(resolve(candidate));
      expect(loadNodeSqlite).not.toHaveBeenCalled();
      expect(warnings).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('prefers the packaged resources location over the app root', () => {
    const rt = runtime({});
    const loadBinding = vi.fn(rt.loadBinding);
    for (const c of rt.bindingCandidates) installBinding(c);
    const db = openDatabaseWith({ ...rt, loadBinding }, join(dir, 'a.db'));
    db.close();
    expect(loadBinding).toHaveBeenCalledTimes(1);
    expect(loadBinding).toHaveBeenCalledWith(rt.bindingCandidates[0]);
  });

  it('under Electron without the binary, falls back to node:sqlite with one warning saying why', () => {
    const db = openDatabaseWith(runtime({}), join(dir, 'b.db'));
    try {
      expect(db.driver).toMatch(/^node:sqlite/);
      db.exec('CREATE TABLE t (x)');
      db.prepare('INSERT INTO t VALUES (?)').run(7);
      expect(db.prepare('SELECT x FROM t').get()).toEqual({ x: 7 });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('SQLite driver: node:sqlite');
      expect(warnings[0]).toContain('no Electron-ABI better-sqlite3 binary is installed');
      expect(warnings[0]).toContain(ELECTRON_BINDING_RELATIVE_PATH);
    } finally {
      db.close();
    }
  });

  it('under Electron with a binary that cannot load, falls back to node:sqlite quoting the error', () => {
    const rt = runtime({});
    const candidate = rt.bindingCandidates[0] as string;
    mkdirSync(dirname(candidate), { recursive: true });
    writeFileSync(candidate, 'not an ELF shared object');
    const db = openDatabaseWith(rt, join(dir, 'c.db'));
    try {
      expect(db.driver).toMatch(/^node:sqlite/);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/binary failed to load \(.+\)/);
    } finally {
      db.close();
    }
  });

  it('under Electron with neither driver, throws a clear error', () => {
    expect(() => openDatabaseWith(runtime({ loadNodeSqlite: () => undefined }), join(dir, 'd.db'))).toThrow(
      /Cannot open .*d\.db: no Electron-ABI better-sqlite3 binary is installed, and Electron 41\.7\.1 has no node:sqlite/,
    );
  });

  it('a database that fails to open is reported as such, not hidden by the fallback', () => {
    const rt = runtime({});
    installBinding(rt.bindingCandidates[0] as string);
    const loadNodeSqlite = vi.fn(rt.loadNodeSqlite);
    expect(() => openDatabaseWith({ ...rt, loadNodeSqlite }, join(dir, 'missing.db'), { readonly: true })).toThrow(
      /unable to open database file/,
    );
    expect(loadNodeSqlite).not.toHaveBeenCalled();
    expect(warnings).toEqual([]);
  });

  it('creates the parent folder of a new database, but not for a read-only open', () => {
    const db = openDatabaseWith(runtime({ electronVersion: undefined }), join(dir, 'x', 'y', 'new.db'));
    db.close();
    expect(existsSync(join(dir, 'x', 'y', 'new.db'))).toBe(true);
    expect(() => openDatabaseWith(runtime({ electronVersion: undefined }), join(dir, 'ro', 'none.db'), { readonly: true })).toThrow();
    expect(existsSync(join(dir, 'ro'))).toBe(false);
  });
});

describe('binary location', () => {
  it('lists resources first, then the app root', () => {
    expect(electronBindingCandidates('/opt/App/resources', '/src/app')).toEqual([
      `/opt/App/resources/${ELECTRON_BINDING_RELATIVE_PATH}`,
      `/src/app/${ELECTRON_BINDING_RELATIVE_PATH}`,
    ]);
    expect(electronBindingCandidates(undefined, '/src/app')).toEqual([`/src/app/${ELECTRON_BINDING_RELATIVE_PATH}`]);
  });

  it('finds the app root from a module folder (here: the repository root)', () => {
    const root = resolve(__dirname, '../../..');
    expect(findAppRoot(__dirname)).toBe(root);
    expect(existsSync(join(root, 'electron.vite.config.ts'))).toBe(true);
  });

  it('under plain Node the current runtime is not Electron and looks under the app root', () => {
    const rt = currentRuntime();
    expect(rt.electronVersion).toBeUndefined();
    expect(rt.bindingCandidates.at(-1)).toBe(join(resolve(__dirname, '../../..'), ELECTRON_BINDING_RELATIVE_PATH));
  });
});
