import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JobProgress } from '../../shared/api/workbench';
import { manyFaultsSource, useTempDatabases } from '../recorder/testing/fixtures';
import { LONG_SCENARIO, testWorkbench, useTestWorkbenches, type TestWorkbench } from './testing';

useTempDatabases();
useTestWorkbenches();

const until = async (what: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

const of = (w: TestWorkbench, jobId: string): JobProgress[] => w.progress.filter((p) => p.jobId === jobId);

/** Uploads a file in chunks of `chunk` bytes. */
async function upload(w: TestWorkbench, fileName: string, bytes: Buffer, chunk = 64 * 1024): Promise<string> {
  const { uploadId } = await w.service.beginUpload({ fileName, bytes: bytes.length });
  for (let at = 0; at < bytes.length; at += chunk) {
    await w.service.uploadChunk({ uploadId, offset: at, data: bytes.subarray(at, at + chunk).toString('base64') });
  }
  return uploadId;
}

describe('WorkbenchService: runs', () => {
  it('records a declarative scenario on a job worker, with progress', async () => {
    const w = testWorkbench();
    const r = await w.service.runScenario({ scenarioId: 'declarative-happy-path', jobId: 'json-1' });
    expect(r.error).toBeNull();
    expect(r.cancelled).toBe(false);
    const s = await w.service.getSession(r.sessionId!);
    expect(s).toMatchObject({ status: 'complete', scenarioFormat: 'json', eventCount: r.eventCount });
    const p = of(w, 'json-1');
    expect(p[0]).toMatchObject({ kind: 'run', finished: false });
    expect(p.filter((x) => x.finished)).toEqual([expect.objectContaining({ phase: 'done' })]);
    expect(w.changes()).toBe(1);
  });

  it('resolves script errors with diagnostics on their lines: compile, runtime, assertion', async () => {
    const w = testWorkbench();
    const compile = await w.service.runScenario({ source: { fileName: 'bad.ts', text: "import { scenario } from 'iopf';\nconst x = ;\n" } });
    expect(compile).toMatchObject({ sessionId: null, cancelled: false });
    expect(compile.error).toMatch(/^bad\.ts:2:/);
    expect(compile.diagnostics).toEqual([expect.objectContaining({ source: 'compile', line: 2 })]);

    const happy = (await w.service.getScenarioSource('happy-path')).text;
    const throwing = happy.replace('async workload() {', "async workload() {\n    throw new Error('boom');");
    const line = throwing.split('\n').findIndex((l) => l.includes("throw new Error('boom')")) + 1;
    const runtime = await w.service.runScenario({ source: { fileName: 'throws.ts', text: throwing } });
    expect(runtime.error).toContain('boom');
    expect(runtime.diagnostics).toContainEqual(expect.objectContaining({ source: 'runtime', line }));
    expect((await w.service.getSession(runtime.sessionId!)).status).toBe('aborted');

    const failing = happy.replace("expect(eventCount('FAULT_READ')).toBe(2,", "expect(eventCount('FAULT_READ')).toBe(3,");
    const failLine = failing.split('\n').findIndex((l) => l.includes('toBe(3,')) + 1;
    const assertion = await w.service.runScenario({ source: { fileName: 'fails.ts', text: failing } });
    expect(assertion).toMatchObject({ error: null, failed: 1 });
    const d = assertion.diagnostics.find((x) => x.source === 'assertion')!;
    expect(d.line).toBe(failLine);
    expect(d.message).toContain('two fault records were read');
    const ev = await w.service.getEventDetail({ sessionId: assertion.sessionId!, seq: d.seq! });
    expect(ev.event.kind).toBe('ASSERT_FAIL');

    const json = await w.service.runScenario({ source: { fileName: 'bad.json', text: '{"name": 1}' } });
    expect(json).toMatchObject({ sessionId: null, cancelled: false });
    expect(json.diagnostics[0]).toMatchObject({ source: 'compile', line: null });
  });

  it('cancels a running TypeScript scenario: the session stays, marked aborted, with its events', async () => {
    const w = testWorkbench();
    const run = w.service.runScenario({ jobId: 'long', source: { fileName: 'long.ts', text: LONG_SCENARIO } });
    await until(() => of(w, 'long').some((p) => p.phase === 'running' && p.done > 0));
    expect(await w.service.cancelJob('long')).toBe(true);
    const r = await run;
    expect(r).toMatchObject({ cancelled: true, error: 'the run was cancelled' });
    expect(r.sessionId).not.toBeNull();
    const s = await w.service.getSession(r.sessionId!);
    expect(s.status).toBe('aborted');
    expect(of(w, 'long').at(-1)).toMatchObject({ finished: true, phase: 'cancelled' });
    expect(await w.service.cancelJob('long')).toBe(false);
    // Progress stays within about ten messages a second.
    const p = of(w, 'long');
    expect(p.length).toBeLessThan(20 * Math.max(1, r.eventCount / 1e5) + 20);
  });

  it('cancels a declarative run on its worker and marks its session aborted', async () => {
    const w = testWorkbench();
    const run = w.service.runScenario({ jobId: 'big-json', source: { fileName: 'many.json', text: manyFaultsSource({ accesses: 20_000 }) } });
    await until(() => of(w, 'big-json').some((p) => p.done > 0));
    expect(await w.service.cancelJob('big-json')).toBe(true);
    const r = await run;
    expect(r.cancelled).toBe(true);
    expect(r.sessionId).not.toBeNull();
    expect((await w.service.getSession(r.sessionId!)).status).toBe('aborted');
    // The host's connection still writes (the worker's transaction is gone with it).
    await w.service.renameSession({ sessionId: r.sessionId!, name: 'cut short' });
  });

  it('refuses a second job with the same id while the first runs', async () => {
    const w = testWorkbench();
    const run = w.service.runScenario({ jobId: 'twice', source: { fileName: 'long.ts', text: LONG_SCENARIO } });
    await until(() => of(w, 'twice').length > 0);
    await expect(w.service.runScenario({ jobId: 'twice', scenarioId: 'happy-path' })).rejects.toThrow(/already running/);
    await w.service.cancelJob('twice');
    await run;
  });
});

describe('WorkbenchService: export, upload, import, verify', () => {
  it('round-trips a session: export iopftrace, upload in chunks, import, same events', async () => {
    const w = testWorkbench();
    const a = (await w.service.runScenario({ scenarioId: 'happy-path' })).sessionId!;
    await w.service.addNote({ sessionId: a, seq: 3, text: 'kept' });
    const f = await w.service.exportSession({ sessionId: a, format: 'iopftrace', jobId: 'exp' });
    expect(f).toMatchObject({ sessionId: a, format: 'iopftrace', fileName: `happy-path-${a}.iopftrace`, downloadUrl: `/exports/happy-path-${a}.iopftrace` });
    expect(f.path.startsWith(w.service.exportsDir)).toBe(true);
    const bytes = readFileSync(f.path);
    expect(f.bytes).toBe(bytes.length);
    expect(of(w, 'exp').at(-1)).toMatchObject({ kind: 'export', finished: true });

    const before = w.changes();
    const uploadId = await upload(w, 'my trace (1).iopftrace', bytes, 1000);
    const imported = await w.service.importTrace({ uploadId, jobId: 'imp' });
    expect(imported).toMatchObject({ format: 'iopftrace', events: f.events });
    expect(w.changes()).toBe(before + 1);
    expect(of(w, 'imp').at(-1)).toMatchObject({ kind: 'import', finished: true });
    const ea = await w.service.getEvents({ sessionId: a, fromSeq: 0, limit: 100_000 });
    const eb = await w.service.getEvents({ sessionId: imported.sessionId, fromSeq: 0, limit: 100_000 });
    expect(eb.events).toEqual(ea.events);
    expect((await w.service.listNotes(imported.sessionId)).map((n) => n.text)).toEqual(['kept']);
    expect((await w.service.getSession(imported.sessionId)).importedFrom).toBe('my_trace__1_.iopftrace');
    // The upload is gone once imported.
    await expect(w.service.importTrace({ uploadId })).rejects.toThrow(/no upload/);
  });

  it('exports pftrace and Chrome JSON; Electron gets no download URL', async () => {
    const w = testWorkbench('electron');
    const a = (await w.service.runScenario({ scenarioId: 'happy-path' })).sessionId!;
    const p = await w.service.exportSession({ sessionId: a, format: 'pftrace' });
    const c = await w.service.exportSession({ sessionId: a, format: 'chrome' });
    expect(p.downloadUrl).toBeNull();
    expect(p.fileName.endsWith('.pftrace')).toBe(true);
    expect(JSON.parse(readFileSync(c.path, 'utf8'))).toBeTruthy();
    await expect(w.service.exportSession({ sessionId: 42, format: 'chrome' })).rejects.toThrow('no session 42');
  });

  it('refuses hostile uploads: unknown id, wrong offset, past the announced size, incomplete import', async () => {
    const w = testWorkbench();
    await expect(w.service.uploadChunk({ uploadId: 'nope', offset: 0, data: 'AAAA' })).rejects.toThrow(/no upload "nope"/);
    const { uploadId } = await w.service.beginUpload({ fileName: '../../etc/passwd', bytes: 6 });
    await expect(w.service.uploadChunk({ uploadId, offset: 3, data: 'AAAA' })).rejects.toThrow(/expected the chunk at offset 0/);
    await w.service.uploadChunk({ uploadId, offset: 0, data: 'AAAA' });
    await expect(w.service.uploadChunk({ uploadId, offset: 3, data: 'AAAAAAAA' })).rejects.toThrow(/past the announced size of 6/);
    await expect(w.service.importTrace({ uploadId })).rejects.toThrow(/incomplete: 3 of 6/);
    // Not a trace: the import fails and leaves no session.
    const bad = await upload(w, 'junk.bin', Buffer.from('hello world'));
    await expect(w.service.importTrace({ uploadId: bad })).rejects.toThrow(/unknown file format/);
    expect(await w.service.listSessions()).toEqual([]);
  });

  it('names a refused upload by the user file name, never by its temporary path', async () => {
    const w = testWorkbench();
    const bad = await upload(w, 'my junk (2).bin', Buffer.from('hello world'));
    const folder = (w.service as unknown as { uploads: { folder: string } }).uploads.folder;
    const refusal = await w.service.importTrace({ uploadId: bad }).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(refusal).toMatch(/^my junk \(2\)\.bin: unknown file format/);
    expect(refusal).not.toContain(folder);
    expect(refusal).not.toContain('iopf-uploads-');
  });

  it('cancels an import and leaves nothing behind', async () => {
    const w = testWorkbench();
    const a = (await w.service.runScenario({ source: { fileName: 'many.json', text: manyFaultsSource({ accesses: 6000 }) } })).sessionId!;
    const f = await w.service.exportSession({ sessionId: a, format: 'iopftrace' });
    const uploadId = await upload(w, 'many.iopftrace', readFileSync(f.path), 512 * 1024);
    const folder = (w.service as unknown as { uploads: { folder: string } }).uploads.folder;
    const importing = w.service.importTrace({ uploadId, jobId: 'imp-big' });
    await until(() => of(w, 'imp-big').some((p) => p.done > 0));
    expect(await w.service.cancelJob('imp-big')).toBe(true);
    await expect(importing).rejects.toThrow(/cancelled/);
    expect((await w.service.listSessions()).map((s) => s.id)).toEqual([a]);
    expect(of(w, 'imp-big').at(-1)).toMatchObject({ finished: true, phase: 'cancelled' });
    expect(existsSync(`${folder}/${uploadId}`)).toBe(false);
    // Nothing holds the write lock: the host writes at once.
    await w.service.renameSession({ sessionId: a, name: 'still writable' });
  });

  it('verifies a replay on a job worker; an imported TypeScript session needs trust', async () => {
    const w = testWorkbench();
    const a = (await w.service.runScenario({ scenarioId: 'happy-path' })).sessionId!;
    const v = await w.service.verifyReplay({ sessionId: a, trust: false, jobId: 'ver' });
    expect(v).toMatchObject({ sessionId: a, identical: true, sourceHashMatches: true, divergence: null });
    expect(v.compared).toBe(v.recordedEvents);
    expect(of(w, 'ver').at(-1)).toMatchObject({ kind: 'verify', finished: true });
    const f = await w.service.exportSession({ sessionId: a, format: 'iopftrace' });
    const b = (await w.service.importTrace({ uploadId: await upload(w, 'x.iopftrace', readFileSync(f.path)) })).sessionId;
    await expect(w.service.verifyReplay({ sessionId: b, trust: false })).rejects.toThrow(/did not come from you/);
    expect((await w.service.verifyReplay({ sessionId: b, trust: true })).identical).toBe(true);
  });

  it('removes the upload folder when disposed', async () => {
    const w = testWorkbench();
    await w.service.beginUpload({ fileName: 'half.iopftrace', bytes: 100 });
    const folder = (w.service as unknown as { uploads: { folder: string } }).uploads.folder;
    expect(existsSync(folder)).toBe(true);
    w.service.dispose();
    expect(existsSync(folder)).toBe(false);
  });
});
