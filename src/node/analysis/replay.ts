/**
 * Verified replay: re-runs a session's recorded scenario source with its
 * recorded seed and kernel profile and compares the new stream with the
 * recorded rows, event by event and column by column (raw bytes included).
 * The comparison streams for both formats: a JSON scenario runs here and
 * each event is compared as it is emitted; a TypeScript scenario runs in the
 * sandboxed worker, which posts its events in packed batches and waits while
 * a few are not yet compared. Recorded rows are read a page at a time, and the
 * run stops at the first divergence, so memory stays constant however long
 * the session is.
 */
import { createHash } from 'node:crypto';
import { runScenario } from '../../core/engine/run-scenario';
import type { TraceSink } from '../../core/trace/sink';
import { toEventRow, type EventRow, type TraceEvent } from '../../shared/events';
import type { SqlDatabase, SqlValue } from '../db/sql-database';
import { EVENT_SELECT, PAGE_ROWS, valuesToEvent } from '../recorder/event-rows';
import { parseScenarioSource, yieldToScript } from '../recorder/record-run';
import { formatScriptError } from '../scenario-runtime/errors';
import { PackedEventReader } from '../scenario-runtime/event-stream';
import { runScenarioScript } from '../scenario-runtime/run-scenario-script';
import type { VendorId } from '../../core/scenario/script-host';
import { SessionStore } from '../recorder/session-store';
import type { KernelProfileId } from '../../shared/uapi/profiles';
import type { ReplayDivergence, ReplayVerification } from '../../shared/api/analysis';
export type { ReplayDivergence, ReplayVerification };

export const COMPARED_FIELDS = ['seq', 't', 'kind', 'layer', 'dev', 'pasid', 'grpid', 'cookie', 'addr', 'perm', 'code', 'errno', 'parent', 'raw', 'note', 'line', 'iommu'] as const;

/**
 * Columns added in schema v3: rows recorded before it (migrated databases,
 * version 1 .iopftrace files) hold NULL there, so a recorded NULL accepts any
 * replayed value; a recorded value must be replayed exactly.
 */
const ADDED_IN_V3: ReadonlySet<string> = new Set(['line', 'iommu']);

export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}

/** The replay was cancelled through its signal before it finished. */
export class ReplayCancelledError extends ReplayError {
  constructor(sessionId: number) {
    super(`session ${sessionId}: the replay was cancelled`);
  }
}

/** Thrown inside the JSON engine's run to stop it (diverged or cancelled). */
class StopRun extends Error {}

const show = (v: unknown): string => (v === null ? 'null' : v === undefined ? '(none)' : String(v));

/** A session's recorded rows in seq order, read a page at a time. */
class RecordedRows {
  private readonly page;
  private rows: SqlValue[][] = [];
  private at = 0;
  private nextSeq = 0;
  private ended = false;

  constructor(
    db: SqlDatabase,
    private readonly sessionId: number,
  ) {
    this.page = db.prepare(`SELECT ${EVENT_SELECT} FROM events WHERE session_id = ? AND seq >= ? ORDER BY seq LIMIT ${PAGE_ROWS}`);
  }

  /** Rows in memory: the current page. */
  get held(): number {
    return this.rows.length;
  }

  next(): EventRow | undefined {
    if (this.at === this.rows.length) {
      if (this.ended) return undefined;
      this.rows = this.page.values(this.sessionId, this.nextSeq);
      this.at = 0;
      if (this.rows.length < PAGE_ROWS) this.ended = true;
      if (this.rows.length === 0) return undefined;
      this.nextSeq = Number(this.rows[this.rows.length - 1]![0]) + 1;
    }
    return valuesToEvent(this.rows[this.at++]!);
  }
}

/**
 * Compares replayed events with the recorded rows, in order, until the first
 * difference. Keeps count of the events it holds in memory at once (replayed
 * ones not compared yet and the recorded page), for the high-water mark.
 */
export class ReplayComparer {
  compared = 0;
  divergence: ReplayDivergence | null = null;
  /** Most events held in memory at once during the comparison. */
  heldHighWater = 0;
  private readonly recorded: RecordedRows;

