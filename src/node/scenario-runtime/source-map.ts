/**
 * Just enough of Source Map v3 to map a position in esbuild's output back to
 * the scenario source: decodes the `mappings` VLQ string once into per-line
 * segment arrays and answers "which original line:col is generated
 * line:col?". Lines are 1-based and columns 0-based, as in the spec.
 */

/** A position in a text file: 1-based line, 0-based column (UTF-16 code units). */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

/**
 * Decoded mappings: for each generated line (0-based index), a flat array of
 * [generatedColumn, originalLine (0-based), originalColumn] triples sorted by
 * generated column; originalLine is -1 for a segment that maps nothing or
 * points into another source than source 0 (esbuild transforms one file).
 */
export class SourceMapIndex {
  private readonly lines: Int32Array[];

  constructor(mappings: string) {
    this.lines = decodeMappings(mappings);
  }

  static fromJson(json: string): SourceMapIndex {
    const map = JSON.parse(json) as { mappings?: unknown };
    if (typeof map.mappings !== 'string') throw new Error('source map without mappings');
    return new SourceMapIndex(map.mappings);
  }

  /**
   * The original position of generated (line, column): the last segment on
   * that line at or before the column. Undefined when the line has no segment
   * at or before it (esbuild's helper prologue, the module-export glue).
   */
  originalFor(line: number, column: number): TextPosition | undefined {
    const segs = this.lines[line - 1];
    if (!segs || segs.length === 0) return undefined;
    let lo = 0;
    let hi = segs.length / 3 - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid * 3]! <= column) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // A segment that maps nothing (-1) ends the mapped range before it.
    if (found < 0 || segs[found * 3 + 1]! < 0) return undefined;
    return { line: segs[found * 3 + 1]! + 1, column: segs[found * 3 + 2]! };
  }
}

function decodeMappings(mappings: string): Int32Array[] {
  const out: Int32Array[] = [];
  let line: number[] = [];
  let srcIndex = 0;
  let origLine = 0;
  let origCol = 0;
  let i = 0;
  const fields = [0, 0, 0, 0, 0];
  while (i <= mappings.length) {
    const c = i < mappings.length ? mappings.charCodeAt(i) : 59; /* ';' ends the last line */
    if (c === 59 /* ; */) {
      out.push(Int32Array.from(line));
      line = [];
      i++;
      continue;
    }
    if (c === 44 /* , */) {
      i++;
      continue;
    }
    // One segment: 1, 4 or 5 VLQ fields. The generated column restarts on each line.
    let n = 0;
    while (i < mappings.length) {
      const ch = mappings.charCodeAt(i);
      if (ch === 44 || ch === 59) break;
      let value = 0;
      let shift = 0;
      for (;;) {
        const digit = B64_VALUE[mappings.charCodeAt(i++)] ?? -1;
        if (digit < 0) throw new Error(`invalid source map mappings at ${i - 1}`);
        value += (digit & 31) << shift;
        if ((digit & 32) === 0) break;
        shift += 5;
      }
      fields[n++] = value & 1 ? -(value >>> 1) : value >>> 1;
    }
    const genCol = (line.length > 0 ? line[line.length - 3]! : 0) + fields[0]!;
    if (n >= 4) {
      srcIndex += fields[1]!;
      origLine += fields[2]!;
      origCol += fields[3]!;
      if (srcIndex === 0) line.push(genCol, origLine, origCol);
      else line.push(genCol, -1, -1);
    }
    // A 1-field segment maps nothing; keep the column running for the next one.
    else line.push(genCol, -1, -1);
  }
  return out;
}

/** Start offset of every line of `text` (index 0 = line 1). */
export function lineStarts(text: string): Int32Array {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return Int32Array.from(starts);
}

/** Offset → 1-based line, 0-based column. */
export function positionOf(starts: Int32Array, offset: number): TextPosition {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! };
}

/** 1-based line, 0-based column → offset (clamped to the line). */
export function offsetOf(starts: Int32Array, line: number, column: number): number {
  const idx = Math.min(Math.max(line - 1, 0), starts.length - 1);
  return starts[idx]! + column;
}
