/**
 * Verified replay: re-runs a session's recorded scenario source with its
 * recorded seed and kernel profile and compares the new stream with the
 * recorded rows, event by event and column by column (raw bytes included).
 * The comparison streams: recorded rows are read a page at a time and the run
 * stops at the first divergence, so memory stays constant.
 */
import { createHash } from 'node:crypto';
import { runScenario } from '../../core/engine/run-scenario';
import type { TraceSink } from '../../core/trace/sink';
import { toEventRow, type EventRow, type TraceEvent } from '../../shared/events';
import type { SqlDatabase } from '../db/sql-database';
import { iterateEvents } from '../recorder/event-rows';
import { parseScenarioSource, yieldToScript } from '../recorder/record-run';
import { formatScriptError } from '../scenario-runtime/errors';
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

class Diverged extends Error {}

const show = (v: unknown): string => (v === null ? 'null' : v === undefined ? '(none)' : String(v));

/** Compares emitted events with an iterator of recorded rows. */
class ComparingSink implements TraceSink {
  compared = 0;
  divergence: ReplayDivergence | null = null;

  constructor(private readonly recorded: Iterator<EventRow>) {}

  emit(event: TraceEvent): void {
    const replayed = toEventRow(event);
    const next = this.recorded.next();
    if (next.done) {
      this.divergence = { seq: replayed.seq, kind: replayed.kind, field: 'event', recorded: '(none: the recording ends here)', replayed: replayed.kind };
      throw new Diverged();
    }
    const rec = next.value;
    for (const f of COMPARED_FIELDS) {
      if (rec[f] !== replayed[f] && !(rec[f] === null && ADDED_IN_V3.has(f))) {
        this.divergence = { seq: rec.seq, kind: rec.kind, field: f, recorded: show(rec[f]), replayed: show(replayed[f]) };
        throw new Diverged();
      }
    }
    this.compared++;
  }
}

const VENDORS: readonly string[] = ['vtd', 'smmuv3', 'amd'];

/** Re-runs the stored scenario into `sink`: JSON in-process, TypeScript in the sandboxed runtime. */
async function rerun(s: { scenarioFormat: string; scenarioSource: string; scenarioName: string; seed: number; kernelProfile: KernelProfileId; vendor: string }, sink: TraceSink, sessionId: number): Promise<void> {
  const vendor = VENDORS.includes(s.vendor) ? (s.vendor as VendorId) : undefined;
  if (s.scenarioFormat === 'json') {
    const spec = parseScenarioSource(s.scenarioSource, `session ${sessionId} scenario`);
    await runScenario(spec, sink, { seed: s.seed, kernelProfile: s.kernelProfile, ...(vendor ? { vendor } : {}), yieldToScript });
    return;
  }
  if (s.scenarioFormat !== 'ts') throw new ReplayError(`session ${sessionId}: scenario format "${s.scenarioFormat}" cannot be replayed by this version`);
  const r = await runScenarioScript({
    source: s.scenarioSource,
    filename: `${s.scenarioName || 'scenario'}.ts`,
    seed: s.seed,
    kernelProfile: s.kernelProfile,
    ...(vendor ? { vendor } : {}),
    collect: true,
  });
  // Feed what the re-run produced, even when it ended in an error: the recording may end the same way.
  for (const e of r.collected ?? []) sink.emit(e);
  if (!r.ok && r.error && (r.collected?.length ?? 0) === 0) throw new ReplayError(`session ${sessionId}: the scenario failed to run: ${formatScriptError(r.error)}`);
}

export interface ReplayOptions {
  /**
   * The user agreed to run code that came with an imported trace (workspace
   * trust). Without it, replaying an imported TypeScript scenario is refused.
   */
  readonly trusted?: boolean;
}

/** Refuses to run a scenario's code that did not come from this user unless they agreed. */
export function assertTrusted(s: { importedFrom: string | null; scenarioFormat: string }, sessionId: number, options: ReplayOptions): void {
  if (s.importedFrom !== null && s.scenarioFormat === 'ts' && !options.trusted)
    throw new ReplayError(
      `session ${sessionId} was imported from ${s.importedFrom}: its scenario is code that did not come from you. ` +
        'Read it first (iopf show --source), then replay with --trust to run it',
    );
}

export async function verifyReplay(db: SqlDatabase, sessionId: number, options: ReplayOptions = {}): Promise<ReplayVerification> {
  const s = new SessionStore(db).details(sessionId);
  if (!s) throw new ReplayError(`no session ${sessionId}`);
  assertTrusted(s, sessionId, options);
  if (s.status === 'running') throw new ReplayError(`session ${sessionId} is still recording`);
  if (!s.scenarioSource.trim()) throw new ReplayError(`session ${sessionId} has no scenario source to replay (imported without one)`);
  const recorded = iterateEvents(db, sessionId);
  const sink = new ComparingSink(recorded);
  try {
    await rerun(s, sink, sessionId);
  } catch (e) {
    if (!(e instanceof Diverged)) throw e;
  } finally {
    recorded.return(undefined);
  }
  let divergence = sink.divergence;
  if (!divergence) {
    // The replay finished: the recording must not hold more events.
    const extra = iterateEvents(db, sessionId, sink.compared, sink.compared + 1).next();
    if (!extra.done) divergence = { seq: extra.value.seq, kind: extra.value.kind, field: 'event', recorded: extra.value.kind, replayed: '(none: the replay ended)' };
  }
  const hash = createHash('sha256').update(s.scenarioSource).digest('hex');
  const count = db.prepare('SELECT count(*) AS n FROM events WHERE session_id = ?').get(sessionId);
  return {
    sessionId,
    identical: divergence === null,
    compared: sink.compared,
    recordedEvents: Number(count?.n ?? 0),
    divergence,
    sourceHashMatches: hash === s.scenarioHash,
    seed: s.seed,
    kernelProfile: s.kernelProfile,
  };
}
