/**
 * Watching a session that is still recording: about twice a second, while
 * the timeline shows it, ask the host for its status (getSession) and its
 * current last event (a one-event timeline window carries the session's
 * last seq and time), and report both. Stops by itself once the session is
 * no longer running; one request pair at a time, never overlapping.
 */
import type { SessionStatus, WorkbenchApi } from '@shared/api/workbench';

export const LIVE_POLL_MS = 500;

export interface LiveState {
  readonly sessionId: number;
  readonly status: SessionStatus;
  /** Events recorded so far. */
  readonly eventCount: number;
  /** Virtual ns of the last event so far (0 without events). */
  readonly endNs: number;
}

type Api = Pick<WorkbenchApi, 'getSession' | 'getTimeline'>;

/** One look at a session: its status and how far it got. */
export async function probeSession(api: Api, sessionId: number): Promise<LiveState> {
  const [details, window] = await Promise.all([api.getSession(sessionId), api.getTimeline({ sessionId, by: 'seq', from: 0, to: 1, buckets: 1 })]);
  const lastSeq = window.lastSeq ?? window.toSeq;
  return { sessionId, status: details.status, eventCount: Math.max(0, lastSeq + 1), endNs: window.lastT ?? 0 };
}

export class LiveSessionPoller {
  private sessionId: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private generation = 0;
  /** Probes sent, for tests. */
  probes = 0;

  constructor(
    private readonly api: Api,
    private readonly onState: (state: LiveState) => void,
    /** Polls only while this says so (the view is shown); otherwise waits for the next turn. */
    private readonly active: () => boolean = () => true,
    private readonly intervalMs = LIVE_POLL_MS,
  ) {}

  get watching(): number | null {
    return this.sessionId;
  }

  /** Starts watching `sessionId` (replacing any other); the first probe goes after one interval. */
  start(sessionId: number): void {
    if (this.sessionId === sessionId && this.timer !== null) return;
    this.stop();
    this.sessionId = sessionId;
    this.schedule(++this.generation);
  }

  stop(): void {
    this.generation++;
    this.sessionId = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(generation: number): void {
    this.timer = setTimeout(() => void this.tick(generation), this.intervalMs);
  }

  private async tick(generation: number): Promise<void> {
    this.timer = null;
    const id = this.sessionId;
    if (id === null || generation !== this.generation) return;
    if (!this.active()) return this.schedule(generation);
    let state: LiveState | null = null;
    try {
      this.probes++;
      state = await probeSession(this.api, id);
    } catch {
      // The host is busy or the session went away: try again next turn (a removed session is deselected by the list).
    }
    if (generation !== this.generation) return;
    if (state) this.onState(state);
    if (generation !== this.generation) return;
    if (state && state.status !== 'running') {
      this.stop();
      return;
    }
    this.schedule(generation);
  }
}
