import { describe, expect, it } from 'vitest';
import { RunawayError } from './errors';
import { createGuard, type GuardClocks } from './guard';
import { createHeartbeat, HB } from './heartbeat';
import type { ThreadTimes } from './thread-cpu';

/*
 * Tests that spin on the real clocks spin well past the point a trip is due and
 * stop at the trip: on a loaded machine the guard's CPU reading lags the wall
 * clock (thread-cpu.ts), and a trip may come up to one limit of CPU later.
 */

/** Busy-waits `ms` of wall time, ticking the epoch like the parent's watchdog would (so the guard checks its clock). */
function spin(view: Int32Array, ms: number, step: () => void): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    view[HB.EPOCH]!++;
    step();
  }
}

describe('guard', () => {
  it('trips when one slice runs past sliceMs, naming the guard, and stays tripped', () => {
    const { view } = createHeartbeat();
    const trips: RunawayError[] = [];
    const g = createGuard({ view, sliceMs: 100, heapLimitBytes: 2 ** 40, onTrip: (e) => trips.push(e) });
    g.enter(1);
    let caught: unknown;
    try {
      spin(view, 2000, () => g.loop(7));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RunawayError);
    expect((caught as RunawayError).guardId).toBe(7);
    expect((caught as RunawayError).reason).toBe('time');
    expect(trips).toHaveLength(1);
    // A catch in the script cannot swallow it for good.
    expect(() => g.loop(7)).toThrow(RunawayError);
    expect(() => g.enter(2)).toThrow(RunawayError);
    expect(() => g.resume(undefined)).toThrow(RunawayError);
    expect(g.tripped).toBe(caught);
    return expect(g.yieldToScript()).rejects.toBe(caught);
  });

  it('starts a new slice for each synchronous call from the engine, so many short callbacks never trip', () => {
    const { view } = createHeartbeat();
    const g = createGuard({ view, sliceMs: 100, heapLimitBytes: 2 ** 40 });
    // 20 callbacks of ~5 ms: 100 ms of script time in all, each slice far below 100 ms.
    for (let call = 0; call < 20; call++) {
      g.enter(1);
      spin(view, 5, () => g.loop(2));
      g.exit();
    }
    expect(g.tripped).toBeNull();
  });

  it('counts an async callback as left when it suspends at an await', () => {
    const { view } = createHeartbeat();
    const g = createGuard({ view, sliceMs: 100, heapLimitBytes: 2 ** 40 });
    for (let call = 0; call < 20; call++) {
      g.enter(1); // async function entered by the engine …
      spin(view, 5, () => g.loop(2));
      g.suspend(undefined); // … and suspended at its first await (no exit yet)
    }
    expect(g.tripped).toBeNull();
  });

  it('counts nested script calls toward the slice of the outermost one', () => {
    const { view } = createHeartbeat();
    const g = createGuard({ view, sliceMs: 100, heapLimitBytes: 2 ** 40 });
    g.enter(1);
    expect(() => {
      for (let i = 0; i < 100; i++) {
        g.enter(3); // a script function the script calls: same slice
        spin(view, 15, () => g.loop(4));
        g.exit();
      }
    }).toThrow(RunawayError);
  });

  it('gives each yieldToScript turn a slice of its own', async () => {
    const { view } = createHeartbeat();
    const g = createGuard({ view, sliceMs: 100, heapLimitBytes: 2 ** 40 });
    for (let turn = 0; turn < 8; turn++) {
      const done = g.yieldToScript();
      await Promise.resolve();
      spin(view, 25, () => g.loop(2)); // script continuation work inside the turn
      await done;
    }
    expect(g.tripped).toBeNull();
  });

  it('takes time spent waiting for the parent out of the slice (a streamed batch waiting to be taken)', () => {
    const { view } = createHeartbeat();
    const g = createGuard({ view, sliceMs: 200, heapLimitBytes: 2 ** 40 });
    g.enter(1);
    spin(view, 30, () => g.loop(2));
    // 400 ms blocked outside the script (the worker waiting for its parent), then more script work.
    const t0 = performance.now();
    spin(view, 400, () => undefined);
    g.exclude(performance.now() - t0);
    spin(view, 30, () => g.loop(2));
    expect(g.tripped).toBeNull();
    // The script's own time still counts: the same slice trips once it passes the limit.
    expect(() => spin(view, 2000, () => g.loop(2))).toThrow(RunawayError);
  });

  it('trips on heap growth past the limit', () => {
    const { view } = createHeartbeat();
    const g = createGuard({ view, heapLimitBytes: 1 });
    view[HB.EPOCH] = 5;
    expect(() => g.loop(3)).toThrow(/^runaway allocation: the scenario's heap grew to \d+ MB \(limit 0 MB\)$/);
    expect(g.tripped?.reason).toBe('memory');
  });

  it('writes the heartbeat: guard id and a moving beat', () => {
    const { view } = createHeartbeat();
    const g = createGuard({ view, heapLimitBytes: 2 ** 40 });
    g.enter(4);
    g.loop(9);
    g.pulse();
    expect(view[HB.GUARD]).toBe(9);
    expect(view[HB.BEAT]).toBe(3);
  });

  describe('on a starved machine (injected clocks)', () => {
    const STILL = { wall: 0, cpu: 0, runDelay: 0 };

    /** Clocks the test moves by hand: wall time, the thread's CPU time and its wait for a CPU. */
    function manualClocks(times: { wall: number; cpu: number; runDelay: number } | null, start = { wall: 0, cpu: 0, runDelay: 0 }) {
      const now = { ...start };
      const clocks: GuardClocks = {
        wallMs: () => now.wall,
        threadTimes: (): ThreadTimes | null => (times === null ? null : { cpuMs: now.cpu, runDelayMs: now.runDelay }),
      };
      /** Advances the clocks, then makes the guard check them (an epoch tick). */
      const advance = (view: Int32Array, step: () => void, by: { wall: number; cpu: number; runDelay: number }) => {
        now.wall += by.wall;
        now.cpu += by.cpu;
        now.runDelay += by.runDelay;
        view[HB.EPOCH]!++;
        step();
      };
      return { clocks, advance };
    }

    it('does not trip a slice that took longer than the limit in wall time but not in CPU time', () => {
      const { view } = createHeartbeat();
      const { clocks, advance } = manualClocks({ wall: 0, cpu: 0, runDelay: 0 });
      const g = createGuard({ view, sliceMs: 1000, heapLimitBytes: 2 ** 40, clocks });
      g.enter(1);
      advance(view, () => g.loop(2), STILL); // first check: the slice's start
      // 3 s of wall time of which the thread got 600 ms on a CPU and waited 2.4 s for one (2 cores, load 10).
      for (let tick = 0; tick < 30; tick++) advance(view, () => g.loop(2), { wall: 100, cpu: 20, runDelay: 80 });
      expect(g.tripped).toBeNull();
      g.exit();
    });

    it('trips a slice past the limit in both wall and CPU time', () => {
      const { view } = createHeartbeat();
      const { clocks, advance } = manualClocks({ wall: 0, cpu: 0, runDelay: 0 });
      const g = createGuard({ view, sliceMs: 1000, heapLimitBytes: 2 ** 40, clocks });
      g.enter(1);
      advance(view, () => g.loop(2), STILL); // first check: the slice's start
      // Starved for a while (wall past the limit, CPU not), then it gets the CPU and keeps running.
      for (let tick = 0; tick < 15; tick++) advance(view, () => g.loop(2), { wall: 100, cpu: 20, runDelay: 80 });
      expect(g.tripped).toBeNull();
      let ticks = 0;
      expect(() => {
        for (; ticks < 100; ticks++) advance(view, () => g.loop(5), { wall: 100, cpu: 100, runDelay: 0 });
      }).toThrow(RunawayError);
      expect(g.tripped?.reason).toBe('time');
      expect(g.tripped?.guardId).toBe(5);
      // All of the thread's run delay fell in this slice, so the bound at the mark (1100 ms wall) was the 220 ms of
      // CPU it had used: 300 ms by the end of the starved part, then 700 ms more (the 8th busy check) pass the limit.
      expect(ticks).toBe(7);
    });

    it('trips an idle machine\'s busy slice at the first check past the limit', () => {
      const { view } = createHeartbeat();
      // A thread that already ran 5 s and waited 20 ms for a CPU in all.
      const { clocks, advance } = manualClocks({ wall: 0, cpu: 0, runDelay: 0 }, { wall: 0, cpu: 5000, runDelay: 20 });
      const g = createGuard({ view, sliceMs: 1000, heapLimitBytes: 2 ** 40, clocks });
      g.enter(1);
      advance(view, () => g.loop(2), STILL); // first check: the slice's start
      let ticks = 0;
      expect(() => {
        for (; ticks < 100; ticks++) advance(view, () => g.loop(2), { wall: 100, cpu: 100, runDelay: 0 });
      }).toThrow(RunawayError);
      // Check 11 is the first past 1000 ms of wall time; 1100 − 20 ms of run delay is past the limit already.
      expect(ticks).toBe(10);
    });

    it('starts the CPU accounting over with each slice', () => {
      const { view } = createHeartbeat();
      const { clocks, advance } = manualClocks({ wall: 0, cpu: 0, runDelay: 0 });
      const g = createGuard({ view, sliceMs: 1000, heapLimitBytes: 2 ** 40, clocks });
      // Ten starved callbacks of 1.5 s wall / 700 ms CPU each: 7 s of CPU in all, each slice under the limit.
      for (let call = 0; call < 10; call++) {
        g.enter(1);
        advance(view, () => g.loop(2), STILL);
        for (let tick = 0; tick < 10; tick++) advance(view, () => g.loop(2), { wall: 150, cpu: 70, runDelay: 80 });
        g.exit();
      }
      expect(g.tripped).toBeNull();
    });

    it('falls back to wall time where the thread\'s CPU time is not reported', () => {
      const { view } = createHeartbeat();
      const { clocks, advance } = manualClocks(null);
      const g = createGuard({ view, sliceMs: 1000, heapLimitBytes: 2 ** 40, clocks });
      g.enter(1);
      advance(view, () => g.loop(2), STILL); // first check: the slice's start
      let ticks = 0;
      expect(() => {
        for (; ticks < 100; ticks++) advance(view, () => g.loop(2), { wall: 100, cpu: 0, runDelay: 0 });
      }).toThrow(RunawayError);
      expect(ticks).toBe(10);
    });
  });
});
