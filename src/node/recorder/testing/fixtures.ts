/**
 * Test support for the recorder, analysis and trace-file tests: fresh
 * databases in a temporary folder (closed and removed after each test) and
 * scenarios with many faults over several devices and PASIDs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openBetterSqlite } from '../../db/better-sqlite3-driver';
import type { SqlDatabase, SqlValue } from '../../db/sql-database';
import { prepareRecorderDb, type RecorderDbOptions } from '../recorder-db';

export const repoRoot = join(__dirname, '..', '..', '..', '..');
export const happySource = readFileSync(join(repoRoot, 'resources/scenarios/declarative-happy-path.json'), 'utf8');

const dirs: string[] = [];
const opened: SqlDatabase[] = [];

/** Registers the cleanup hook; call once at the top of a test file. */
export function useTempDatabases(): void {
  afterEach(() => {
    opened.splice(0).forEach((d) => {
      try {
        d.close();
      } catch {
        /* already closed */
      }
    });
    dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
  });
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'iopf-test-'));
  dirs.push(dir);
  return dir;
}

/** A recorder database in a new temp folder. */
export function freshDb(options: RecorderDbOptions = {}): { db: SqlDatabase; path: string; dir: string } {
  const dir = tempDir();
  const path = join(dir, 'w.db');
  const db = track(prepareRecorderDb(openBetterSqlite(path), undefined, options));
  return { db, path, dir };
}

/** Closes `db` after the test. */
export function track<T extends SqlDatabase>(db: T): T {
  opened.push(db);
  return db;
}

export interface ManyFaultsOptions {
  readonly name?: string;
  readonly accesses?: number;
  readonly seed?: number;
  readonly kernelProfile?: 'v4' | 'upstream';
  /** Extra accesses appended (to make faults appear in one session only). */
  readonly extra?: readonly { atNs: number; device: number; pasid: number | null; addr: string; pages?: number }[];
}

/**
 * Two devices, three PASIDs, one- and two-page accesses spaced so that several
 * faults are in flight at once.
 */
export function manyFaultsSource(o: ManyFaultsOptions = {}): string {
  const n = o.accesses ?? 24;
  const workload = Array.from({ length: n }, (_, i) => ({
    atNs: 1000 + i * 700,
    device: i % 2,
    pasid: 1 + (i % 3),
    addr: `0x${(0x40000000 + i * 0x3000).toString(16)}`,
    pages: 1 + (i % 2),
    perm: i % 4 === 3 ? 'r' : 'rw',
  }));
  return JSON.stringify({
    name: o.name ?? 'many-faults',
    seed: o.seed ?? 3,
    kernelProfile: o.kernelProfile ?? 'upstream',
    devices: [
      { name: '0000:03:00.0', priAllocation: 64 },
      { name: '0000:04:00.0', priAllocation: 64 },
    ],
    workload: [...workload, ...(o.extra ?? []).map((x) => ({ perm: 'rw', pages: 1, ...x }))],
    policy: { kind: 'map-then-success', batch: 4, minLatencyNs: 1500, maxLatencyNs: 9000 },
    expect: { allSuccess: true },
  });
}

/** Every row of a query, for equality checks. */
export function rows(db: SqlDatabase, sql: string, ...params: SqlValue[]): Record<string, SqlValue>[] {
  return db.prepare(sql).all(...params);
}
