/**
 * The player: a cursor over the recorded events of the selected session, and
 * the ways to move it — step, jump to start or end, seek to an event number
 * or a time, continue / reverse-continue to the next breakpoint hit, and play
 * at a chosen speed (events per second), which also stops at breakpoints.
 *
 * The cursor IS the timeline's selection (timeline-store.selectedSeq): moving
 * it selects the event and asks the timeline to reveal it. Events are numbered
 * densely from 0 (the tracer stamps every event), so the session's event count
 * bounds the cursor. Searches go to the host (findEvents, getTimeline); this
 * store holds the cursor's controls, the breakpoint list and a status line.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, onScopeDispose, ref, shallowRef, watch } from 'vue';
import type { EventSearchRequest } from '@shared/api/workbench';
import { getApi } from '@renderer/ipc/client';
import {
  breakpointFilter,
  describeBreakpoint,
  parseBreakpoint,
  samePredicate,
  type Breakpoint,
} from '@renderer/player/breakpoints';
import { PlayLoop, type TickSource } from '@renderer/player/play-loop';
import { parseSeekText } from '@renderer/player/seek-text';
import { useSessionStore } from './session-store';
import { useTimelineStore } from './timeline-store';

/** Speeds offered, events per second. */
export const PLAYER_SPEEDS = [1, 5, 25, 100, 1000] as const;
export type PlayerSpeed = (typeof PLAYER_SPEEDS)[number];

