import { describe, expect, it } from 'vitest';
import { TickWindow } from './tick-window';

/** Feeds ticks at the given times; returns the time of the first tick at which the window passed, or null. */
function firstPass(w: TickWindow, times: readonly number[]): number | null {
  for (const t of times) if (w.observe(t)) return t;
  return null;
}

describe('TickWindow (the watchdog’s stall and grace spans)', () => {
  it('passes after the span on a machine whose ticks come on time, as a plain timer would', () => {
    const w = new TickWindow(1000, 100);
    expect(w.ticksNeeded).toBe(10);
    // The first observed tick starts the span; ten more on time pass it at 1000 ms.
    expect(firstPass(w, Array.from({ length: 20 }, (_, i) => i * 100))).toBe(1000);
  });

  it('does not pass on one late tick: the parent got no CPU for 2 s, so neither did the worker', () => {
    const w = new TickWindow(1000, 100);
    w.restart(0);
    expect(w.observe(2000)).toBe(false);
    // It still passes once the watchdog has seen the worker stuck over enough ticks of its own.
    expect(firstPass(w, [2100, 2200, 2300, 2400, 2500, 2600, 2700, 2800, 2900, 3000])).toBe(2900);
  });

  it('stretches with ticks that keep coming late (a loaded machine) instead of passing at the wall-clock span', () => {
    const w = new TickWindow(1000, 100);
    w.restart(0);
    // Every tick three times late: ten of them take 3 s.
    expect(firstPass(w, Array.from({ length: 12 }, (_, i) => (i + 1) * 300))).toBe(3000);
  });

  it('needs the wall time too: ticks that come early do not shorten it', () => {
    const w = new TickWindow(1000, 100);
    w.restart(0);
    expect(firstPass(w, Array.from({ length: 30 }, (_, i) => (i + 1) * 40))).toBe(1000);
  });

  it('starts afresh after restart (progress) and reset (not watched)', () => {
    const w = new TickWindow(300, 100);
    w.restart(0);
    expect([w.observe(100), w.observe(200)]).toEqual([false, false]);
    w.restart(250); // the heartbeat moved
    expect([w.observe(350), w.observe(450), w.observe(550)]).toEqual([false, false, true]);
    w.reset();
    expect(w.running).toBe(false);
    expect(w.observe(600)).toBe(false); // starts the span
    expect(w.running).toBe(true);
    expect(firstPass(w, [700, 800, 900])).toBe(900);
  });

  it('refuses a span it cannot measure', () => {
    expect(() => new TickWindow(1000, 0)).toThrow(/tickMs > 0/);
    expect(() => new TickWindow(Number.NaN, 100)).toThrow(/ms ≥ 0/);
  });
});
