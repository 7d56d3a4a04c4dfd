import { describe, expect, it } from 'vitest';
import { PlayLoop, type TickSource } from './play-loop';

/** A hand-driven clock: advance(ms) fires every timer that falls due, in order. */
class ManualTicks implements TickSource {
  time = 0;
  private timers: { at: number; cb: () => void; id: number }[] = [];
  private nextId = 0;
  now(): number {
    return this.time;
  }
  after(ms: number, cb: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, cb, id });
    return () => void (this.timers = this.timers.filter((t) => t.id !== id));
  }
  get pending(): number {
    return this.timers.length;
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

describe('PlayLoop', () => {
  it('advances one event per second at speed 1', () => {
    const ticks = new ManualTicks();
    const loop = new PlayLoop(ticks);
    const moves: number[] = [];
    loop.start(1, (n) => moves.push(n));
    ticks.advance(999);
    expect(moves).toEqual([]);
    ticks.advance(1);
    expect(moves).toEqual([1]);
    ticks.advance(3000);
    expect(moves.reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('batches fast speeds into frame-sized steps that add up to the speed', () => {
    const ticks = new ManualTicks();
    const loop = new PlayLoop(ticks);
    const moves: number[] = [];
    loop.start(1000, (n) => moves.push(n));
    ticks.advance(1600); // a whole number of 16 ms ticks
    expect(moves.reduce((a, b) => a + b, 0)).toBe(1600);
    // ~16 ms ticks: far fewer callbacks than events.
    expect(moves.length).toBe(100);
    expect(Math.max(...moves)).toBeGreaterThanOrEqual(16);
  });

  it('keeps elapsed time across a speed change', () => {
    const ticks = new ManualTicks();
    const loop = new PlayLoop(ticks);
    let total = 0;
    loop.start(5, (n) => (total += n));
    ticks.advance(100); // 0.5 event accrued at 5/s
    loop.setSpeed(25);
    ticks.advance(200); // + 5 events at 25/s, ticks every 40 ms from the change
    expect(total).toBe(5); // 0.5 + 5 = 5.5 accrued, whole events delivered
  });

  it('stop() cancels the timer and no more advances arrive', () => {
    const ticks = new ManualTicks();
    const loop = new PlayLoop(ticks);
    let total = 0;
    loop.start(100, (n) => (total += n));
    ticks.advance(50);
    loop.stop();
    const before = total;
    ticks.advance(1000);
    expect(total).toBe(before);
    expect(ticks.pending).toBe(0);
    expect(loop.running).toBe(false);
  });

  it('refuses a speed that is not positive', () => {
    expect(() => new PlayLoop(new ManualTicks()).start(0, () => undefined)).toThrow(RangeError);
  });
});
