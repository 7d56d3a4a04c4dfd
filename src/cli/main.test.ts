import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openBetterSqlite } from '../node/db/better-sqlite3-driver';
import { EVENT_KINDS } from '../shared/events';
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
    expect(r.out).toMatch(/^4 passed, 0 failed$/m);
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
    expect(JSON.parse(r.out)).toMatchObject({ sessionId: 1, seed: 9, kernelProfile: 'v4', passed: 4, failed: 0, vendor: 'vtd' });
  });

  it('exits 1 when an assertion fails', async () => {
    const dir = tmp();
    const file = join(dir, 'strict.json');
    writeFileSync(file, JSON.stringify({ name: 'strict', devices: [{ name: '0000:03:00.0' }], workload: [{ atNs: 0, pasid: 1, addr: '0x1000' }], expect: { pageResponses: 5 } }));
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

describe('iopf run and iopf check with TypeScript scenarios', () => {
  const script = (dir: string, name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, body);
    return file;
  };

  it('exits 1 when a check of a TypeScript scenario fails, 0 when all pass, and --vendor selects the IOMMU', async () => {
    const dir = tmp();
    const ok = script(dir, 'ok.ts', "import { scenario, expect, sleep, now } from 'iopf';\nexport default scenario({ name: 'ok', async main() { await sleep(5); expect(now()).toBe(5n); } });\n");
    const bad = script(dir, 'bad.ts', "import { scenario, expect } from 'iopf';\nexport default scenario({ name: 'bad', main() { expect(1).toBe(2, 'one is two'); } });\n");
    const db = join(dir, 'r.db');
    const a = await iopf('run', ok, '--db', db, '--vendor', 'amd', '--json');
    expect(a.code).toBe(EXIT.OK);
    expect(JSON.parse(a.out)).toMatchObject({ scenario: 'ok', vendor: 'amd', passed: 1, failed: 0 });
    const b = await iopf('run', bad, '--db', db);
    expect(b.code).toBe(EXIT.ASSERTION_FAILED);
    expect(b.out).toMatch(/^0 passed, 1 failed$/m);
  });

  it('exits 2 naming file:line:col for a syntax error, a type error and a runtime error', async () => {
    const dir = tmp();
    const db = join(dir, 'r.db');
    const syntax = script(dir, 'syntax.ts', "import { scenario } from 'iopf';\nexport default scenario({ name: 'x', main() { const a = ; } });\n");
    const type = script(dir, 'type.ts', "import { scenario } from 'iopf';\nconst n: number = 'not a number';\nexport default scenario({ name: 'x', main() {} });\n");
    const thrown = script(dir, 'thrown.ts', "import { scenario } from 'iopf';\nexport default scenario({ name: 'x', main() {\n  throw new Error('boom');\n} });\n");
    for (const [file, pattern] of [
      [syntax, /^syntax\.ts:2:\d+: /m],
      [type, /^type\.ts:2:7: Type 'string' is not assignable to type 'number'/m],
      [thrown, /^thrown\.ts:3:\d+: .*boom/m],
    ] as const) {
      const r = await iopf('run', file, '--db', db);
      expect(r.code, file).toBe(EXIT.SCENARIO_ERROR);
      expect(r.err).toMatch(pattern);
    }
  });

  it('iopf check reports type errors without running, and passes every example', async () => {
    const dir = tmp();
    const type = script(dir, 'type.ts', "import { scenario, IOMMU_DESTROY } from 'iopf';\nexport default scenario({ name: 'x', main() { IOMMU_DESTROY(3, { id: 'seven' }); } });\n");
    const r = await iopf('check', type);
    expect(r.code).toBe(EXIT.SCENARIO_ERROR);
    expect(r.err).toMatch(/^type\.ts:2:\d+: Type 'string' is not assignable to type 'number'/m);
    const good = await iopf('check', 'happy-path');
    expect(good.code).toBe(EXIT.OK);
    expect(good.out).toMatch(/happy-path\.ts: no type errors/);
  });
});

describe('iopf help and sessions', () => {
  it.each(['run', 'check', 'sessions', 'serve', 'show', 'export', 'import', 'replay', 'diff', 'rm'])('%s --help prints its usage and exits 0', async (cmd) => {
    const r = await iopf(cmd, '--help');
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toContain(`Usage: iopf ${cmd}`);
  });

  it.each(['run', 'replay'])('%s --help lists every kernel profile --profile takes, with what it models', async (cmd) => {
    const r = await iopf(cmd, '--help');
    for (const id of ['v4', '6.11', '6.13', '6.14', '6.15', 'upstream']) expect(r.out).toMatch(new RegExp(`^  ${id.replace('.', '\\.')} +\\S`, 'm'));
    expect(r.out).toMatch(/6\.11 +6\.11 – 6\.12: first merged/);
  });

  it('runs with a merged-kernel profile and records it', async () => {
    const db = join(tmp(), 'runs.db');
    const r = await iopf('run', 'happy-path', '--db', db, '--json', '--profile', '6.13');
    expect(r.code).toBe(EXIT.OK);
    expect(JSON.parse(r.out)).toMatchObject({ kernelProfile: '6.13', failed: 0 });
  });

  it('lists recorded sessions', async () => {
    const db = join(tmp(), 'runs.db');
    await iopf('run', 'happy-path', '--db', db);
    const r = await iopf('sessions', '--db', db, '--json');
    expect(JSON.parse(r.out)).toMatchObject([{ id: 1, name: 'happy-path', status: 'complete' }]);
  });
});

describe('sessions, trace files, replay and diff', () => {
  it('show, export in three formats, import, verify a replay, diff and rm', async () => {
    const dir = tmp();
    const db = join(dir, 'runs.db');
    expect((await iopf('run', 'happy-path', '--db', db)).code).toBe(EXIT.OK);
    expect((await iopf('run', 'happy-path', '--db', db, '--seed', '7')).code).toBe(EXIT.OK);

    const show = await iopf('show', '1', '--db', db, '--json');
    expect(show.code).toBe(EXIT.OK);
    expect(JSON.parse(show.out)).toMatchObject({ session: { id: 1, status: 'complete', seed: 1 }, stats: { faults: 1, byCode: [{ codeName: 'SUCCESS' }] } });
    const events: number = JSON.parse(show.out).session.eventCount;
    expect(events).toBeGreaterThan(20);
    expect((await iopf('show', '1', '--db', db)).out).toMatch(/latency p50 [0-9.]+ µs/);

    for (const format of ['pftrace', 'chrome', 'iopftrace']) {
      const r = await iopf('export', '1', '--format', format, '-o', join(dir, `s1.${format}`), '--db', db, '--json');
      expect(r.code).toBe(EXIT.OK);
      expect(JSON.parse(r.out)).toMatchObject({ sessionId: 1, format, events });
    }
    const imported = await iopf('import', join(dir, 's1.iopftrace'), '--db', db, '--json');
    expect(imported.code).toBe(EXIT.OK);
    expect(JSON.parse(imported.out)).toMatchObject({ sessionId: 3, events, format: 'iopftrace' });
    expect((await iopf('import', join(dir, 's1.chrome'), '--db', db)).out).toMatch(new RegExp(`as session 4: ${events} events`));

    // Session 3 was imported: its scenario is code from elsewhere, run only with --trust.
    const untrusted = await iopf('replay', db, '--session', '3', '--verify');
    expect(untrusted.code).toBe(EXIT.SCENARIO_ERROR);
    expect(untrusted.err).toMatch(/imported from .*s1\.iopftrace: its scenario is code that did not come from you.*--trust/);
    expect((await iopf('show', '3', '--db', db, '--source')).out).toMatch(/export default scenario\(/);
    const verify = await iopf('replay', db, '--session', '3', '--verify', '--trust');
    expect(verify.code).toBe(EXIT.OK);
    expect(verify.out).toMatch(new RegExp(`^identical: ${events} events`));

    const same = await iopf('diff', db, '1', '3');
    expect(same.code).toBe(EXIT.OK);
    expect(same.out).toMatch(/same faults and response codes/);
    const seeds = await iopf('diff', '--db', db, '1', '2', '--json');
    expect(JSON.parse(seeds.out)).toMatchObject({ matched: 1, sameFaults: true, latencyDelta: { count: 1 } });

    // Tamper with a recorded response code: verification names the event, diff shows the flip.
    const sql = openBetterSqlite(db);
    const writeSeq = Number(sql.prepare(`SELECT seq FROM events WHERE session_id = 3 AND kind = ? ORDER BY seq LIMIT 1`).get(EVENT_KINDS.indexOf('RESPONSE_WRITE'))!.seq);
    sql.prepare('UPDATE events SET code = 1 WHERE session_id = 3 AND seq = ?').run(writeSeq);
    sql.prepare('DELETE FROM session_index WHERE session_id = 3').run();
    sql.close();
    const diverged = await iopf('replay', db, '--session', '3', '--verify', '--trust');
    expect(diverged.code).toBe(EXIT.ASSERTION_FAILED);
    expect(diverged.out).toMatch(new RegExp(`diverged at seq ${writeSeq} \\(RESPONSE_WRITE\\): code recorded 1, replayed 0`));
    const flipped = await iopf('diff', db, '1', '3');
    expect(flipped.code).toBe(EXIT.ASSERTION_FAILED);
    expect(flipped.out).toMatch(/flip .*SUCCESS → INVALID/);

    const again = await iopf('replay', '--db', db, '--session', '1', '--seed', '9', '--json');
    expect(JSON.parse(again.out)).toMatchObject({ replayOf: 1, sessionId: 5, seed: 9, failed: 0 });

    expect((await iopf('rm', '4', '5', '--db', db)).out).toMatch(/removed session 4\nremoved session 5/);
    expect(JSON.parse((await iopf('sessions', '--db', db, '--json')).out).map((s: { id: number }) => s.id)).toEqual([3, 2, 1]);
  });

  it.each([
    [['show'], /exactly one session id/],
    [['show', 'abc'], /session id must be a positive integer/],
    [['export', '1', '-o', 'x'], /--format must be one of pftrace, chrome, iopftrace/],
    [['export', '1', '--format', 'pftrace'], /-o FILE is required/],
    [['import'], /exactly one file/],
    [['import', './nope.iopftrace'], /no file/],
    [['replay', '--verify'], /missing --session/],
    [['replay', '--session', '1', '--verify', '--seed', '2'], /drop --seed/],
    [['diff', '1'], /two session ids/],
    [['rm'], /at least one session id/],
  ])('exits 64 on a usage error: %j', async (argv, message) => {
    const r = await iopf(...argv);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toMatch(message);
  });

  it('exits 2 with the reason for a missing session, a missing database or a bad trace file', async () => {
    const dir = tmp();
    const db = join(dir, 'runs.db');
    await iopf('run', 'happy-path', '--db', db);
    const missing = await iopf('show', '9', '--db', db);
    expect(missing.code).toBe(EXIT.SCENARIO_ERROR);
    expect(missing.err).toMatch(/no session 9/);
    expect((await iopf('diff', join(dir, 'none.db'), '1', '2')).err).toMatch(/none\.db: no such database/);
    const bad = join(dir, 'bad.iopftrace');
    writeFileSync(bad, '{"format":"iopftrace","version":1,"session":{}}\n');
    const r = await iopf('import', bad, '--db', db);
    expect(r.code).toBe(EXIT.SCENARIO_ERROR);
    expect(r.err).toMatch(/bad\.iopftrace:1: session\.status: expected a string/);
    expect(JSON.parse((await iopf('sessions', '--db', db, '--json')).out)).toHaveLength(1);
  });
});

describe('the built iopf command', () => {
  it('runs from bin/iopf.cjs as an installed command would', () => {
    const db = join(tmp(), 'runs.db');
    const r = spawnSync(process.execPath, [join(root, 'bin/iopf.cjs'), 'run', 'happy-path', '--db', db], { encoding: 'utf8', cwd: tmp() });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/4 passed, 0 failed/);
  });

  it('survives a scenario that allocates past its heap in one statement: exit 2 with the runaway message, session aborted', () => {
    const dir = tmp();
    const db = join(dir, 'runs.db');
    const file = join(dir, 'boom.ts');
    writeFileSync(
      file,
      `import { scenario } from 'iopf';
export default scenario({ name: 'boom', async main() {
  const keep: unknown[] = [];
  keep.push([new Array(100_000_000).fill(1), new Array(100_000_000).fill(2), new Array(100_000_000).fill(3)]);
} });
`,
    );
    const r = spawnSync(process.execPath, [join(root, 'bin/iopf.cjs'), 'run', file, '--db', db], { encoding: 'utf8', cwd: dir, timeout: 120_000 });
    // The scenario's process died, not the command: it exits with its own code and says why.
    expect(r.signal).toBeNull();
    expect(r.status).toBe(EXIT.SCENARIO_ERROR);
    expect(r.stderr).toMatch(/^boom\.ts:\d+:\d+: runaway allocation: the scenario's process ran out of memory \(limit 1024 MB\) and was terminated; this is the last line it passed$/m);
    expect(r.stderr).toMatch(/^session 1 is recorded as aborted/m);
    const sql = openBetterSqlite(db);
    const status = sql.prepare('SELECT status FROM sessions WHERE id = 1').get()?.status;
    sql.close();
    expect(status).toBe('aborted');
  }, 120_000);
});
