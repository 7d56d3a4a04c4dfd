/**
 * The behaviour every SqlDatabase driver must share, as a reusable vitest
 * suite: the recorder is written against the interface, so better-sqlite3 and
 * node:sqlite must agree on it. Used by open-database.test.ts and
 * node-sqlite-driver.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../sql-database';

export type OpenFn = (path: string, options?: { readonly?: boolean }) => SqlDatabase;

export function describeSqlDatabaseContract(title: string, open: OpenFn, skipReason?: string): void {
  describe.skipIf(skipReason !== undefined)(skipReason ? `${title} (skipped: ${skipReason})` : title, () => {
    let dir: string;
    let file: string;
    let db: SqlDatabase;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'iopf-sql-'));
      file = join(dir, 'test.db');
      db = open(file);
      db.exec('CREATE TABLE ev (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, addr INTEGER, payload BLOB)');
    });

    afterEach(() => {
      try {
        db.close();
      } catch {
        // already closed by the test
      }
      rmSync(dir, { recursive: true, force: true });
    });

    const count = (): number => Number(db.prepare('SELECT COUNT(*) AS n FROM ev').get()?.n);

    it('reports its driver and absolute path', () => {
      expect(db.driver).toMatch(/^(better-sqlite3|node:sqlite)/);
      expect(db.path).toBe(file);
    });

    it('runs inserts and reports changes and the new rowid', () => {
      const insert = db.prepare('INSERT INTO ev (kind, addr) VALUES (?, ?)');
      expect(insert.run('fault', 4096)).toMatchObject({ changes: 1 });
      expect(Number(insert.run('resp', 8192).lastInsertRowid)).toBe(2);
      expect(db.prepare('UPDATE ev SET addr = addr + 1').run().changes).toBe(2);
    });

    it('round-trips integers, bigints, text, blobs and null', () => {
      db.prepare('INSERT INTO ev (kind, addr, payload) VALUES (?, ?, ?)').run('a', 2n ** 40n, new Uint8Array([1, 2, 3]));
      db.prepare('INSERT INTO ev (kind, addr, payload) VALUES (?, ?, ?)').run('b', null, null);
      const a = db.prepare('SELECT * FROM ev WHERE kind = ?').get('a');
      expect(a?.addr).toBe(2 ** 40);
      expect(Array.from(a?.payload as Uint8Array)).toEqual([1, 2, 3]);
      expect(db.prepare('SELECT addr, payload FROM ev WHERE kind = ?').get('b')).toEqual({ addr: null, payload: null });
    });

    it('get() returns undefined when no row matches; all() returns rows in order', () => {
      expect(db.prepare('SELECT * FROM ev WHERE seq = ?').get(42)).toBeUndefined();
      const insert = db.prepare('INSERT INTO ev (kind) VALUES (?)');
      for (const k of ['x', 'y', 'z']) insert.run(k);
      expect(db.prepare('SELECT kind FROM ev ORDER BY seq').all().map((r) => r.kind)).toEqual(['x', 'y', 'z']);
    });

    it('values() returns rows as arrays in column order', () => {
      const insert = db.prepare('INSERT INTO ev (kind, addr) VALUES (?, ?)');
      insert.run('a', 1);
      insert.run('b', null);
      const select = db.prepare('SELECT kind, addr, seq FROM ev WHERE seq >= ? ORDER BY seq');
      expect(select.values(1)).toEqual([
        ['a', 1, 1],
        ['b', null, 2],
      ]);
      // The same statement still returns objects from all().
      expect(select.all(2)).toEqual([{ kind: 'b', addr: null, seq: 2 }]);
    });

    it('iterate() yields rows lazily and the statement stays usable after an early break', () => {
      const insert = db.prepare('INSERT INTO ev (kind) VALUES (?)');
      for (let i = 0; i < 5; i++) insert.run(`k${i}`);
      const select = db.prepare('SELECT kind FROM ev WHERE seq >= ? ORDER BY seq');
      const seen: string[] = [];
      for (const row of select.iterate(2)) {
        seen.push(String(row.kind));
        if (seen.length === 2) break;
      }
      expect(seen).toEqual(['k1', 'k2']);
      expect([...select.iterate(4)].map((r) => r.kind)).toEqual(['k3', 'k4']);
    });

    it('transaction() commits and returns the callback result', () => {
      const insert = db.prepare('INSERT INTO ev (kind) VALUES (?)');
      const result = db.transaction(() => {
        insert.run('a');
        insert.run('b');
        return 'done';
      });
      expect(result).toBe('done');
      expect(count()).toBe(2);
    });

    it('transaction() rolls back everything and rethrows the same error when the callback throws', () => {
      const insert = db.prepare('INSERT INTO ev (kind) VALUES (?)');
      insert.run('kept');
      const boom = new Error('boom');
      expect(() =>
        db.transaction(() => {
          insert.run('lost-1');
          insert.run('lost-2');
          throw boom;
        }),
      ).toThrow(boom);
      expect(db.prepare('SELECT kind FROM ev').all()).toEqual([{ kind: 'kept' }]);
      // The connection is not left inside a transaction.
      db.transaction(() => insert.run('after'));
      expect(count()).toBe(2);
    });

    it('a nested transaction that fails undoes only its own work when the outer one catches', () => {
      const insert = db.prepare('INSERT INTO ev (kind) VALUES (?)');
      db.transaction(() => {
        insert.run('outer');
        expect(() =>
          db.transaction(() => {
            insert.run('inner');
            throw new Error('inner failed');
          }),
        ).toThrow('inner failed');
        db.transaction(() => insert.run('inner-ok'));
      });
      expect(db.prepare('SELECT kind FROM ev ORDER BY seq').all().map((r) => r.kind)).toEqual(['outer', 'inner-ok']);
    });

    it('a failure in the outer transaction also undoes committed nested work', () => {
      const insert = db.prepare('INSERT INTO ev (kind) VALUES (?)');
      expect(() =>
        db.transaction(() => {
          db.transaction(() => insert.run('inner'));
          throw new Error('outer failed');
        }),
      ).toThrow('outer failed');
      expect(count()).toBe(0);
    });

    it('refuses an async callback and keeps nothing it wrote synchronously', () => {
      const insert = db.prepare('INSERT INTO ev (kind) VALUES (?)');
      expect(() =>
        db.transaction(() => {
          insert.run('sync-part');
          return Promise.resolve(1);
        }),
      ).toThrow(TypeError);
      expect(count()).toBe(0);
    });

    it('persists to disk and reopens read-only', () => {
      db.prepare('INSERT INTO ev (kind) VALUES (?)').run('saved');
      db.close();
      const ro = open(file, { readonly: true });
      try {
        expect(ro.prepare('SELECT kind FROM ev').all()).toEqual([{ kind: 'saved' }]);
        expect(() => ro.exec("INSERT INTO ev (kind) VALUES ('nope')")).toThrow(/readonly/i);
      } finally {
        ro.close();
      }
    });

    it('a read-only open of a missing file fails instead of creating it', () => {
      expect(() => open(join(dir, 'missing', 'none.db'), { readonly: true })).toThrow();
    });
  });
}
