import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../db/sql-database';
import { recordRun } from '../recorder/record-run';
import { SessionStore } from '../recorder/session-store';
import { freshDb, happySource, manyFaultsSource, rows, useTempDatabases } from '../recorder/testing/fixtures';
import { verifyReplay } from '../analysis/replay';
import { exportSessionToFile, importTraceFile } from './trace-files';
import { TraceFileError } from './validate';

useTempDatabases();

const EVENT_COLUMNS = 'seq, t, kind, layer, dev, pasid, grpid, cookie, addr, perm, code, errno, parent, raw, note, line, iommu';
const SESSION_COLUMNS =
  'name, status, scenario_name, scenario_source, scenario_hash, scenario_format, seed, kernel_profile, vendor, app_version, created_at, finished_at, event_count, end_ns, passed, failed, summary';

async function record(db: SqlDatabase, source = happySource, seed?: number): Promise<number> {
  return (await recordRun(db, source, 'test.json', { appVersion: 't', ...(seed !== undefined ? { seed } : {}) })).sessionId;
}

/** Everything a session is made of, without its id. */
function snapshot(db: SqlDatabase, id: number) {
  return {
    session: rows(db, `SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = ?`, id),
    events: rows(db, `SELECT ${EVENT_COLUMNS} FROM events WHERE session_id = ? ORDER BY seq`, id),
    checkpoints: rows(db, `SELECT kind, seq, t, state FROM checkpoints WHERE session_id = ? AND kind = 'engine' ORDER BY seq`, id),
    notes: rows(db, 'SELECT seq, t, text, created_at FROM notes WHERE session_id = ? ORDER BY id', id),
    faults: rows(db, 'SELECT * FROM faults WHERE session_id = ? ORDER BY id', id).map(({ session_id: _s, ...f }) => f),
  };
}

/** What a failed import must not change. */
function counts(db: SqlDatabase) {
  return {
    sessions: rows(db, 'SELECT count(*) AS n FROM sessions')[0]!.n,
    events: rows(db, 'SELECT count(*) AS n FROM events')[0]!.n,
    faults: rows(db, 'SELECT count(*) AS n FROM faults')[0]!.n,
    notes: rows(db, 'SELECT count(*) AS n FROM notes')[0]!.n,
    integrity: rows(db, 'PRAGMA integrity_check')[0]!.integrity_check,
  };
}

