import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_KINDS, type EventRow } from '../../shared/events';
import { useTempDatabases } from '../recorder/testing/fixtures';
import { testWorkbench, useTestWorkbenches } from './testing';

useTempDatabases();
useTestWorkbenches();

async function recordHappyPath(w = testWorkbench()) {
  const r = await w.service.runScenario({ scenarioId: 'happy-path', jobId: 'hp' });
  expect(r.error).toBeNull();
  expect(r.sessionId).not.toBeNull();
  return { w, sessionId: r.sessionId!, run: r };
}

async function allEvents(w: ReturnType<typeof testWorkbench>, sessionId: number): Promise<EventRow[]> {
  return [...(await w.service.getEvents({ sessionId, fromSeq: 0, limit: 100_000 })).events];
}

describe('WorkbenchService: sessions', () => {
  it('runs a built-in scenario, lists it, and details it with its source', async () => {
    const { w, sessionId, run } = await recordHappyPath();
    expect(run).toMatchObject({ failed: 0, violations: 0, cancelled: false, diagnostics: [] });
    const events = await allEvents(w, sessionId);
    expect(run.eventCount).toBe(events.length);
    expect(run.passed).toBe(events.filter((e) => e.kind === 'ASSERT_PASS').length);
    expect(run.passed).toBeGreaterThan(0);
    expect(w.changes()).toBe(1);
    const list = await w.service.listSessions();
    expect(list.map((s) => s.id)).toEqual([sessionId]);
    expect(list[0]).toMatchObject({ status: 'complete', eventCount: run.eventCount });
    const d = await w.service.getSession(sessionId);
    expect(d.scenarioSource).toBe(readFileSync(join(__dirname, '../../../resources/scenarios/happy-path.ts'), 'utf8'));
    expect(d.scenarioFormat).toBe('ts');
    await expect(w.service.getSession(sessionId + 1)).rejects.toThrow(`no session ${sessionId + 1}`);
  });

  it('reports run progress for the caller-chosen job id, ending with one finished message', async () => {
    const { w } = await recordHappyPath();
    const mine = w.progress.filter((p) => p.jobId === 'hp');
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(mine.every((p) => p.kind === 'run')).toBe(true);
    expect(mine.filter((p) => p.finished)).toHaveLength(1);
    expect(mine.at(-1)).toMatchObject({ finished: true, phase: 'done' });
  });

  it('renames and removes sessions, firing onDidChangeSessions', async () => {
    const { w, sessionId } = await recordHappyPath();
    await w.service.renameSession({ sessionId, name: 'renamed run' });
    expect((await w.service.getSession(sessionId)).name).toBe('renamed run');
    expect(w.changes()).toBe(2);
    await expect(w.service.renameSession({ sessionId: 999, name: 'x' })).rejects.toThrow('no session 999');
    await w.service.removeSession(sessionId);
    expect(await w.service.listSessions()).toEqual([]);
    expect(w.changes()).toBe(3);
    await expect(w.service.removeSession(sessionId)).rejects.toThrow(`no session ${sessionId}`);
  });

  it('adds, lists and removes notes, attached to an event with its time', async () => {
    const { w, sessionId } = await recordHappyPath();
    const events = await allEvents(w, sessionId);
    const onEvent = await w.service.addNote({ sessionId, seq: 5, text: 'look here' });
    expect(onEvent).toMatchObject({ sessionId, seq: 5, t: events[5]!.t, text: 'look here' });
    const loose = await w.service.addNote({ sessionId, seq: null, text: 'overall' });
    expect((await w.service.listNotes(sessionId)).map((n) => n.text)).toEqual(['overall', 'look here']);
    await expect(w.service.addNote({ sessionId, seq: 10_000, text: 'x' })).rejects.toThrow(`session ${sessionId} has no event 10000`);
    await expect(w.service.removeNote({ sessionId: sessionId + 1, noteId: loose.id })).rejects.toThrow(/no session|has no note/);
    await w.service.removeNote({ sessionId, noteId: loose.id });
    expect((await w.service.listNotes(sessionId)).map((n) => n.id)).toEqual([onEvent.id]);
  });
});

