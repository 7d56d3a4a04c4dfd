import { describe, expect, it } from 'vitest';
import { wheelAction } from './input';

const wheel = (over: Partial<Parameters<typeof wheelAction>[0]>): ReturnType<typeof wheelAction> =>
  wheelAction({ deltaX: 0, deltaY: 0, deltaMode: 0, shiftKey: false, altKey: false, ...over });

describe('wheelAction', () => {
  it('zooms in on wheel up and out on wheel down', () => {
    const up = wheel({ deltaY: -100 });
    const down = wheel({ deltaY: 100 });
    expect(up?.kind === 'zoom' && up.factor).toBeGreaterThan(1);
    expect(down?.kind === 'zoom' && down.factor).toBeLessThan(1);
  });

  it('treats line-mode deltas as 16 px lines', () => {
    const lines = wheel({ deltaY: 3, deltaMode: 1 });
    const pixels = wheel({ deltaY: 48 });
    expect(lines).toEqual(pixels);
  });

  it('pans on Shift+wheel and on horizontal swipes', () => {
    expect(wheel({ deltaY: 40, shiftKey: true })).toEqual({ kind: 'panPx', px: 40 });
    expect(wheel({ deltaX: -30, deltaY: 2 })).toEqual({ kind: 'panPx', px: -30 });
  });

  it('scrolls tracks on Alt+wheel', () => {
    expect(wheel({ deltaY: 60, altKey: true })).toEqual({ kind: 'scroll', px: 60 });
  });

  it('ignores a zero delta', () => {
    expect(wheel({})).toBeNull();
  });
});