describe('round trips', () => {
  it('.iopftrace: export → import gives an identical session (every column, raw bytes, 64-bit IOVAs, checkpoints, notes)', async () => {
    const { db, dir } = freshDb();
    const id = await record(db, manyFaultsSource({ accesses: 30 }));
    // A u64 IOVA beyond 2^53 and beyond 2^63, a note with unicode and quotes, engine checkpoints.
    db.prepare(`UPDATE events SET addr = -4096, note = 'ünïcode "quoted" \\ line' WHERE session_id = ? AND seq = 0`).run(id);
    db.prepare(`UPDATE events SET addr = 9007199254740993 WHERE session_id = ? AND seq = 1`).run(id);
    const store = new SessionStore(db);
    store.writeCheckpoint(id, 10, 5000, '{"emulator":{"prq":[1,2,3]}}');
    store.addNote(id, 'look at this fault', { seq: 12, t: 6000 });
    store.addNote(id, 'session note');
    const file = join(dir, 's.iopftrace');
    exportSessionToFile(db, id, 'iopftrace', file);
    const r = importTraceFile(db, file);
    expect(r).toMatchObject({ format: 'iopftrace', checkpoints: 1, notes: 2 });
    expect(snapshot(db, r.sessionId)).toEqual(snapshot(db, id));
    expect(store.details(r.sessionId)!.importedFrom).toBe('s.iopftrace');
    expect(rows(db, 'SELECT printf(\'%x\', addr) AS a FROM events WHERE session_id = ? AND seq < 2 ORDER BY seq', r.sessionId).map((x) => x.a)).toEqual([
      'fffffffffffff000',
      '20000000000001',
    ]);
    // Exporting the imported session gives the same bytes.
    const again = join(dir, 'again.iopftrace');
    exportSessionToFile(db, r.sessionId, 'iopftrace', again);
    expect(readFileSync(again)).toEqual(readFileSync(file));
  });

  it('Chrome JSON: export → import gives the same events and session, and the import replays identically', async () => {
    const { db, dir } = freshDb();
    const id = await record(db, manyFaultsSource({ accesses: 20 }), 4);
    const file = join(dir, 's.json');
    exportSessionToFile(db, id, 'chrome', file);
    const r = importTraceFile(db, file);
    expect(r.format).toBe('chrome');
    const a = snapshot(db, id);
    const b = snapshot(db, r.sessionId);
    expect(b.events).toEqual(a.events);
    expect(b.session).toEqual(a.session);
    expect(b.faults).toEqual(a.faults);
    expect((await verifyReplay(db, r.sessionId)).identical).toBe(true);
  });

  it('Chrome JSON from elsewhere: object form, no session record, no seq, rows ordered by time', async () => {
    const { db, dir } = freshDb();
    const file = join(dir, 'foreign.json');
    writeFileSync(
      file,
      JSON.stringify({
        displayTimeUnit: 'ns',
        metadata: { tool: { nested: [1, { traceEvents: 'not this one' }] } },
        traceEvents: [
          { ph: 'M', name: 'process_name', pid: 1, args: { name: 'x' } },
          { ph: 'i', name: 'PRQ_ENQ', pid: 1, tid: 1, ts: 2.5, args: { layer: 'iommu', dev: 2, grpid: 0, addr: '0x1000' } },
          { ph: 'X', name: 'PR_SEND', pid: 1, tid: 1, ts: 1.25, dur: 1, args: { layer: 'device', dev: 2, grpid: 0, perm: 3 } },
          { ph: 'C', name: 'counter', pid: 1, ts: 3, args: { v: 1 } },
          { ph: 'i', name: 'not-an-iopf-kind', pid: 1, ts: 4, args: { layer: 'device' } },
        ],
      }),
    );
    const r = importTraceFile(db, file);
    expect(r).toMatchObject({ format: 'chrome', events: 2 });
    const s = new SessionStore(db).details(r.sessionId)!;
    expect(s).toMatchObject({ name: 'foreign', status: 'complete', scenarioSource: '', eventCount: 2, endNs: 2500 });
    expect(rows(db, 'SELECT seq, t, kind FROM events WHERE session_id = ? ORDER BY seq', r.sessionId)).toEqual([
      { seq: 0, t: 1250, kind: 2 },
      { seq: 1, t: 2500, kind: 5 },
    ]);
    await expect(verifyReplay(db, r.sessionId)).rejects.toThrow(/no scenario source/);
  });
});

