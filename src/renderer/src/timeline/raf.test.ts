import { describe, expect, it, vi } from 'vitest';
import { RafScheduler } from './raf';

function manualFrames(): { request: (cb: () => void) => void; flush: () => void; pending: () => number } {
  let queue: (() => void)[] = [];
  return {
    request: (cb) => void queue.push(cb),
    flush: () => {
      const run = queue;
      queue = [];
      for (const cb of run) cb();
    },
    pending: () => queue.length,
  };
}

describe('RafScheduler', () => {
  it('coalesces many redraw requests into one frame', () => {
    const frames = manualFrames();
    const raf = new RafScheduler(frames.request);
    const paint = vi.fn();
    raf.addPainter(paint);
    raf.scheduleRedraw();
    raf.scheduleRedraw();
    raf.scheduleRedraw();
    expect(frames.pending()).toBe(1);
    frames.flush();
    expect(paint).toHaveBeenCalledTimes(1);
    raf.scheduleRedraw();
    frames.flush();
    expect(paint).toHaveBeenCalledTimes(2);
  });

  it('stops calling a disposed painter', () => {
    const frames = manualFrames();
    const raf = new RafScheduler(frames.request);
    const paint = vi.fn();
    raf.addPainter(paint).dispose();
    raf.scheduleRedraw();
    frames.flush();
    expect(paint).not.toHaveBeenCalled();
  });

  it('keeps painting the others when one painter throws', () => {
    const frames = manualFrames();
    const raf = new RafScheduler(frames.request);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const good = vi.fn();
    raf.addPainter(() => {
      throw new Error('boom');
    });
    raf.addPainter(good);
    raf.scheduleRedraw();
    frames.flush();
    expect(good).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledOnce();
    error.mockRestore();
  });

  it('measures how long the painters of a frame took', () => {
    const frames = manualFrames();
    let clock = 100;
    const raf = new RafScheduler(frames.request, () => clock);
    raf.addPainter(() => {
      clock += 7;
    });
    raf.scheduleRedraw();
    frames.flush();
    expect(raf.lastPaintMs).toBe(7);
    expect(raf.frames).toBe(1);
  });
});
