import { describe, expect, it } from 'vitest';
import { loadNodeSqlite, openNodeSqlite } from './node-sqlite-driver';
import { nodeSqliteStandin } from './testing/node-sqlite-standin';
import { describeSqlDatabaseContract } from './testing/sql-database-contract';

const builtin = loadNodeSqlite();

// The driver's own logic (transactions, savepoints, rollback, read-only, busy
// timeout) on a stand-in module with node:sqlite's shape: runs everywhere.
describeSqlDatabaseContract('node:sqlite driver on a better-sqlite3 stand-in', (path, options) =>
  openNodeSqlite(path, { ...options, module: nodeSqliteStandin }),
);

// The same suite on the real built-in, where this Node has one (Electron 41's Node 24 does).
describeSqlDatabaseContract(
  'node:sqlite driver on the real node:sqlite',
  (path, options) => openNodeSqlite(path, { ...options }),
  builtin ? undefined : `node:sqlite needs Node >= 22.13 or Electron; this is Node ${process.versions.node}`,
);

describe('loadNodeSqlite', () => {
  it('returns the module exactly when this Node has node:sqlite, without throwing', () => {
    const major = Number(process.versions.node.split('.')[0]);
    if (major < 22) expect(builtin).toBeUndefined();
    else expect(typeof builtin?.DatabaseSync).toBe('function');
  });
});

describe('openNodeSqlite', () => {
  it('names the runtime in its driver label', () => {
    const db = openNodeSqlite(':memory:', { module: nodeSqliteStandin });
    expect(db.driver).toBe(`node:sqlite (Node ${process.versions.node})`);
    db.close();
  });

  it('sets a busy timeout so the CLI and the app can share the file', () => {
    const db = openNodeSqlite(':memory:', { module: nodeSqliteStandin });
    expect(db.prepare('PRAGMA busy_timeout').get()).toEqual({ timeout: 5000 });
    db.close();
  });

  it.skipIf(builtin !== undefined)('fails with a clear message where node:sqlite is missing', () => {
    expect(() => openNodeSqlite(':memory:')).toThrow(/node:sqlite is not available/);
  });
});
