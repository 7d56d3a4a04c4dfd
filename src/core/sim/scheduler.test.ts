import { describe, expect, it } from 'vitest';
import { Scheduler } from './scheduler';
import { ns } from '../../shared/time';

describe('Scheduler', () => {
  it('runs callbacks in time order, ties in insertion order, and advances virtual time', () => {
    const s = new Scheduler();
    const seen: string[] = [];
    s.at(ns(30), () => seen.push(`c@${s.now}`));
    s.at(ns(10), () => seen.push(`a@${s.now}`));
    s.at(ns(10), () => {
      seen.push(`b@${s.now}`);
      s.after(5n, () => seen.push(`d@${s.now}`));
    });
    expect(s.runUntilIdle()).toBe(4);
    expect(seen).toEqual(['a@10', 'b@10', 'd@15', 'c@30']);
    expect(s.now).toBe(30n);
  });

  it('orders times beyond 2^53 ns exactly, where two times share one double', () => {
    const s = new Scheduler();
    const seen: bigint[] = [];
    const late = 2n ** 53n + 1n; // Number(late) === Number(2n ** 53n)
    s.at(ns(late), () => seen.push(s.now));
    s.at(ns(2n ** 53n), () => seen.push(s.now));
    s.at(ns(late), () => seen.push(-s.now));
    s.runUntilIdle();
    expect(seen).toEqual([2n ** 53n, late, -late]);
  });

  it('refuses to schedule into the past', () => {
    const s = new Scheduler();
    s.at(ns(10), () => expect(() => s.at(ns(5), () => {})).toThrow(/past/));
    s.runUntilIdle();
  });

  it('stops after maxSteps', () => {
    const s = new Scheduler();
    const loop = (): void => s.after(1n, loop);
    loop();
    expect(s.runUntilIdle(100)).toBe(100);
    expect(s.pending).toBe(1);
  });
});
