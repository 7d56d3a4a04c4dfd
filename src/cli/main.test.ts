import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openBetterSqlite } from '../node/db/better-sqlite3-driver';
import { EXIT } from './exit-codes';
import type { CliIo } from './io';
import { main } from './main';

const root = join(__dirname, '..', '..');
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'cli-'));
  dirs.push(d);
  return d;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

async function iopf(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) };
  const code = await main(argv, io, { XDG_DATA_HOME: join(tmp(), 'xdg') });
  return { code, out, err };
}

describe('iopf run', () => {
  it('records the built-in scenario and exits 0 with the pass/fail line', async () => {
    const db = join(tmp(), 'runs.db');
    const r = await iopf('run', 'happy-path', '--db', db);
    expect(r.err).toBe('');
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toMatch(/^3 passed, 0 failed$/m);
    const sql = openBetterSqlite(db);
    const kinds = (sql.prepare(`SELECT kind, cookie, code FROM events WHERE session_id = 1 AND cookie IS NOT NULL ORDER BY seq`).all());
    sql.close();
    expect(kinds.length).toBeGreaterThanOrEqual(3); // two FAULT_READ records and the RESPONSE_WRITE, all cookie 1
    expect(new Set(kinds.map((k) => k.cookie))).toEqual(new Set([1]));
  });

  it('prints JSON with --json and honours --seed and --profile', async () => {
    const db = join(tmp(), 'runs.db');
    const r = await iopf('run', 'happy-path', '--db', db, '--json', '--seed', '9', '--profile', 'v4');
    expect(r.code).toBe(EXIT.OK);
    expect(JSON.parse(r.out)).toMatchObject({ sessionId: 1, seed: 9, kernelProfile: 'v4', passed: 3, failed: 0 });
  });

  it('exits 1 when an assertion fails', async () => {
    const dir = tmp();
    const file = join(dir, 'strict.json');
    writeFileSync(file, JSON.stringify({ name: 'strict', devices: [{ name: 'd' }], workload: [{ atNs: 0, pasid: 1, addr: '0x1000' }], expect: { pageResponses: 5 } }));
    const r = await iopf('run', file, '--db', join(dir, 'r.db'));
    expect(r.code).toBe(EXIT.ASSERTION_FAILED);
    expect(r.out).toMatch(/0 passed, 1 failed/);
  });

  it('exits 2 with the file and field named for a malformed scenario', async () => {
    const dir = tmp();
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ name: 'bad', devices: [{ name: 'd' }], workload: [{ atNs: 0, addr: 12.5 }] }));
    const r = await iopf('run', file, '--db', join(dir, 'r.db'));
    expect(r.code).toBe(EXIT.SCENARIO_ERROR);
    expect(r.err).toMatch(/bad.json: scenario.workload\[0\].addr/);
  });

  it.each([
    [['run'], /exactly one scenario/],
    [['run', 'happy-path', '--seed', 'x'], /--seed must be/],
    [['run', 'happy-path', '--profile', '6.1'], /--profile must be/],
    [['run', 'happy-path', '--bogus'], /Unknown option/],
    [['run', './missing.json'], /no scenario file/],
    [['frobnicate'], /unknown command/],
  ])('exits 64 on a usage error: %j', async (argv, message) => {
    const r = await iopf(...argv);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toMatch(message);
  });
});

describe('iopf help and sessions', () => {
  it.each(['run', 'sessions', 'serve'])('%s --help prints its usage and exits 0', async (cmd) => {
    const r = await iopf(cmd, '--help');
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toContain(`Usage: iopf ${cmd}`);
  });

  it('lists recorded sessions', async () => {
    const db = join(tmp(), 'runs.db');
    await iopf('run', 'happy-path', '--db', db);
    const r = await iopf('sessions', '--db', db, '--json');
    expect(JSON.parse(r.out)).toMatchObject([{ id: 1, name: 'happy-path', status: 'complete' }]);
  });
});

describe('the built iopf command', () => {
  it('runs from bin/iopf.cjs as an installed command would', () => {
    const db = join(tmp(), 'runs.db');
    const r = spawnSync(process.execPath, [join(root, 'bin/iopf.cjs'), 'run', 'happy-path', '--db', db], { encoding: 'utf8', cwd: tmp() });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/3 passed, 0 failed/);
  });
});
