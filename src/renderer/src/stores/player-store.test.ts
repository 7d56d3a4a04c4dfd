import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventSearchRequest } from '@shared/api/workbench';
import type { TimelineRequest } from '@shared/api/analysis';
import type { EventRow } from '@shared/events';
import { setApi } from '@renderer/ipc/client';
import { FakeApi, fakeEvent, fakeSession } from '@renderer/testing/fake-api';
import type { TickSource } from '@renderer/player/play-loop';
import { setPlayerTickSource, usePlayerStore } from './player-store';
import { useSessionStore } from './session-store';
import { useTimelineStore } from './timeline-store';

const EVENTS = 50;
/** Events 10, 20 and 30 carry cookie 3; event 25 answers INVALID; event 40 is a failed assertion. */
function sessionEvents(): EventRow[] {
  return Array.from({ length: EVENTS }, (_, seq) =>
    fakeEvent(seq, {
      t: seq * 100,
      cookie: seq === 10 || seq === 20 || seq === 30 ? 3 : null,
      code: seq === 25 ? 1 : null,
      kind: seq === 40 ? 'ASSERT_FAIL' : 'DMA_ISSUE',
    }),
  );
}

/** findEvents over the fake's events, as the host answers it; requests are logged. */
function answerSearches(api: FakeApi, log: EventSearchRequest[]): void {
  api.answers.findEvents = async (req) => {
    log.push(req);
    const all = api.events.get(req.sessionId) ?? [];
    const f = req.filter;
    const match = (e: EventRow): boolean =>
      (f.cookie === undefined || e.cookie === f.cookie) &&
      (f.code === undefined || e.code === f.code) &&
      (f.kinds === undefined || f.kinds.includes(e.kind));
    const walk = req.direction === 'forward' ? all.filter((e) => e.seq >= req.fromSeq) : all.filter((e) => e.seq <= req.fromSeq).reverse();
    const hits = walk.filter(match);
    return { events: hits.slice(0, req.limit), more: hits.length > req.limit };
  };
}

/** getTimeline over the fake's events by time (one bucket: the first and last seq in [from, to)); requests are logged. */
function answerTimeSeeks(api: FakeApi, log: TimelineRequest[]): void {
  api.answers.getTimeline = async (req) => {
    log.push(req);
    const all = api.events.get(req.sessionId) ?? [];
    const inWindow = all.filter((e) => e.t >= req.from && e.t < req.to);
    return {
      sessionId: req.sessionId,
      fromSeq: inWindow[0]?.seq ?? 0,
      toSeq: inWindow.at(-1)?.seq ?? -1,
      bucketNs: 1,
      firstBucket: 0,
      bucketCount: 1,
      path: 'raw',
      slices: true,
      tracks: [],
    };
  };
}

