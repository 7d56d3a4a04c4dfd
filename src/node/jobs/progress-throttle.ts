/**
 * Throttles one job's progress for the hosts' event streams: at most one
 * message per `everyMs` (≈10/s), except that a new phase and the final
 * message always go out, so a listener sees every phase and the end.
 */
import type { JobProgress } from '../../shared/api/workbench';

export const PROGRESS_INTERVAL_MS = 100;

export class ProgressThrottle {
  private lastAt = -Infinity;
  private lastPhase: string | null = null;
  private finished = false;
  private latest: Omit<JobProgress, 'finished'>;

  constructor(
    readonly jobId: string,
    readonly kind: JobProgress['kind'],
    private readonly emit: (p: JobProgress) => void,
    private readonly everyMs = PROGRESS_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.latest = { jobId, kind, phase: 'starting', done: 0, total: null };
  }

  report(phase: string, done: number, total: number | null): void {
    if (this.finished) return;
    this.latest = { jobId: this.jobId, kind: this.kind, phase, done, total };
    const t = this.now();
    if (phase === this.lastPhase && t - this.lastAt < this.everyMs) return;
    this.lastAt = t;
    this.lastPhase = phase;
    this.emit({ ...this.latest, finished: false });
  }

  /** The last message of the job: its final phase (`done`, `cancelled`, `failed`) and counts. */
  finish(phase: string, done?: number, total?: number | null): void {
    if (this.finished) return;
    this.finished = true;
    this.emit({
      ...this.latest,
      phase,
      done: done ?? this.latest.done,
      total: total === undefined ? this.latest.total : total,
      finished: true,
    });
  }
}
