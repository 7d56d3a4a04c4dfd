import { describe, expect, it } from 'vitest';
import type { ScenarioDiagnostic } from '@shared/api/workbench';
import { diagnosticsAfterEdit, diagnosticsToMarkers, MARKER_SEVERITY, type TextShape } from './run-markers';

const diag = (line: number | null, overrides: Partial<ScenarioDiagnostic> = {}): ScenarioDiagnostic => ({
  severity: 'error',
  source: 'runtime',
  message: `problem at ${line}`,
  line,
  column: null,
  ...overrides,
});

/** A text of `lines` lines, each `width` characters long. */
const shape = (lines: number, width = 20): TextShape => ({ lineCount: lines, maxColumn: () => width + 1 });

describe('diagnosticsToMarkers', () => {
  it('underlines the whole line when only the line is known', () => {
    const [m] = diagnosticsToMarkers([diag(3)], shape(10));
    expect(m).toMatchObject({ startLineNumber: 3, startColumn: 1, endLineNumber: 3, endColumn: 21, severity: MARKER_SEVERITY.error, source: 'runtime error' });
  });

  it('starts at the column and keeps an explicit end', () => {
    const [a, b] = diagnosticsToMarkers([diag(2, { column: 5 }), diag(4, { column: 3, endLine: 5, endColumn: 7, severity: 'warning', source: 'assertion' })], shape(10));
    expect(a).toMatchObject({ startLineNumber: 2, startColumn: 5, endLineNumber: 2, endColumn: 21 });
    expect(b).toMatchObject({ startLineNumber: 4, startColumn: 3, endLineNumber: 5, endColumn: 7, severity: MARKER_SEVERITY.warning, source: 'assertion failed' });
  });

  it('skips diagnostics without a line and clamps ones past the end of the text', () => {
    const markers = diagnosticsToMarkers([diag(null, { source: 'invariant' }), diag(99, { column: 50 })], shape(6, 10));
    expect(markers).toHaveLength(1);
    expect(markers[0]).toMatchObject({ startLineNumber: 6, startColumn: 1, endLineNumber: 6, endColumn: 11 });
  });

  it('names the event that reported it', () => {
    expect(diagnosticsToMarkers([diag(1, { seq: 42, message: 'expected 2' })], shape(2))[0]!.message).toBe('expected 2 (event #42)');
  });
});

describe('diagnosticsAfterEdit', () => {
  const three = [diag(2), diag(5), diag(9), diag(null)];

  it('drops the diagnostic whose line was edited and keeps the rest in place', () => {
    const after = diagnosticsAfterEdit(three, [{ startLineNumber: 5, endLineNumber: 5, text: 'x' }]);
    expect(after.map((d) => d.line)).toEqual([2, 9, null]);
  });

  it('moves diagnostics below an edit that adds or removes lines', () => {
    const added = diagnosticsAfterEdit(three, [{ startLineNumber: 3, endLineNumber: 3, text: 'a\nb\n' }]);
    expect(added.map((d) => d.line)).toEqual([2, 7, 11, null]);
    const removed = diagnosticsAfterEdit(three, [{ startLineNumber: 6, endLineNumber: 8, text: '' }]);
    expect(removed.map((d) => d.line)).toEqual([2, 5, 7, null]);
  });

  it('applies several edits of one change from the bottom up', () => {
    const after = diagnosticsAfterEdit(three, [
      { startLineNumber: 1, endLineNumber: 1, text: 'new\n' },
      { startLineNumber: 7, endLineNumber: 7, text: 'x\ny\nz\n' },
    ]);
    expect(after.map((d) => d.line)).toEqual([3, 6, 13, null]);
  });

  it('drops a multi-line diagnostic when any of its lines is touched', () => {
    const after = diagnosticsAfterEdit([diag(4, { endLine: 6, endColumn: 2 })], [{ startLineNumber: 6, endLineNumber: 6, text: '' }]);
    expect(after).toEqual([]);
  });
});
