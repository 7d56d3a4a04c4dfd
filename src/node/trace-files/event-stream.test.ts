import { describe, expect, it } from 'vitest';
import { openBetterSqlite } from '../db/better-sqlite3-driver';
import { iterateEvents, PAGE_ROWS } from '../recorder/event-rows';
import { recordRun } from '../recorder/record-run';
import { freshDb, manyFaultsSource, track, useTempDatabases } from '../recorder/testing/fixtures';
import { MemoryByteSink } from './byte-sink';
import { streamEvents, type EventStreamOptions } from './event-stream';
import { exportChrome } from './chrome-export';
import { sessionRecordOf } from './iopftrace';
import { exportPftrace } from './pftrace-export';
import { TextWriter } from './text-writer';

useTempDatabases();

async function recorded(accesses: number) {
  const f = freshDb();
  const { sessionId } = await recordRun(f.db, manyFaultsSource({ accesses }), 'test.json', { appVersion: 't' });
  return { ...f, id: sessionId };
}

describe('streamEvents (reader worker)', () => {
  it('yields exactly what iterateEvents yields, across pages, with 64-bit IOVAs, raw bytes, nulls and escaped notes', async () => {
    const { db, id } = await recorded(260);
    const total = [...iterateEvents(db, id)].length;
    expect(total).toBeGreaterThan(PAGE_ROWS); // more than one page crosses from the worker
    db.prepare(`UPDATE events SET addr = -4096, note = 'ünïcode "quoted" \\ line' WHERE session_id = ? AND seq = 0`).run(id);
    db.prepare(`UPDATE events SET addr = 9007199254740993, raw = x'00ff10' WHERE session_id = ? AND seq = 1`).run(id);
    const expected = [...iterateEvents(db, id)];
    const readers: string[] = [];
    const streamed = [...streamEvents(db, id, { minEventsForWorker: 0, onReader: (w) => readers.push(w) })];
    expect(readers).toEqual(['worker']);
    expect(streamed).toEqual(expected);
    expect(streamed[0]!.addr).toBe('0xfffffffffffff000');
    expect(streamed[1]).toMatchObject({ addr: '0x20000000000001', raw: '00ff10' });
  });

  it('gives the same export bytes with and without the worker', async () => {
    const { db, id } = await recorded(40);
    const session = sessionRecordOf(db, id);
    const bytes = (exporter: (out: MemoryByteSink, read: EventStreamOptions) => void, read: EventStreamOptions): Uint8Array => {
      const out = new MemoryByteSink();
      exporter(out, read);
      return out.bytes();
    };
    const chrome = (out: MemoryByteSink, read: EventStreamOptions) => exportChrome(db, id, session, out, read);
    const pftrace = (out: MemoryByteSink, read: EventStreamOptions) => exportPftrace(db, id, out, read);
    for (const exporter of [chrome, pftrace]) {
      const inThread = bytes(exporter, {}); // this small a session is read in the calling thread
      expect(inThread.length).toBeGreaterThan(1000);
      const readers: string[] = [];
      expect(bytes(exporter, { minEventsForWorker: 0, onReader: (w) => readers.push(w) })).toEqual(inThread);
      expect(readers).toEqual(['worker']);
    }
  });

  it('stops the worker when the reader stops early', async () => {
    const { db, id } = await recorded(260);
    const it = streamEvents(db, id, { minEventsForWorker: 0 });
    const first = it.next();
    expect(first.value).toMatchObject({ seq: 0 });
    expect(it.return(undefined).done).toBe(true);
    // Reading again afterwards works (nothing is left waiting).
    expect([...streamEvents(db, id, { minEventsForWorker: 0 })].length).toBe([...iterateEvents(db, id)].length);
  });

  it('reads in the calling thread when the database is in memory', () => {
    const db = track(openBetterSqlite(':memory:'));
    db.exec('CREATE TABLE events (session_id, seq, t, kind, layer, dev, pasid, grpid, cookie, addr, perm, code, errno, parent, raw, note, line, iommu)');
    db.exec(`INSERT INTO events VALUES (1, 0, 5, 0, 0, 768, 1, NULL, NULL, 4096, 3, NULL, NULL, NULL, NULL, 'n', NULL, NULL)`);
    const readers: string[] = [];
    expect([...streamEvents(db, 1, { minEventsForWorker: 0, onReader: (w) => readers.push(w) })]).toEqual([...iterateEvents(db, 1)]);
    expect(readers).toEqual(['calling thread']);
  });
});

describe('TextWriter', () => {
  const written = (fill: (w: TextWriter) => void): string => {
    const sink = new MemoryByteSink();
    const w = new TextWriter(sink);
    fill(w);
    w.flush();
    return sink.text();
  };

  it('writes integers like String() does, at every digit count and sign', () => {
    const values = [0, 7, 10, 99, 100, 12345, 2147483647, 2147483648, 9007199254740991, -1, -10, -2147483648, -123456789012];
    for (let p = 1; p < 1e15; p *= 10) values.push(p - 1, p, p + 1);
    expect(written((w) => values.forEach((v) => w.int(v).lit(',')))).toBe(values.map((v) => `${v},`).join(''));
  });

  it('writes µs with three exact decimals', () => {
    expect(written((w) => [0, 5, 1000, 145500, 123456789, -2500].forEach((ns) => w.micros(ns).lit(' ')))).toBe('0.000 0.005 1.000 145.500 123456.789 -2.500 ');
  });

  it('writes JSON strings exactly as JSON.stringify', () => {
    const strings = ['', 'plain', 'ünïcode "quoted" \\ line', 'tab\there\nnewline\u0001', '€ and 😀', 'lone \ud800 surrogate', '\u2028\u2029', 'private \ue000'];
    expect(written((w) => strings.forEach((s) => w.json(s).lit(',')))).toBe(strings.map((s) => `${JSON.stringify(s)},`).join(''));
  });
});