  constructor(db: SqlDatabase, sessionId: number) {
    this.recorded = new RecordedRows(db, sessionId);
  }

  /** Notes that `replayedHeld` replayed events are in memory now, besides the recorded page. */
  noteHeld(replayedHeld: number): void {
    const held = replayedHeld + this.recorded.held;
    if (held > this.heldHighWater) this.heldHighWater = held;
  }

  /** False at the first difference (then `divergence` says where). */
  compare(replayed: EventRow): boolean {
    if (this.divergence) return false;
    const rec = this.recorded.next();
    if (!rec) {
      this.divergence = { seq: replayed.seq, kind: replayed.kind, field: 'event', recorded: '(none: the recording ends here)', replayed: replayed.kind };
      return false;
    }
    for (const f of COMPARED_FIELDS) {
      if (rec[f] !== replayed[f] && !(rec[f] === null && ADDED_IN_V3.has(f))) {
        this.divergence = { seq: rec.seq, kind: rec.kind, field: f, recorded: show(rec[f]), replayed: show(replayed[f]) };
        return false;
      }
    }
    this.compared++;
    return true;
  }

  /** The replay ended (`why`: how, when it failed): the recording must not hold more events. */
  finish(why?: string): void {
    if (this.divergence) return;
    const extra = this.recorded.next();
    if (extra) this.divergence = { seq: extra.seq, kind: extra.kind, field: 'event', recorded: extra.kind, replayed: why ? `(none: the replay ended: ${why})` : '(none: the replay ended)' };
  }
}

/** Compares each emitted event as the JSON engine emits it. */
class ComparingSink implements TraceSink {
  constructor(
    private readonly comparer: ReplayComparer,
    private readonly progress: (compared: number) => void,
    private readonly signal: AbortSignal | undefined,
  ) {}

  emit(event: TraceEvent): void {
    if (this.signal?.aborted) throw new StopRun();
    this.comparer.noteHeld(1);
    if (!this.comparer.compare(toEventRow(event))) throw new StopRun();
    if ((this.comparer.compared & 1023) === 0) this.progress(this.comparer.compared);
  }
}

const VENDORS: readonly string[] = ['vtd', 'smmuv3', 'amd'];

interface StoredRun {
  readonly scenarioFormat: string;
  readonly scenarioSource: string;
  readonly scenarioName: string;
  readonly seed: number;
  readonly kernelProfile: KernelProfileId;
  readonly vendor: string;
}

/**
 * Re-runs the stored scenario, comparing as it goes: JSON in-process, TypeScript in the sandboxed runtime.
 * Returns why the re-run failed (the recording may have ended the same way), or undefined.
 */
async function rerun(s: StoredRun, comparer: ReplayComparer, sessionId: number, options: ReplayOptions): Promise<string | undefined> {
  const vendor = VENDORS.includes(s.vendor) ? (s.vendor as VendorId) : undefined;
  const progress = (n: number): void => options.onProgress?.(n);
  if (s.scenarioFormat === 'json') {
    const spec = parseScenarioSource(s.scenarioSource, `session ${sessionId} scenario`);
    try {
      await runScenario(spec, new ComparingSink(comparer, progress, options.signal), { seed: s.seed, kernelProfile: s.kernelProfile, ...(vendor ? { vendor } : {}), yieldToScript });
    } catch (e) {
      if (!(e instanceof StopRun)) throw e;
    }
    return undefined;
  }
  if (s.scenarioFormat !== 'ts') throw new ReplayError(`session ${sessionId}: scenario format "${s.scenarioFormat}" cannot be replayed by this version`);
  let failed: unknown;
  const filename = `${s.scenarioName || 'scenario'}.ts`;
  const r = await runScenarioScript({
    source: s.scenarioSource,
    filename,
    seed: s.seed,
    kernelProfile: s.kernelProfile,
    ...(vendor ? { vendor } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onLine ? { onProgress: (_events: number, at?: { line: number; column: number }) => at && options.onLine!({ file: filename, ...at }) } : {}),
    stream: {
      onEvents: (batch, held) => {
        try {
          const rows = new PackedEventReader(batch);
          comparer.noteHeld(held);
          for (let i = 0; i < rows.rows; i++) if (!comparer.compare(rows.row(i))) return false;
          comparer.noteHeld(held);
          progress(comparer.compared);
          return true;
        } catch (e) {
          // Reading the recording failed: stop the worker and report it after the run.
          failed = e;
          return false;
        }
      },
    },
  });
  if (failed !== undefined) throw failed;
  if (options.signal?.aborted) throw new ReplayCancelledError(sessionId);
  if (r.ok || !r.error || comparer.divergence) return undefined;
  // Nothing came out of the re-run: the scenario itself does not run (any more).
  if (comparer.compared === 0) throw new ReplayError(`session ${sessionId}: the scenario failed to run: ${formatScriptError(r.error)}`);
  return formatScriptError(r.error);
}