describe('WorkbenchService: reading a session', () => {
  it('answers events, timeline, detail, lifecycle, state and stats from the recording', async () => {
    const { w, sessionId } = await recordHappyPath();
    const events = await allEvents(w, sessionId);
    const window = await w.service.getEvents({ sessionId, fromSeq: 3, limit: 4 });
    expect(window.events.map((e) => e.seq)).toEqual([3, 4, 5, 6]);
    expect(window.more).toBe(true);

    const tl = await w.service.getTimeline({ sessionId, by: 'seq', from: 0, to: events.length, buckets: 64 });
    expect(tl.tracks.reduce((n, t) => n + t.count.reduce((a, b) => a + b, 0), 0)).toBe(events.length);

    const read = events.find((e) => e.kind === 'FAULT_READ')!;
    const detail = await w.service.getEventDetail({ sessionId, seq: read.seq });
    expect(detail.event).toEqual(read);
    expect(detail.decoded?.struct).toBe('iommu_hwpt_pgfault');
    await expect(w.service.getEventDetail({ sessionId, seq: 99_999 })).rejects.toThrow('has no event 99999');

    const life = await w.service.getLifecycle({ sessionId, query: { seq: read.seq } });
    expect(life.events.some((e) => e.seq === read.seq)).toBe(true);
    expect(life.fault.cookie).toBe(read.cookie);

    const state = await w.service.getStateAt({ sessionId, seq: read.seq });
    expect(state.state.seq).toBe(read.seq);
    expect(state.state.totals.groupsRead).toBeGreaterThanOrEqual(1);

    const stats = await w.service.getStats({ sessionId });
    expect(stats.events).toBe(events.length);
    expect(stats.faults).toBe(1);
    const kinds: Record<string, number> = {};
    for (const e of events) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    expect(stats.kindCounts).toEqual(kinds);
  });

  it('limits statistics to a seq range: events in it, faults that start in it', async () => {
    const { w, sessionId } = await recordHappyPath();
    const events = await allEvents(w, sessionId);
    const firstFaultSeq = events.find((e) => e.kind === 'PR_SEND')!.seq;
    const before = await w.service.getStats({ sessionId, fromSeq: 0, toSeq: firstFaultSeq - 1 });
    expect(before.faults).toBe(0);
    expect(before.events).toBe(firstFaultSeq);
    const expected: Record<string, number> = {};
    for (const e of events.slice(0, firstFaultSeq)) expected[e.kind] = (expected[e.kind] ?? 0) + 1;
    expect(before.kindCounts).toEqual(expected);
    const after = await w.service.getStats({ sessionId, fromSeq: firstFaultSeq });
    expect(after.faults).toBe(1);
    expect(after.events).toBe(events.length - firstFaultSeq);
  });

  it('finds events by filter in both directions, matching a brute-force filter', async () => {
    const { w, sessionId } = await recordHappyPath();
    const events = await allEvents(w, sessionId);
    const reads = events.filter((e) => e.kind === 'FAULT_READ' || e.kind === 'RESPONSE_WRITE');
    const fwd = await w.service.findEvents({ sessionId, filter: { kinds: ['FAULT_READ', 'RESPONSE_WRITE'] }, fromSeq: 0, direction: 'forward', limit: 2 });
    expect(fwd.events.map((e) => e.seq)).toEqual(reads.slice(0, 2).map((e) => e.seq));
    expect(fwd.more).toBe(reads.length > 2);
    const last = events.length - 1;
    const back = await w.service.findEvents({ sessionId, filter: { kinds: ['FAULT_READ', 'RESPONSE_WRITE'] }, fromSeq: last, direction: 'backward', limit: 100 });
    expect(back.events.map((e) => e.seq)).toEqual(reads.map((e) => e.seq).reverse());
    expect(back.more).toBe(false);
    // fromSeq is inclusive.
    const at = await w.service.findEvents({ sessionId, filter: { kinds: ['FAULT_READ'] }, fromSeq: reads[0]!.seq, direction: 'forward', limit: 1 });
    expect(at.events[0]!.seq).toBe(reads[0]!.seq);

    // Text: a substring of the kind name, any case, or of the note.
    const text = await w.service.findEvents({ sessionId, filter: { text: 'fault_q' }, fromSeq: 0, direction: 'forward', limit: 1000 });
    expect(text.events.map((e) => e.seq)).toEqual(events.filter((e) => e.kind.toLowerCase().includes('fault_q') || (e.note ?? '').toLowerCase().includes('fault_q')).map((e) => e.seq));
    expect(text.events.length).toBeGreaterThan(0);
    const noted = events.find((e) => e.note)!;
    const word = noted.note!.slice(0, 12).toUpperCase();
    const byNote = await w.service.findEvents({ sessionId, filter: { text: word }, fromSeq: 0, direction: 'forward', limit: 1000 });
    expect(byNote.events.map((e) => e.seq)).toContain(noted.seq);
    // A LIKE wildcard in the text is literal.
    expect((await w.service.findEvents({ sessionId, filter: { text: '%' }, fromSeq: 0, direction: 'forward', limit: 10 })).events.every((e) => (e.note ?? '').includes('%'))).toBe(true);

    // Columns and layer, bounded by the tracks table; a device that never appears matches nothing.
    const dev = events.find((e) => e.dev !== null)!.dev!;
    const byDev = await w.service.findEvents({ sessionId, filter: { dev, layer: 'iommufd' }, fromSeq: 0, direction: 'forward', limit: 10_000 });
    expect(byDev.events.map((e) => e.seq)).toEqual(events.filter((e) => e.dev === dev && e.layer === 'iommufd').map((e) => e.seq));
    expect((await w.service.findEvents({ sessionId, filter: { dev: dev + 1 }, fromSeq: 0, direction: 'forward', limit: 10 })).events).toEqual([]);
    const absent = EVENT_KINDS.find((k) => !events.some((e) => e.kind === k))!;
    expect((await w.service.findEvents({ sessionId, filter: { kinds: [absent] }, fromSeq: 0, direction: 'forward', limit: 10 })).events).toEqual([]);
  });

  it('diffs two sessions by fault identity', async () => {
    const { w, sessionId: a } = await recordHappyPath();
    const b = (await w.service.runScenario({ scenarioId: 'happy-path', seed: 9 })).sessionId!;
    const d = await w.service.diffSessions({ a, b });
    expect(d).toMatchObject({ a, b, faultsA: 1, faultsB: 1, matched: 1, sameFaults: true });
    await expect(w.service.diffSessions({ a, b: 77 })).rejects.toThrow('no session 77');
  });
});

