/**
 * A Canvas2D that records what was painted instead of painting, for renderer
 * tests under plain Node (no DOM, no canvas package). Only markers and text
 * are tracked: enough to tell what the timeline drew and where.
 */
import type { Canvas2D } from '@renderer/timeline/timeline-renderer';

export interface PaintedText {
  readonly text: string;
  readonly x: number;
  readonly y: number;
}

export class RecordingCanvas implements Canvas2D {
  fillStyle: string | CanvasGradient | CanvasPattern = '#000';
  strokeStyle: string | CanvasGradient | CanvasPattern = '#000';
  lineWidth = 1;
  font = '10px sans-serif';
  textBaseline: CanvasTextBaseline = 'alphabetic';
  textAlign: CanvasTextAlign = 'start';
  globalAlpha = 1;

  readonly texts: PaintedText[] = [];
  /** Fill styles of every filled path (markers, arrow heads). */
  readonly pathFills: string[] = [];
  fillRectCount = 0;

  save(): void {}
  restore(): void {}
  setTransform(): void {}
  beginPath(): void {}
  moveTo(): void {}
  lineTo(): void {}
  bezierCurveTo(): void {}
  closePath(): void {}
  /** rect() calls: the cells of zoomed-out tracks are batched rects. */
  rectCount = 0;
  rect(): void {
    this.rectCount++;
  }
  clip(): void {}
  stroke(): void {}
  setLineDash(): void {}

  fill(): void {
    this.pathFills.push(String(this.fillStyle));
  }

  fillRect(): void {
    this.fillRectCount++;
  }

  fillText(text: string, x: number, y: number): void {
    this.texts.push({ text, x, y });
  }

  /** 6 px per character, like a small monospace font. */
  measureText(text: string): TextMetrics {
    return { width: text.length * 6 } as TextMetrics;
  }
}
