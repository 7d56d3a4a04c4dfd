/**
 * Problems of a scenario placed on its lines, for the editor's gutter:
 * compile and runtime errors come from the runtime's ScriptError (already
 * source-mapped, with a kind), failed assertions and invariant violations from
 * the recorded ASSERT_FAIL / INVARIANT_VIOLATION events, placed on the
 * scenario line the recorder stored with them (`events.line`, null when the
 * engine did not know it or the session predates schema v3).
 */
import { kindCode } from '../../shared/events';
import type { ScenarioDiagnostic } from '../../shared/api/workbench';
import type { SqlDatabase } from '../db/sql-database';
import { readIndexInfo } from '../analysis/session-index';
import type { ScriptError } from '../scenario-runtime/errors';

/** At most this many assertion/violation diagnostics per run (the gutter cannot show more). */
export const MAX_EVENT_DIAGNOSTICS = 500;

const COMPILE_KINDS: ReadonlySet<ScriptError['kind']> = new Set(['syntax', 'type']);

export function scriptErrorDiagnostic(e: ScriptError): ScenarioDiagnostic {
  return {
    severity: 'error',
    source: COMPILE_KINDS.has(e.kind) ? 'compile' : 'runtime',
    message: e.message,
    line: e.line > 0 ? e.line : null,
    column: e.line > 0 && e.column > 0 ? e.column : null,
  };
}

/** A declarative (JSON) scenario the engine refused: the message names the field, not a line. */
export function specErrorDiagnostic(message: string): ScenarioDiagnostic {
  return { severity: 'error', source: 'compile', message, line: null, column: null };
}

/**
 * Failed assertions and invariant violations of a recorded session. A stopped
 * session's kind counts say whether there are any, so a clean run costs no
 * scan; otherwise one walk of the session's key range picks them out.
 */
export function runEventDiagnostics(db: SqlDatabase, sessionId: number): ScenarioDiagnostic[] {
  const info = readIndexInfo(db, sessionId);
  if (info && !info.kindCounts.ASSERT_FAIL && !info.kindCounts.INVARIANT_VIOLATION) return [];
  const assertFail = kindCode('ASSERT_FAIL');
  const rows = db
    .prepare(`SELECT seq, kind, note, line FROM events WHERE session_id = ? AND kind IN (?, ?) ORDER BY seq LIMIT ?`)
    .all(sessionId, assertFail, kindCode('INVARIANT_VIOLATION'), MAX_EVENT_DIAGNOSTICS);
  return rows.map((r) => {
    const assertion = Number(r.kind) === assertFail;
    const at = r.line === null || r.line === undefined ? null : Number(r.line);
    const note = r.note === null || r.note === undefined ? '' : String(r.note);
    return {
      severity: 'error',
      source: assertion ? 'assertion' : 'invariant',
      message: assertion ? `assertion failed${note ? `: ${note}` : ''}` : `invariant violated${note ? `: ${note}` : ''}`,
      line: at !== null && at > 0 ? at : null,
      column: null,
      seq: Number(r.seq),
    } satisfies ScenarioDiagnostic;
  });
}