describe('hostile and broken files change nothing', () => {
  async function prepared() {
    const { db, dir } = freshDb();
    const id = await record(db);
    const file = join(dir, 'good.iopftrace');
    exportSessionToFile(db, id, 'iopftrace', file);
    const chrome = join(dir, 'good.json');
    exportSessionToFile(db, id, 'chrome', chrome);
    const text = readFileSync(file, 'utf8');
    const lines = text.trimEnd().split('\n');
    const eventCount = Number(new SessionStore(db).details(id)!.eventCount);
    return { db, dir, text, lines, eventCount, chromeText: readFileSync(chrome, 'utf8') };
  }

  function refused(db: SqlDatabase, dir: string, name: string, content: string | Buffer, message: RegExp): void {
    const before = counts(db);
    const file = join(dir, name);
    writeFileSync(file, content);
    let error: unknown;
    try {
      importTraceFile(db, file);
    } catch (e) {
      error = e;
    }
    expect(error, `${name} should be refused`).toBeInstanceOf(TraceFileError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(message);
    expect(counts(db)).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }

  it('.iopftrace', async () => {
    const { db, dir, text, lines, eventCount } = await prepared();
    const header = JSON.parse(lines[0]!) as { session: Record<string, unknown> };
    const withHeader = (session: Record<string, unknown>, rest = lines.slice(1)) => [JSON.stringify({ ...header, session }), ...rest].join('\n') + '\n';
    const swapLine = (i: number, line: string) => [...lines.slice(0, i), line, ...lines.slice(i + 1)].join('\n') + '\n';
    const event = JSON.parse(lines[3]!) as unknown[];
    const withEvent = (patch: (e: unknown[]) => void) => {
      const e = [...event];
      patch(e);
      return swapLine(3, JSON.stringify(e));
    };
    refused(db, dir, 'empty.iopftrace', '', /empty file/);
    refused(db, dir, 'magic.iopftrace', text.replace('"iopftrace"', '"otherfmt"'), /not an \.iopftrace file/);
    refused(db, dir, 'cut-mid-line.iopftrace', text.slice(0, Math.floor(text.length / 2)), /truncated/);
    refused(db, dir, 'no-end.iopftrace', lines.slice(0, -1).join('\n') + '\n', /truncated: no END line/);
    refused(db, dir, 'bad-json.iopftrace', swapLine(3, '["E",3,1700,"PRQ_ENQ",'), /not valid JSON/);
    refused(db, dir, 'seq-string.iopftrace', withEvent((e) => (e[1] = '2')), /seq: expected an integer/);
    refused(db, dir, 'seq-gap.iopftrace', withEvent((e) => (e[1] = 7)), /expected event seq 2, got 7/);
    refused(db, dir, 'nan-t.iopftrace', swapLine(3, lines[3]!.replace(/^\["E",2,\d+/, '["E",2,NaN')), /not valid JSON/);
    refused(db, dir, 'null-t.iopftrace', withEvent((e) => (e[2] = null)), /t: expected an integer/);
    // The last event, moved to before the one preceding it.
    const lastEvent = lines.map((l, i) => (l.startsWith('["E",') ? i : -1)).reduce((a, b) => Math.max(a, b));
    const [before, last] = [JSON.parse(lines[lastEvent - 1]!) as unknown[], JSON.parse(lines[lastEvent]!) as unknown[]];
    expect(before[2]).toBeGreaterThan(0);
    refused(db, dir, 'time-back.iopftrace', swapLine(lastEvent, JSON.stringify([...last.slice(0, 2), (before[2] as number) - 1, ...last.slice(3)])), /virtual time goes backwards/);
    refused(db, dir, 'kind.iopftrace', withEvent((e) => (e[3] = 'toString')), /unknown event kind "toString"/);
    refused(db, dir, 'addr.iopftrace', withEvent((e) => (e[9] = '0xZZ')), /addr must be lowercase hex/);
    refused(db, dir, 'parent.iopftrace', withEvent((e) => (e[13] = 2)), /parent 2 is not an earlier event/);
    refused(db, dir, 'short-event.iopftrace', withEvent((e) => e.splice(16)), /an event has 17 values in format version 2, got 15/);
    refused(db, dir, 'line.iopftrace', withEvent((e) => (e[16] = 0)), /line: expected an integer in 1\.\./);
    refused(db, dir, 'iommu.iopftrace', withEvent((e) => (e[17] = 'x')), /iommu: expected an integer in 0\.\.255/);
    refused(db, dir, 'dev-range.iopftrace', withEvent((e) => (e[5] = 2 ** 40)), /dev: expected an integer in 0\.\.4294967295/);
    refused(db, dir, 'checksum.iopftrace', withEvent((e) => (e[7] = 5)), /checksum mismatch/);
    refused(db, dir, 'billion.iopftrace', withHeader({ ...header.session, eventCount: 1_000_000_000 }), /claims 1000000000 events but the file has only/);
    refused(db, dir, 'count.iopftrace', withHeader({ ...header.session, eventCount: eventCount - 1 }), new RegExp(`more events than the header's ${eventCount - 1}\\b`));
    refused(db, dir, 'proto.iopftrace', lines[0]!.replace('{"format":"iopftrace",', '{"format":"iopftrace","__proto__":{"polluted":1},') + '\n' + lines.slice(1).join('\n') + '\n', /forbidden key "__proto__"/);
    refused(db, dir, 'proto2.iopftrace', withHeader({ ...header.session, constructor: { prototype: { polluted: 1 } } }), /forbidden key "constructor"/);
    refused(db, dir, 'unknown-field.iopftrace', withHeader({ ...header.session, extra: 1 }), /unknown field "extra"/);
    refused(db, dir, 'running.iopftrace', withHeader({ ...header.session, status: 'running' }), /status: expected "complete" or "aborted"/);
    refused(db, dir, 'version.iopftrace', lines[0]!.replace('"version":2', '"version":3') + '\n' + lines.slice(1).join('\n') + '\n', /format version 3 is newer/);
    refused(db, dir, 'after-end.iopftrace', text + `["E",${eventCount},1,"RETRY","device",null,null,null,null,null,null,null,null,null,null,null,null,null]\n`, /data after the END line/);
    refused(db, dir, 'tag.iopftrace', swapLine(3, '["X"]'), /unknown record tag "X"/);
    refused(db, dir, 'huge-line.iopftrace', lines[0] + '\n' + '["E",' + ' '.repeat(33 << 20) + '\n', /line longer than \d+ bytes/);
    // A header claiming one event (so the size check passes), then a line that is not UTF-8.
    const oneEventHeader = JSON.stringify({ ...header, session: { ...header.session, eventCount: 1 } });
    refused(db, dir, 'utf8.iopftrace', Buffer.concat([Buffer.from(oneEventHeader + '\n'), Buffer.from([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d, 0x0a])]), /not valid UTF-8/);
    refused(db, dir, 'checkpoint.iopftrace', [...lines.slice(0, -1), '["C",999,0,"{}"]', lines.at(-1)].join('\n') + '\n', /checkpoint after event 999/);
  });

  it('Chrome JSON', async () => {
    const { db, dir, chromeText, eventCount } = await prepared();
    const all = JSON.parse(chromeText) as Record<string, unknown>[];
    const session = all[0]!;
    const json = (evs: unknown[]) => JSON.stringify(evs);
    const firstRow = all.findIndex((e) => e.ph === 'i');
    const patchRow = (patch: (e: Record<string, unknown>) => void) => {
      const copy = JSON.parse(chromeText) as Record<string, unknown>[];
      patch(copy[firstRow]!);
      return json(copy);
    };
    refused(db, dir, 'not-json.json', '[{"ph":"i",', /truncated in the middle of a trace event/);
    refused(db, dir, 'garbage.json', '{{{{', /truncated|not valid JSON/);
    refused(db, dir, 'plain.json', '"just a string"', /unknown file format/);
    refused(db, dir, 'no-events.json', '{"displayTimeUnit":"ns"}', /no traceEvents array/);
    refused(db, dir, 'scalar-event.json', '[1, 2, 3]', /is not an object/);
    refused(db, dir, 'bad-event.json', '[{"ph":"i","name":"PR_SEND",,}]', /not valid JSON/);
    refused(db, dir, 'no-iopf.json', json([{ ph: 'i', name: 'x', ts: 1, pid: 1, tid: 1 }]), /no IOPF events found/);
    refused(db, dir, 'nan-ts.json', '[{"ph":"i","name":"PR_SEND","ts":"NaN","args":{"layer":"device"}}]', /"ts" must be a finite number/);
    refused(db, dir, 'ph.json', '[{"ph":7}]', /"ph" must be a string/);
    refused(db, dir, 'proto.json', patchRow((e) => ((e.args as Record<string, unknown>).x = 1)).replace('"x":1', '"__proto__":{"polluted":1}'), /forbidden key "__proto__"/);
    refused(db, dir, 'billion.json', json([{ ...session, args: { ...(session.args as object), session: { ...((session.args as Record<string, unknown>).session as object), eventCount: 1e9 } } }, ...all.slice(1)]), /claims 1000000000 events/);
    refused(db, dir, 'count.json', json(all.filter((_, i) => i !== firstRow)), new RegExp(`not dense from 0|says ${eventCount} events`));
    refused(db, dir, 'seq-type.json', patchRow((e) => ((e.args as Record<string, unknown>).seq = 'zero')), /seq: expected an integer/);
    refused(db, dir, 'kind.json', patchRow((e) => ((e.args as Record<string, unknown>).kind = 'hasOwnProperty')), /unknown event kind/);
    refused(db, dir, 'format.json', json([{ ...session, args: { ...(session.args as object), format: 'other' } }, ...all.slice(1)]), /unknown format/);
    refused(db, dir, 'trailing.json', chromeText + '[]', /data after the end of the trace/);
  });

  it('a scenario source in a file is stored as text, never run', async () => {
    const { db, dir, lines } = await prepared();
    const header = JSON.parse(lines[0]!) as { session: Record<string, unknown> };
    const source = 'require("child_process").execSync("touch /tmp/pwned"); {"name":"x"}';
    const file = join(dir, 'code.iopftrace');
    // The checksum covers the header: rebuild the file through a real export of a session with that source.
    const id = await record(db);
    db.prepare('UPDATE sessions SET scenario_source = ? WHERE id = ?').run(source, id);
    exportSessionToFile(db, id, 'iopftrace', file);
    const r = importTraceFile(db, file);
    expect(new SessionStore(db).details(r.sessionId)!.scenarioSource).toBe(source);
    expect(header.session.scenarioSource).not.toBe(source);
    await expect(verifyReplay(db, r.sessionId)).rejects.toThrow(/not valid JSON/);
  });
});