/** A clock the test advances by hand. */
class ManualTicks implements TickSource {
  time = 0;
  private timers: { at: number; cb: () => void }[] = [];
  now(): number {
    return this.time;
  }
  after(ms: number, cb: () => void): () => void {
    const t = { at: this.time + ms, cb };
    this.timers.push(t);
    return () => void (this.timers = this.timers.filter((x) => x !== t));
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.time = next.at;
      next.cb();
    }
    this.time = end;
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('usePlayerStore', () => {
  let api: FakeApi;
  let searches: EventSearchRequest[];
  let ticks: ManualTicks;

  beforeEach(async () => {
    ticks = new ManualTicks();
    setPlayerTickSource(ticks);
    setActivePinia(createPinia());
    api = new FakeApi();
    api.sessions = [fakeSession(1, { eventCount: EVENTS, endNs: (EVENTS - 1) * 100 })];
    api.events.set(1, sessionEvents());
    searches = [];
    answerSearches(api, searches);
    setApi(api);
    const sessions = useSessionStore();
    await sessions.refresh();
    sessions.select(1);
  });

  afterEach(() => {
    setApi(null);
    setPlayerTickSource(undefined);
  });

  it('steps by one event, starts at #0 with nothing selected, and stays inside the session', () => {
    const player = usePlayerStore();
    const timeline = useTimelineStore();
    player.stepForward();
    expect(timeline.selectedSeq).toBe(0);
    player.stepForward();
    player.stepForward();
    expect(timeline.selectedSeq).toBe(2);
    player.stepBack();
    expect(timeline.selectedSeq).toBe(1);
    player.toEnd();
    expect(timeline.selectedSeq).toBe(EVENTS - 1);
    player.stepForward();
    expect(timeline.selectedSeq).toBe(EVENTS - 1);
    expect(player.status).toBe('at the last event');
    player.toStart();
    player.stepBack();
    expect(timeline.selectedSeq).toBe(0);
  });

  it('moving the cursor asks the timeline to reveal the event', () => {
    const player = usePlayerStore();
    const timeline = useTimelineStore();
    player.toEnd();
    expect(timeline.revealRequest?.seq).toBe(EVENTS - 1);
  });

  it('seeks to an event number, refusing one past the end', async () => {
    const player = usePlayerStore();
    const timeline = useTimelineStore();
    expect(await player.seek('#12')).toBe(true);
    expect(timeline.selectedSeq).toBe(12);
    expect(await player.seek('30')).toBe(true);
    expect(timeline.selectedSeq).toBe(30);
    expect(await player.seek('#50')).toBe(false);
    expect(player.status).toMatch(/past the last event \(#49\)/);
    expect(player.statusIsError).toBe(true);
    expect(timeline.selectedSeq).toBe(30);
  });

  it('seeks to a time: the first event at or after it, found through getTimeline', async () => {
    const asked: TimelineRequest[] = [];
    answerTimeSeeks(api, asked);
    const player = usePlayerStore();
    const timeline = useTimelineStore();
    expect(await player.seek('3.9us')).toBe(true);
    expect(asked[0]).toMatchObject({ sessionId: 1, by: 't', from: 3_900 });
    expect(timeline.selectedSeq).toBe(39);
    expect(await player.seek('1250ns')).toBe(true);
    expect(timeline.selectedSeq).toBe(13);
    // Past the session's end: refused without asking the host.
    expect(await player.seek('2ms')).toBe(false);
    expect(asked).toHaveLength(2);
    expect(player.status).toMatch(/no event at or after 2ms/);
  });

  it('bad seek text leaves the cursor alone and says why', async () => {
    const player = usePlayerStore();
    const timeline = useTimelineStore();
    timeline.selectSeq(5);
    expect(await player.seek('soon')).toBe(false);
    expect(timeline.selectedSeq).toBe(5);
    expect(player.status).toMatch(/event number \(#1234\) or a time/);
  });

  it('continue asks findEvents with the breakpoint filter after the cursor and lands on the hit', async () => {
    const player = usePlayerStore();
    const timeline = useTimelineStore();
    expect(player.addBreakpoint('cookie 3')).toBeNull();
    timeline.selectSeq(5);
    await player.continueForward();
    expect(searches).toEqual([{ sessionId: 1, filter: { cookie: 3 }, fromSeq: 6, direction: 'forward', limit: 1 }]);
    expect(timeline.selectedSeq).toBe(10);
    expect(player.status).toBe('stopped at #10: cookie 3');
    await player.continueForward();
    expect(timeline.selectedSeq).toBe(20);
  });

  it('reverse-continue walks backward from before the cursor', async () => {
    const player = usePlayerStore();
    const timeline = useTimelineStore();
    player.addBreakpoint('cookie 3');
    timeline.selectSeq(30);
    await player.reverseContinue();
    expect(searches.at(-1)).toEqual({ sessionId: 1, filter: { cookie: 3 }, fromSeq: 29, direction: 'backward', limit: 1 });
    expect(timeline.selectedSeq).toBe(20);
    await player.reverseContinue();
    expect(timeline.selectedSeq).toBe(10);
  });

  it('with no hit left, continue runs to the last event and reverse-continue to the first', async () => {
    const player = usePlayerStore();
    const timeline = useTimelineStore();
    player.addBreakpoint('cookie 3');
    timeline.selectSeq(31);
    await player.continueForward();
    expect(timeline.selectedSeq).toBe(EVENTS - 1);
    expect(player.status).toBe('no breakpoint hit: ran to the last event');
    timeline.selectSeq(9);
    await player.reverseContinue();
    expect(timeline.selectedSeq).toBe(0);
    expect(player.status).toBe('no breakpoint hit: ran back to the first event');
  });

  it('several breakpoints: the nearest hit wins; disabled ones are not searched', async () => {
    const player = usePlayerStore();
    const timeline = useTimelineStore();
    player.addBreakpoint('cookie 3');
    player.addBreakpoint('code INVALID');
    player.addBreakpoint('violation');
    timeline.selectSeq(21);
    await player.continueForward();
    expect(timeline.selectedSeq).toBe(25);
    expect(player.status).toBe('stopped at #25: code INVALID (1)');
    const cookieBp = player.breakpoints.find((b) => b.predicate.type === 'cookie')!;
    const codeBp = player.breakpoints.find((b) => b.predicate.type === 'code')!;
    player.setBreakpointEnabled(codeBp.id, false);
    player.setBreakpointEnabled(cookieBp.id, false);
    searches.length = 0;
    await player.continueForward();
    expect(searches.map((s) => s.filter)).toEqual([{ kinds: ['INVARIANT_VIOLATION', 'ASSERT_FAIL'] }]);
    expect(timeline.selectedSeq).toBe(40);
  });

  it('drops a continue answer when the user moved on meanwhile', async () => {
    const player = usePlayerStore();
    const timeline = useTimelineStore();
    player.addBreakpoint('cookie 3');
    timeline.selectSeq(0);
    const pending = player.continueForward();
    player.stepForward(); // before the host answers
    await pending;
    expect(timeline.selectedSeq).toBe(1);
  });

  it('refuses bad and duplicate breakpoints with a message', () => {
    const player = usePlayerStore();
    expect(player.addBreakpoint('cookie x')).toMatch(/not a number/);
    expect(player.addBreakpoint('cookie 3')).toBeNull();
    expect(player.addBreakpoint('cookie 0x3')).toMatch(/already set/);
    expect(player.breakpoints).toHaveLength(1);
    player.removeBreakpoint(player.breakpoints[0]!.id);
    expect(player.breakpoints).toHaveLength(0);
  });

  it('plays at the chosen speed and stops at the end', async () => {
    const player = usePlayerStore();
    const timeline = useTimelineStore();
    player.setSpeed(5);
    timeline.selectSeq(40);
    player.play();
    await flush();
    expect(player.playing).toBe(true);
    ticks.advance(1000);
    expect(timeline.selectedSeq).toBe(45);
    ticks.advance(10_000);
    expect(timeline.selectedSeq).toBe(EVENTS - 1);
    expect(player.playing).toBe(false);
    expect(player.status).toBe('played to the last event');
  });

  it('playing stops at a breakpoint', async () => {
    const player = usePlayerStore();
    const timeline = useTimelineStore();
    player.addBreakpoint('cookie 3');
    player.setSpeed(1000);
    timeline.selectSeq(11);
    player.play();
    await flush();
    ticks.advance(2000);
    expect(timeline.selectedSeq).toBe(20);
    expect(player.playing).toBe(false);
    expect(player.status).toBe('stopped at #20: cookie 3');
  });

  it('pause() stops the cursor', async () => {
    const player = usePlayerStore();
    const timeline = useTimelineStore();
    player.setSpeed(25);
    timeline.selectSeq(0);
    player.togglePlay();
    await flush();
    ticks.advance(200);
    player.togglePlay();
    const at = timeline.selectedSeq;
    ticks.advance(2000);
    expect(at).toBe(5);
    expect(timeline.selectedSeq).toBe(at);
  });

  describe('a session that is still recording', () => {
    beforeEach(async () => {
      // The list says what it knew when the run started: running, no events yet.
      api.sessions = [fakeSession(1, { status: 'running', eventCount: 0, endNs: 0 })];
      await useSessionStore().refresh();
    });

    it('bounds the cursor by the events recorded so far, as the timeline\'s poll reports them, without polling itself', async () => {
      const player = usePlayerStore();
      const sessions = useSessionStore();
      const timeline = useTimelineStore();
      expect(player.canPlay).toBe(false);
      expect(player.recording).toBe(true);

      api.calls.length = 0;
      sessions.noteLiveProgress({ sessionId: 1, eventCount: 30, endNs: 2900 });
      expect(player.canPlay).toBe(true);
      expect(player.lastSeq).toBe(29);
      player.toEnd();
      expect(timeline.selectedSeq).toBe(29);

      sessions.noteLiveProgress({ sessionId: 1, eventCount: 50, endNs: 4900 });
      expect(player.lastSeq).toBe(49);
      player.stepForward();
      expect(timeline.selectedSeq).toBe(30);
      // A time past what the list knew (0 ns) but within what was recorded so far.
      answerTimeSeeks(api, []);
      expect(await player.seek('4us')).toBe(true);
      expect(timeline.selectedSeq).toBe(40);
      // Another session's progress does not move this one's end.
      sessions.noteLiveProgress({ sessionId: 2, eventCount: 900, endNs: 90_000 });
      expect(player.lastSeq).toBe(49);
      expect(await player.seek('5us')).toBe(false);
      expect(api.calls.filter((c) => c === 'getSession' || c === 'listSessions')).toEqual([]);
    });

    it('takes the recorded count once the session finished, and forgets the progress when another session is selected', async () => {
      const player = usePlayerStore();
      const sessions = useSessionStore();
      sessions.noteLiveProgress({ sessionId: 1, eventCount: 30, endNs: 2900 });
      expect(player.lastSeq).toBe(29);

      api.sessions = [fakeSession(1, { eventCount: EVENTS, endNs: (EVENTS - 1) * 100 })];
      await sessions.refresh();
      expect(player.recording).toBe(false);
      expect(player.lastSeq).toBe(EVENTS - 1);

      api.sessions = [fakeSession(1, { status: 'running' }), fakeSession(2, { status: 'running' })];
      await sessions.refresh();
      sessions.noteLiveProgress({ sessionId: 1, eventCount: 30, endNs: 2900 });
      sessions.select(2);
      sessions.select(1);
      expect(player.canPlay).toBe(false);
    });
  });
});
