/**
 * Maps positions in the code the sandbox runs back to the scenario source:
 * V8 stack position (wrapped, instrumented JS) → instrumented JS → esbuild's
 * output (undoing the instrumentation edits) → scenario TypeScript (esbuild's
 * source map). Built from a PreparedScript on both sides of the worker.
 */
import type { GuardSite } from './instrument';
import { lineStarts, offsetOf, positionOf, SourceMapIndex } from './source-map';

/** The file name the sandbox compiles the script under; stack frames carrying it are the scenario's. */
export const SCRIPT_MARKER = '__iopf_scenario__.js';
/** Lines the sandbox wrapper puts before the instrumented code. */
export const WRAPPER_LINES = 1;

/** The serialisable part of a prepared script that position mapping needs. */
export interface PositionData {
  readonly filename: string;
  /** esbuild's output. */
  readonly js: string;
  /** esbuild's source map (JSON). */
  readonly map: string;
  /** Instrumented code (without the wrapper). */
  readonly instrumented: string;
  readonly edits: readonly number[];
  readonly guards: readonly (GuardSite | null)[];
}

export interface ScenarioPosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

interface FramePosition extends ScenarioPosition {
  /** The frame was in code the instrumentation inserted (a guard call): its position is the insertion point. */
  readonly inserted: boolean;
}

export interface MappedStack {
  /** The first scenario frame, if any. */
  readonly top?: ScenarioPosition;
  /** `    at name (file:line:col)` for every scenario frame. */
  readonly frames: string[];
}

const FRAME_RE = new RegExp(`^\\s*at (?:(.*?) \\()?${SCRIPT_MARKER.replace(/\./g, '\\.')}:(\\d+):(\\d+)\\)?$`);

export class ScriptPositions {
  private readonly index: SourceMapIndex;
  private readonly jsLines: Int32Array;
  private readonly instrumentedLines: Int32Array;

  constructor(private readonly data: PositionData) {
    this.index = SourceMapIndex.fromJson(data.map);
    this.jsLines = lineStarts(data.js);
    this.instrumentedLines = lineStarts(data.instrumented);
  }

  get filename(): string {
    return this.data.filename;
  }

  /** The loop or function a guard id stands for. */
  guard(id: number): GuardSite | undefined {
    return this.data.guards[id] ?? undefined;
  }

  /** A V8 stack position (1-based line and column in the compiled script) in the scenario source. */
  fromStack(line: number, column: number): FramePosition | undefined {
    const codeLine = line - WRAPPER_LINES;
    if (codeLine < 1) return undefined;
    const instrumentedOffset = offsetOf(this.instrumentedLines, codeLine, column - 1);
    const js = originalOffset(this.data.edits, instrumentedOffset);
    const p = positionOf(this.jsLines, js.offset);
    const o = this.index.originalFor(p.line, p.column);
    return o ? { line: o.line, column: o.column + 1, inserted: js.inserted } : undefined;
  }

  /**
   * The scenario frames of a V8 stack, mapped to the source. `top` is the
   * first frame in the scenario's own code: a frame stopped in a guard call
   * (a stack overflow on function entry) yields to its caller, the call site.
   */
  mapStack(stack: string | undefined): MappedStack {
    const frames: string[] = [];
    let top: ScenarioPosition | undefined;
    let firstInserted: ScenarioPosition | undefined;
    for (const text of (stack ?? '').split('\n')) {
      const m = FRAME_RE.exec(text);
      if (!m) continue;
      const p = this.fromStack(Number(m[2]), Number(m[3]));
      if (!p) continue;
      if (p.inserted) firstInserted ??= { line: p.line, column: p.column };
      else top ??= { line: p.line, column: p.column };
      const where = `${this.data.filename}:${p.line}:${p.column}`;
      const name = m[1] ? cleanName(m[1]) : '';
      frames.push(name ? `    at ${name} (${where})` : `    at ${where}`);
    }
    top ??= firstInserted;
    return top ? { top, frames } : { frames };
  }
}

/** V8 prefixes a method with its receiver's class (`Object.main`); show the scenario's own names only. */
function cleanName(name: string): string {
  if (name === 'Object.<anonymous>' || name === '<anonymous>') return '';
  return name.replace(/^(?:async )?Object\./, (m) => (m.startsWith('async ') ? 'async ' : ''));
}

/**
 * Maps an offset in instrumented code back to esbuild's output. Inserted text
 * maps to where it was inserted, flagged `inserted` (a guard call, not code the
 * scenario wrote).
 */
export function originalOffset(edits: readonly number[], offset: number): { offset: number; inserted: boolean } {
  let shift = 0;
  for (let i = 0; i < edits.length; i += 3) {
    const start = edits[i]!;
    const end = edits[i + 1]!;
    const len = edits[i + 2]!;
    if (offset < start + shift) break;
    if (offset < start + shift + len) return { offset: start, inserted: end === start };
    shift += len - (end - start);
  }
  return { offset: offset - shift, inserted: false };
}
