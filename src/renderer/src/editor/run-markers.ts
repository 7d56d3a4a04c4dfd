/**
 * Diagnostics of a run (compile and runtime errors, failed assertions,
 * invariant violations) as editor markers, and how they follow edits.
 * Pure: no Monaco import, so it is unit-tested under Node; the numbers below
 * are Monaco's MarkerSeverity values.
 */
import type { ScenarioDiagnostic } from '@shared/api/workbench';

/** The marker owner of run diagnostics (Monaco's own type errors use 'typescript'). */
export const RUN_MARKER_OWNER = 'iopf-run';

export const MARKER_SEVERITY = { warning: 4, error: 8 } as const;

/** Monaco's IMarkerData, the fields we fill. */
export interface RunMarkerData {
  readonly severity: number;
  readonly message: string;
  readonly source: string;
  readonly startLineNumber: number;
  readonly startColumn: number;
  readonly endLineNumber: number;
  readonly endColumn: number;
}

/** What the editor knows about its text, to keep markers inside it. */
export interface TextShape {
  readonly lineCount: number;
  /** Column just past the last character of `line` (Monaco's getLineMaxColumn). */
  maxColumn(line: number): number;
}

const SOURCE_LABEL: Record<ScenarioDiagnostic['source'], string> = {
  compile: 'compile error',
  runtime: 'runtime error',
  assertion: 'assertion failed',
  invariant: 'invariant violated',
};

const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/** True when the diagnostic names a place in the source. */
export function isPlaced(d: ScenarioDiagnostic): d is ScenarioDiagnostic & { line: number } {
  return d.line !== null && Number.isInteger(d.line) && d.line >= 1;
}

/**
 * One marker per placed diagnostic. Without an end the marker runs from the
 * column to the end of the line (or the whole line when the column is unknown),
 * so a thrown error underlines the statement that threw.
 */
export function diagnosticsToMarkers(diagnostics: readonly ScenarioDiagnostic[], text: TextShape): RunMarkerData[] {
  const out: RunMarkerData[] = [];
  for (const d of diagnostics) {
    if (!isPlaced(d) || text.lineCount < 1) continue;
    const startLine = clamp(d.line, 1, text.lineCount);
    const startMax = text.maxColumn(startLine);
    let startColumn = clamp(d.column ?? 1, 1, startMax);
    let endLine = clamp(d.endLine ?? startLine, startLine, text.lineCount);
    let endColumn = d.endLine !== undefined && d.endColumn !== undefined ? clamp(d.endColumn, 1, text.maxColumn(endLine)) : text.maxColumn(endLine);
    if (endLine === startLine && endColumn <= startColumn) {
      // An empty or inverted range would draw nothing: underline the whole line.
      startColumn = 1;
      endLine = startLine;
      endColumn = startMax;
    }
    out.push({
      severity: d.severity === 'warning' ? MARKER_SEVERITY.warning : MARKER_SEVERITY.error,
      message: d.seq !== undefined ? `${d.message} (event #${d.seq})` : d.message,
      source: SOURCE_LABEL[d.source],
      startLineNumber: startLine,
      startColumn,
      endLineNumber: endLine,
      endColumn,
    });
  }
  return out;
}

/** One replaced range of an edit, in the coordinates before the edit (Monaco's IModelContentChange). */
export interface TextEdit {
  readonly startLineNumber: number;
  readonly endLineNumber: number;
  /** The inserted text. */
  readonly text: string;
}

const newlines = (s: string): number => {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
};

function lastLineOf(d: ScenarioDiagnostic & { line: number }): number {
  return Math.max(d.line, d.endLine ?? d.line);
}

/**
 * Run diagnostics after an edit: one whose lines the edit touched is dropped
 * (the text it spoke of is gone), one below the edit moves with its line, one
 * above stays. Unplaced diagnostics are kept. Edits are in pre-edit
 * coordinates, so they are applied from the bottom up.
 */
export function diagnosticsAfterEdit(diagnostics: readonly ScenarioDiagnostic[], edits: readonly TextEdit[]): ScenarioDiagnostic[] {
  let current = diagnostics.slice();
  const bottomUp = edits.slice().sort((a, b) => b.startLineNumber - a.startLineNumber);
  for (const e of bottomUp) {
    const delta = newlines(e.text) - (e.endLineNumber - e.startLineNumber);
    const next: ScenarioDiagnostic[] = [];
    for (const d of current) {
      if (!isPlaced(d)) {
        next.push(d);
        continue;
      }
      const first = d.line;
      const last = lastLineOf(d);
      if (last < e.startLineNumber) next.push(d);
      else if (first > e.endLineNumber) {
        next.push({ ...d, line: first + delta, ...(d.endLine !== undefined ? { endLine: d.endLine + delta } : {}) });
      }
      // else: the edit touched its lines; it is dropped.
    }
    current = next;
  }
  return current;
}
