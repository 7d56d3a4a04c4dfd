import { describe, expect, it } from 'vitest';
import { defaultDiffPair } from './diff-pair';
import { formatBytes, formatCode, formatFaultIdentity } from './format';
import { traceFileProblem } from './trace-file-check';
import { replayNeedsTrust } from './trust';

describe('traceFileProblem', () => {
  it('accepts .iopftrace and .json files of any case', () => {
    expect(traceFileProblem({ name: 'run.iopftrace', size: 10 })).toBeNull();
    expect(traceFileProblem({ name: 'TRACE.JSON', size: 10 })).toBeNull();
  });

  it('refuses other names and empty files, naming the file', () => {
    expect(traceFileProblem({ name: 'run.pftrace', size: 10 })).toMatch(/^run\.pftrace: not a trace file/);
    expect(traceFileProblem({ name: 'notes.txt', size: 10 })).toMatch(/notes\.txt/);
    expect(traceFileProblem({ name: 'x.json', size: 0 })).toBe('x.json: the file is empty');
  });
});

describe('replayNeedsTrust', () => {
  it('asks only for imported sessions whose scenario is code', () => {
    expect(replayNeedsTrust({ importedFrom: 'a.iopftrace', scenarioFormat: 'ts' })).toBe(true);
    expect(replayNeedsTrust({ importedFrom: 'a.iopftrace', scenarioFormat: 'json' })).toBe(false);
    expect(replayNeedsTrust({ importedFrom: null, scenarioFormat: 'ts' })).toBe(false);
    // An unknown format is treated as code.
    expect(replayNeedsTrust({ importedFrom: 'a.json', scenarioFormat: 'lua' })).toBe(true);
  });
});

describe('defaultDiffPair', () => {
  const list = [{ id: 3 }, { id: 1 }, { id: 7 }];

  it('compares the selected session against the one recorded before it', () => {
    expect(defaultDiffPair(list, 7)).toEqual({ a: 3, b: 7 });
    expect(defaultDiffPair(list, 3)).toEqual({ a: 1, b: 3 });
  });

  it('uses the next one when the selected is the oldest, the newest when nothing is selected', () => {
    expect(defaultDiffPair(list, 1)).toEqual({ a: 3, b: 1 });
    expect(defaultDiffPair(list, null)).toEqual({ a: 3, b: 7 });
    expect(defaultDiffPair(list, 99)).toEqual({ a: 3, b: 7 });
  });

  it('leaves A empty with a single session and both empty with none', () => {
    expect(defaultDiffPair([{ id: 4 }], 4)).toEqual({ a: null, b: 4 });
    expect(defaultDiffPair([], null)).toEqual({ a: null, b: null });
  });
});

describe('labels', () => {
  it('formats sizes in binary units', () => {
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(4096)).toBe('4.0 KiB');
    expect(formatBytes(12.5 * 1024 * 1024)).toBe('12.5 MiB');
  });

  it('names response codes and the lack of one', () => {
    expect(formatCode(0)).toBe('SUCCESS');
    expect(formatCode(1)).toBe('INVALID');
    expect(formatCode(null)).toBe('no response');
  });

  it('names a fault by requester ID, PASID, PRG, address and permissions', () => {
    const rid = (0x03 << 8) | (0x00 << 3) | 0; // 03:00.0
    expect(formatFaultIdentity({ dev: rid, pasid: 1, grpid: 5, addr: '0xdeadb000', perm: 3, occurrence: 0 })).toBe(
      '03:00.0 · PASID 1 · PRG 5 · 0xdeadb000 · READ|WRITE',
    );
    expect(formatFaultIdentity({ dev: (0x81 << 8) | (0x1f << 3) | 7, pasid: null, grpid: 0, addr: null, perm: null, occurrence: 2 })).toBe(
      '81:1f.7 · no PASID · PRG 0 · #2',
    );
  });
});
