/**
 * The one requestAnimationFrame loop of the renderer (Perfetto's
 * raf_scheduler in miniature). Anything that changes what the canvas shows
 * calls scheduleRedraw(); however many calls arrive in a frame, every
 * registered painter runs once on the next animation frame.
 */
import type { Disposable } from '@shared/api/workbench';

type FrameRequester = (callback: () => void) => void;

export class RafScheduler {
  private readonly painters = new Set<() => void>();
  private scheduled = false;
  /** How long the last frame's painters took, ms (performance.now), for the view's report and the bench. */
  lastPaintMs = 0;
  frames = 0;

  constructor(
    private readonly requestFrame: FrameRequester = (cb) => void requestAnimationFrame(cb),
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Registers a canvas painter; it runs on every scheduled frame until disposed. */
  addPainter(paint: () => void): Disposable {
    this.painters.add(paint);
    return { dispose: () => void this.painters.delete(paint) };
  }

  scheduleRedraw(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.requestFrame(() => this.frame());
  }

  private frame(): void {
    this.scheduled = false;
    const start = this.now();
    for (const paint of [...this.painters]) {
      try {
        paint();
      } catch (err) {
        // One broken painter must not stop the others or the loop.
        console.error('timeline painter failed', err);
      }
    }
    this.lastPaintMs = this.now() - start;
    this.frames++;
  }
}

/** The application's scheduler. */
export const raf = new RafScheduler();
