import { describe, expect, it } from 'vitest';
import { RunawayError } from './errors';
import { createGuard } from './guard';
import { createHeartbeat, HB } from './heartbeat';

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
      spin(view, 400, () => g.loop(7));
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
      for (let i = 0; i < 20; i++) {
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
    expect(() => spin(view, 300, () => g.loop(2))).toThrow(RunawayError);
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
});
