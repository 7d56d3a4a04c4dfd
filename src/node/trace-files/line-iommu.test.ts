/**
 * The schema v3 columns `line` and `iommu` in trace files: an .iopftrace
 * round trip keeps them, a Chrome export carries them in its args and imports
 * them back, and a version 1 .iopftrace (written before they existed) still
 * imports, with both null.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../db/sql-database';
import { eventDetail } from '../analysis/event-detail';
import { verifyReplay } from '../analysis/replay';
import { freshDb, rows, useTempDatabases } from '../recorder/testing/fixtures';
import { runScenarioScript } from '../scenario-runtime/run-scenario-script';
import { exportSessionToFile, importTraceFile } from './trace-files';

useTempDatabases();

const SOURCE = [
  "import { scenario, vmmSetup, mapThenSuccess, dma } from 'iopf';", // 1
  'export default scenario({', // 2
  "  name: 'lines-in-files',", // 3
  '  setup: () => vmmSetup({ pasids: [1] }),', // 4
  '  policy: mapThenSuccess({ latencyNs: 2_000 }),', // 5
  "  async workload() { await dma('0000:03:00.0', { pasid: 1, addr: 0xdeadb000n, pages: 2 }); },", // 6
  '});', // 7
].join('\n');

const COLUMNS = 'seq, t, kind, layer, dev, pasid, grpid, cookie, addr, perm, code, errno, parent, raw, note, line, iommu';
const eventsOf = (db: SqlDatabase, id: number) => rows(db, `SELECT ${COLUMNS} FROM events WHERE session_id = ? ORDER BY seq`, id);

async function recordScript(): Promise<{ db: SqlDatabase; dir: string; id: number }> {
  const { db, path, dir } = freshDb();
  const r = await runScenarioScript({ source: SOURCE, filename: 'lines-in-files.ts', record: { databasePath: path } });
  expect(r.error).toBeUndefined();
  return { db, dir, id: r.sessionId! };
}

describe('line and iommu in trace files', () => {
  it('.iopftrace: export → import keeps both columns, and re-exports the same event lines', async () => {
    const { db, dir, id } = await recordScript();
    const recorded = eventsOf(db, id);
    const enq = recorded.find((e) => e.kind === 5 /* PRQ_ENQ */)!;
    expect([enq.line, enq.iommu]).toEqual([6, 0]);
    expect(recorded.filter((e) => e.line === 5).length).toBeGreaterThan(0);
    // The inspector reads the line through the event.
    expect(eventDetail(db, id, Number(enq.seq))!.event).toMatchObject({ line: 6, iommu: 0 });

    const file = join(dir, 'a.iopftrace');
    exportSessionToFile(db, id, 'iopftrace', file);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('{"format":"iopftrace","version":2,')).toBe(true);
    const enqLine = JSON.parse(text.split('\n')[Number(enq.seq) + 1]!) as unknown[];
    expect(enqLine).toHaveLength(18);
    expect(enqLine.slice(16)).toEqual([6, 0]);

    const imported = importTraceFile(db, file);
    expect(eventsOf(db, imported.sessionId)).toEqual(recorded);
    const again = join(dir, 'b.iopftrace');
    exportSessionToFile(db, imported.sessionId, 'iopftrace', again);
    const eventLines = (t: string) => t.split('\n').filter((l) => l.startsWith('["E",'));
    expect(eventLines(readFileSync(again, 'utf8'))).toEqual(eventLines(text));
  });

  it('replay compares the lines: identical as recorded, diverging on a changed line, accepting a line recorded as NULL', async () => {
    const { db, id } = await recordScript();
    expect(await verifyReplay(db, id)).toMatchObject({ identical: true });
    const enq = eventsOf(db, id).find((e) => e.kind === 5 /* PRQ_ENQ */)!;
    db.prepare('UPDATE events SET line = 3 WHERE session_id = ? AND seq = ?').run(id, enq.seq);
    expect((await verifyReplay(db, id)).divergence).toMatchObject({ seq: enq.seq, field: 'line', recorded: '3', replayed: '6' });
    db.prepare('UPDATE events SET line = NULL, iommu = NULL WHERE session_id = ?').run(id);
    expect(await verifyReplay(db, id)).toMatchObject({ identical: true });
  });

  it('Chrome JSON: args carry line and iommu, and import restores them', async () => {
    const { db, dir, id } = await recordScript();
    const file = join(dir, 'a.json');
    exportSessionToFile(db, id, 'chrome', file);
    const all = JSON.parse(readFileSync(file, 'utf8')) as { ph: string; name: string; args?: Record<string, unknown> }[];
    const enq = all.find((e) => e.ph === 'i' && e.name === 'PRQ_ENQ')!;
    expect(enq.args).toMatchObject({ line: 6, iommu: 0 });
    const write = all.find((e) => e.ph === 'i' && e.name === 'RESPONSE_WRITE')!;
    expect(write.args).toMatchObject({ line: 5 });
    expect(write.args).not.toHaveProperty('iommu');
    const imported = importTraceFile(db, file);
    expect(eventsOf(db, imported.sessionId)).toEqual(eventsOf(db, id));
  });

  it('Perfetto: events carry line and iommu debug annotations', async () => {
    const { db, dir, id } = await recordScript();
    const file = join(dir, 'a.pftrace');
    exportSessionToFile(db, id, 'pftrace', file);
    const bytes = readFileSync(file);
    // DebugAnnotation.name (field 10, length-delimited) = "line" / "iommu", then uint_value (field 3) = the value.
    const annotation = (name: string, value: number) => Buffer.concat([Buffer.from([0x52, name.length]), Buffer.from(name), Buffer.from([0x18, value])]);
    expect(bytes.includes(annotation('line', 6))).toBe(true);
    expect(bytes.includes(annotation('line', 5))).toBe(true);
    expect(bytes.includes(annotation('iommu', 0))).toBe(true);
  });

  it('a version 1 .iopftrace, written before the columns existed, imports with both null', async () => {
    const { db, dir, id } = await recordScript();
    const file = join(dir, 'v2.iopftrace');
    exportSessionToFile(db, id, 'iopftrace', file);
    // Rewrite it as a version 1 writer did: 15 values per event, the checksum over those bytes.
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const end = JSON.parse(lines.pop()!) as unknown[];
    const v1 = lines.map((l, i) => (i === 0 ? l.replace('"version":2', '"version":1') : l.startsWith('["E",') ? JSON.stringify((JSON.parse(l) as unknown[]).slice(0, 16)) : l));
    const body = v1.map((l) => `${l}\n`).join('');
    const old = join(dir, 'v1.iopftrace');
    writeFileSync(old, body + JSON.stringify(['END', end[1], end[2], end[3], createHash('sha256').update(body).digest('hex')]) + '\n');

    const imported = importTraceFile(db, old);
    const expected = eventsOf(db, id).map((e) => ({ ...e, line: null, iommu: null }));
    expect(eventsOf(db, imported.sessionId)).toEqual(expected);
  });
});
