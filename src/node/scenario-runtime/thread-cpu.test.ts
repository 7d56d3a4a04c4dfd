import { describe, expect, it } from 'vitest';
import { cpuPastLimit, markOverLimit, parseSchedstat, readThreadTimes } from './thread-cpu';

describe('thread CPU time', () => {
  it('parses a schedstat line: ns on a CPU, ns waiting for one', () => {
    expect(parseSchedstat('111704789 3854470 17\n')).toEqual({ cpuMs: 111.704789, runDelayMs: 3.85447 });
    expect(parseSchedstat('')).toBeNull();
    expect(parseSchedstat('12 abc 3')).toBeNull();
  });

  it("reads this thread's CPU time from /proc, which grows while the thread computes", () => {
    const before = readThreadTimes();
    if (before === null) {
      expect(process.platform).not.toBe('linux'); // Linux always reports it
      return;
    }
    const end = performance.now() + 50;
    let n = 0;
    while (performance.now() < end) n++;
    const after = readThreadTimes()!;
    expect(n).toBeGreaterThan(0);
    expect(after.cpuMs).toBeGreaterThan(before.cpuMs);
    expect(after.runDelayMs).toBeGreaterThanOrEqual(before.runDelayMs);
  });

  it('bounds the CPU a slice used before the mark from below by its wall time less the run delay, and by the thread CPU', () => {
    expect(markOverLimit(1200, { cpuMs: 9000, runDelayMs: 100 })).toEqual({ cpuMs: 9000, cpuFloorMs: 1100 });
    expect(markOverLimit(1200, { cpuMs: 9000, runDelayMs: 5000 })).toEqual({ cpuMs: 9000, cpuFloorMs: 0 });
    expect(markOverLimit(1200, { cpuMs: 300, runDelayMs: 0 })).toEqual({ cpuMs: 300, cpuFloorMs: 300 });
  });

  it('says past the limit only when the bound plus the CPU since the mark passes it', () => {
    const mark = { cpuMs: 2000, cpuFloorMs: 400 };
    expect(cpuPastLimit(1000, mark, { cpuMs: 2600, runDelayMs: 0 })).toBe(false);
    expect(cpuPastLimit(1000, mark, { cpuMs: 2601, runDelayMs: 0 })).toBe(true);
  });
});