export interface ReplayOptions {
  /**
   * The user agreed to run code that came with an imported trace (workspace
   * trust). Without it, replaying an imported TypeScript scenario is refused.
   */
  readonly trusted?: boolean;
  /** Events compared equal so far; called as the comparison goes (every batch or every 1024 events) and at the end. */
  readonly onProgress?: (compared: number) => void;
  /** The scenario line a TypeScript re-run's guard last passed, reported on its watchdog's ticks (named if its process dies). */
  readonly onLine?: (at: { readonly file: string; readonly line: number; readonly column: number }) => void;
  /** Aborting stops the re-run (a TypeScript scenario's worker is terminated); the replay rejects with ReplayCancelledError. */
  readonly signal?: AbortSignal;
}

/** Refuses to run a scenario's code that did not come from this user unless they agreed. */
export function assertTrusted(s: { importedFrom: string | null; scenarioFormat: string }, sessionId: number, options: ReplayOptions): void {
  if (s.importedFrom !== null && s.scenarioFormat === 'ts' && !options.trusted)
    throw new ReplayError(
      `session ${sessionId} was imported from ${s.importedFrom}: its scenario is code that did not come from you. ` +
        'Read it first (iopf show --source), then replay with --trust to run it',
    );
}

/** What a verified replay found, and the most events it held in memory at once. */
export interface ReplayRun {
  readonly verification: ReplayVerification;
  readonly heldHighWater: number;
}

export async function verifyReplay(db: SqlDatabase, sessionId: number, options: ReplayOptions = {}): Promise<ReplayVerification> {
  return (await runVerifiedReplay(db, sessionId, options)).verification;
}

export async function runVerifiedReplay(db: SqlDatabase, sessionId: number, options: ReplayOptions = {}): Promise<ReplayRun> {
  const s = new SessionStore(db).details(sessionId);
  if (!s) throw new ReplayError(`no session ${sessionId}`);
  assertTrusted(s, sessionId, options);
  if (s.status === 'running') throw new ReplayError(`session ${sessionId} is still recording`);
  if (!s.scenarioSource.trim()) throw new ReplayError(`session ${sessionId} has no scenario source to replay (imported without one)`);
  const comparer = new ReplayComparer(db, sessionId);
  const why = await rerun(s, comparer, sessionId, options);
  if (options.signal?.aborted) throw new ReplayCancelledError(sessionId);
  comparer.finish(why);
  options.onProgress?.(comparer.compared);
  const hash = createHash('sha256').update(s.scenarioSource).digest('hex');
  const count = db.prepare('SELECT count(*) AS n FROM events WHERE session_id = ?').get(sessionId);
  return {
    verification: {
      sessionId,
      identical: comparer.divergence === null,
      compared: comparer.compared,
      recordedEvents: Number(count?.n ?? 0),
      divergence: comparer.divergence,
      sourceHashMatches: hash === s.scenarioHash,
      seed: s.seed,
      kernelProfile: s.kernelProfile,
    },
    heldHighWater: comparer.heldHighWater,
  };
}