/** Where a breakpoint search landed. */
export interface BreakpointHit {
  readonly seq: number;
  readonly breakpoint: Breakpoint;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Tests drive the play loop with their own clock. */
let tickSource: TickSource | undefined;
export function setPlayerTickSource(ticks: TickSource | undefined): void {
  tickSource = ticks;
}

export const usePlayerStore = defineStore('player', () => {
  const sessions = useSessionStore();
  const timeline = useTimelineStore();

  const playing = ref(false);
  const speed = ref<PlayerSpeed>(25);
  /** A few user-made entries; replaced whole on every change. */
  const breakpoints = shallowRef<readonly Breakpoint[]>([]);
  /** What the last command did ("stopped at #12: cookie 3", "no event at or after 2 ms"). */
  const status = ref<string | null>(null);
  /** True when `status` reports a failure (bad seek text, a host error). */
  const statusIsError = ref(false);
  /** True while a seek or continue waits for the host. */
  const searching = ref(false);

  const sessionId = computed(() => sessions.selectedSessionId);
  /** Events so far while the session records (the timeline's poll keeps the session store up to date). */
  const eventCount = computed(() => sessions.selectedEventCount);
  /** The selected session is still recording: its last event moves on. */
  const recording = computed(() => sessions.selectedSession?.status === 'running');
  const lastSeq = computed(() => eventCount.value - 1);
  const cursor = computed(() => timeline.selectedSeq);
  const enabledBreakpoints = computed(() => breakpoints.value.filter((b) => b.enabled));
  const canPlay = computed(() => sessionId.value !== null && eventCount.value > 0);

  let nextBreakpointId = 1;
  /**
   * Bumped by every navigation: a search answer that comes back after the
   * user moved on (or switched session) is dropped.
   */
  let navigation = 0;
  /** The seq the player last put the cursor on; while playing, any other value means the user moved it. */
  let expectedCursor: number | null = null;

  function say(text: string | null, isError = false): void {
    status.value = text;
    statusIsError.value = isError;
  }

  /** Moves the cursor (clamped to the session) and reveals it on the timeline. */
  function moveTo(seq: number): void {
    if (!canPlay.value) return;
    const clamped = Math.min(Math.max(0, Math.trunc(seq)), lastSeq.value);
    expectedCursor = clamped;
    timeline.selectSeq(clamped, { reveal: true });
  }

  function manualMove(seq: number, text: string | null = null): void {
    navigation++;
    pause();
    say(text);
    moveTo(seq);
  }

  function stepForward(): void {
    if (!canPlay.value) return;
    const c = cursor.value;
    manualMove(c === null ? 0 : c + 1, c !== null && c >= lastSeq.value ? 'at the last event' : null);
  }

  function stepBack(): void {
    if (!canPlay.value) return;
    const c = cursor.value;
    manualMove(c === null ? 0 : c - 1, c !== null && c <= 0 ? 'at the first event' : null);
  }

  function toStart(): void {
    manualMove(0);
  }

  function toEnd(): void {
    manualMove(lastSeq.value);
  }

  /** `#1234` / `1234`: that event; `3.9us`, `3900ns`, `2ms`: the first event at or after that time. */
  async function seek(text: string): Promise<boolean> {
    const id = sessionId.value;
    if (id === null || !canPlay.value) {
      say('no session to seek in', true);
      return false;
    }
    let target;
    try {
      target = parseSeekText(text);
    } catch (err) {
      say(messageOf(err), true);
      return false;
    }
    const generation = ++navigation;
    pause();
    if (target.kind === 'seq') {
      if (target.seq > lastSeq.value) {
        say(`#${target.seq} is past the last event (#${lastSeq.value})`, true);
        return false;
      }
      say(null);
      moveTo(target.seq);
      return true;
    }
    const endNs = sessions.selectedEndNs;
    if (target.ns > endNs) {
      say(`no event at or after ${text.trim()}: the session ends at ${endNs} ns`, true);
      return false;
    }
    searching.value = true;
    try {
      // One bucket over [ns, end]: the answer's fromSeq is the first event at or after ns.
      const w = await getApi().getTimeline({ sessionId: id, by: 't', from: target.ns, to: endNs + 1, buckets: 1 });
      if (generation !== navigation) return false;
      if (w.toSeq < w.fromSeq) {
        say(`no event at or after ${text.trim()}`, true);
        return false;
      }
      say(null);
      moveTo(w.fromSeq);
      return true;
    } catch (err) {
      if (generation === navigation) say(`seek: ${messageOf(err)}`, true);
      return false;
    } finally {
      if (generation === navigation) searching.value = false;
    }
  }

  /**
   * The nearest event in `direction` from `fromSeq` (inclusive) that any
   * enabled breakpoint matches: one findEvents per breakpoint, since a
   * filter's fields must all match.
   */
  async function nearestHit(fromSeq: number, direction: EventSearchRequest['direction']): Promise<BreakpointHit | null> {
    const id = sessionId.value;
    if (id === null || fromSeq < 0 || fromSeq > lastSeq.value) return null;
    const active = enabledBreakpoints.value;
    const answers = await Promise.all(
      active.map((breakpoint) =>
        getApi()
          .findEvents({ sessionId: id, filter: breakpointFilter(breakpoint.predicate), fromSeq, direction, limit: 1 })
          .then((r) => (r.events[0] ? { seq: r.events[0].seq, breakpoint } : null)),
      ),
    );
    let best: BreakpointHit | null = null;
    for (const hit of answers) {
      if (!hit) continue;
      if (!best || (direction === 'forward' ? hit.seq < best.seq : hit.seq > best.seq)) best = hit;
    }
    return best;
  }

  /** Runs forward to the next breakpoint hit after the cursor, or to the last event. */
  function continueForward(): Promise<void> {
    return continueIn('forward');
  }

  /** Runs backward to the previous breakpoint hit before the cursor, or to the first event. */
  function reverseContinue(): Promise<void> {
    return continueIn('backward');
  }

  async function continueIn(direction: EventSearchRequest['direction']): Promise<void> {
    if (!canPlay.value) return;
    const generation = ++navigation;
    pause();
    const c = cursor.value;
    const forward = direction === 'forward';
    const from = c === null ? (forward ? 0 : lastSeq.value) : forward ? c + 1 : c - 1;
    searching.value = true;
    try {
      const hit = await nearestHit(from, direction);
      if (generation !== navigation) return;
      if (hit) {
        say(`stopped at #${hit.seq}: ${describeBreakpoint(hit.breakpoint.predicate)}`);
        moveTo(hit.seq);
      } else {
        const none = enabledBreakpoints.value.length === 0 ? 'no breakpoints enabled' : 'no breakpoint hit';
        say(forward ? `${none}: ran to the last event` : `${none}: ran back to the first event`);
        moveTo(forward ? lastSeq.value : 0);
      }
    } catch (err) {
      if (generation === navigation) say(`${forward ? 'continue' : 'reverse-continue'}: ${messageOf(err)}`, true);
    } finally {
      if (generation === navigation) searching.value = false;
    }
  }

  // ---- playing ----

  const loop = new PlayLoop(tickSource);
  /** The first breakpoint hit ahead of the cursor while playing; undefined while it is being looked up. */
  let nextStop: BreakpointHit | null | undefined;
  let stopGeneration = 0;

  async function refreshNextStop(): Promise<void> {
    const generation = ++stopGeneration;
    nextStop = undefined;
    const c = cursor.value ?? -1;
    try {
      const hit = enabledBreakpoints.value.length === 0 ? null : await nearestHit(c + 1, 'forward');
      if (generation === stopGeneration) nextStop = hit;
    } catch (err) {
      if (generation === stopGeneration) {
        say(`play: ${messageOf(err)}`, true);
        pause();
      }
    }
  }

  function advance(events: number): void {
    // The breakpoint ahead is still being looked up: hold still rather than run past it.
    if (nextStop === undefined) return;
    const c = cursor.value ?? -1;
    const target = c + events;
    if (nextStop && nextStop.seq <= target) {
      const hit = nextStop;
      pause();
      say(`stopped at #${hit.seq}: ${describeBreakpoint(hit.breakpoint.predicate)}`);
      moveTo(hit.seq);
      return;
    }
    if (target >= lastSeq.value) {
      pause();
      say('played to the last event');
      moveTo(lastSeq.value);
      return;
    }
    moveTo(target);
  }

  /** Plays forward from the cursor (from the start when at the end or nothing is selected). */
  function play(): void {
    if (!canPlay.value || playing.value) return;
    navigation++;
    say(null);
    if (cursor.value === null || cursor.value >= lastSeq.value) moveTo(0);
    playing.value = true;
    void refreshNextStop();
    loop.start(speed.value, advance);
  }

  function pause(): void {
    if (!playing.value) return;
    playing.value = false;
    stopGeneration++;
    loop.stop();
  }

  function togglePlay(): void {
    if (playing.value) pause();
    else play();
  }

  function setSpeed(eventsPerSecond: PlayerSpeed): void {
    if (!PLAYER_SPEEDS.includes(eventsPerSecond)) throw new RangeError(`speed must be one of ${PLAYER_SPEEDS.join(', ')} events/s`);
    speed.value = eventsPerSecond;
    loop.setSpeed(eventsPerSecond);
  }

  // ---- breakpoints ----

  /** Adds a breakpoint typed as text; returns an error message, or null when added. */
  function addBreakpoint(text: string): string | null {
    let predicate;
    try {
      predicate = parseBreakpoint(text);
    } catch (err) {
      return messageOf(err);
    }
    if (breakpoints.value.some((b) => samePredicate(b.predicate, predicate))) return `${describeBreakpoint(predicate)} is already set`;
    breakpoints.value = [...breakpoints.value, { id: nextBreakpointId++, predicate, enabled: true }];
    return null;
  }

  function setBreakpointEnabled(id: number, enabled: boolean): void {
    breakpoints.value = breakpoints.value.map((b) => (b.id === id ? { ...b, enabled } : b));
  }

  function removeBreakpoint(id: number): void {
    breakpoints.value = breakpoints.value.filter((b) => b.id !== id);
  }

  // While playing, a changed breakpoint list or a cursor the user moved means a new next stop.
  watch(enabledBreakpoints, () => {
    if (playing.value) void refreshNextStop();
  });
  watch(cursor, (seq) => {
    if (playing.value && seq !== expectedCursor) {
      expectedCursor = seq;
      void refreshNextStop();
    }
  });
  // Another session: stop, forget searches in flight.
  watch(sessionId, () => {
    navigation++;
    pause();
    say(null);
    searching.value = false;
  });
  onScopeDispose(() => loop.stop());

  return {
    playing,
    speed,
    breakpoints,
    status,
    statusIsError,
    searching,
    sessionId,
    eventCount,
    recording,
    lastSeq,
    cursor,
    enabledBreakpoints,
    canPlay,
    stepForward,
    stepBack,
    toStart,
    toEnd,
    seek,
    continueForward,
    reverseContinue,
    play,
    pause,
    togglePlay,
    setSpeed,
    addBreakpoint,
    setBreakpointEnabled,
    removeBreakpoint,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(usePlayerStore, import.meta.hot));