describe('WorkbenchService: scenarios', () => {
  it('lists built-ins, serves their source and the API typings', async () => {
    const w = testWorkbench();
    const ids = (await w.service.listScenarios()).map((s) => s.id);
    expect(ids).toContain('happy-path');
    expect(ids).toContain('declarative-happy-path');
    expect((await w.service.getScenarioSource('happy-path')).fileName).toBe('happy-path.ts');
    const types = await w.service.getScenarioTypes();
    expect(types.fileName).toBe('iopf.d.ts');
    expect(types.text).toBe(readFileSync(join(__dirname, '../../../resources/types/iopf.d.ts'), 'utf8'));
    await expect(w.service.getScenarioSource('no-such-thing')).rejects.toThrow(/no built-in scenario/);
  });

  it('writes, lists and reads workspace files next to the database', async () => {
    const w = testWorkbench();
    expect(await w.service.listScenarioFiles()).toEqual([]);
    const entry = await w.service.writeScenarioFile({ fileName: 'my-policy.ts', text: 'export default 1;\n' });
    expect(entry).toMatchObject({ name: 'my-policy.ts', bytes: 18 });
    expect(existsSync(join(w.dir, 'scenarios', 'my-policy.ts'))).toBe(true);
    await w.service.writeScenarioFile({ fileName: 'my-policy.ts', text: 'export default 2;\n' });
    writeFileSync(join(w.dir, 'scenarios', 'notes.txt'), 'not a scenario');
    expect((await w.service.listScenarioFiles()).map((f) => f.name)).toEqual(['my-policy.ts']);
    expect(await w.service.readScenarioFile('my-policy.ts')).toEqual({ fileName: 'my-policy.ts', text: 'export default 2;\n' });
    await expect(w.service.readScenarioFile('other.ts')).rejects.toThrow(/no scenario file "other.ts"/);
    await expect(w.service.readScenarioFile('../workbench.db')).rejects.toThrow(/not a scenario file name/);
  });

  it('checks a scenario without running it: syntax errors and forbidden imports on their lines', async () => {
    const w = testWorkbench();
    expect(await w.service.checkScenario(await w.service.getScenarioSource('happy-path'))).toEqual([]);
    const syntax = await w.service.checkScenario({ fileName: 'bad.ts', text: 'const a = 1;\nconst b = ;\n' });
    expect(syntax).toEqual([expect.objectContaining({ severity: 'error', source: 'compile', line: 2 })]);
    const imports = await w.service.checkScenario({ fileName: 'fs.ts', text: "// reads a file\nimport fs from 'fs';\nexport default fs;\n" });
    expect(imports[0]).toMatchObject({ source: 'compile', line: 2 });
    expect(imports[0]!.message).toMatch(/can import only 'iopf'/);
    const json = await w.service.checkScenario({ fileName: 'x.json', text: '{"name": ' });
    expect(json[0]).toMatchObject({ source: 'compile', line: null });
    expect(w.progress).toEqual([]);
    expect(await w.service.listSessions()).toEqual([]);
  });
});
