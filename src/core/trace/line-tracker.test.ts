import { describe, expect, it } from 'vitest';
import { LineTracker } from './line-tracker';

describe('LineTracker', () => {
  it('takes the acting line first, then the script slot while script code runs, then the parent line', () => {
    const t = new LineTracker();
    const slot = new Int32Array(1);
    t.attachSlot(slot);
    slot[0] = 7;
    expect(t.lineFor(0, null)).toBe(0); // engine code: the slot is not read
    t.runScript(() => {
      slot[0] = 9;
      expect(t.lineFor(1, 0)).toBe(9); // the script call wins over the parent
      expect(t.withLine(4, () => t.lineFor(2, 1))).toBe(4);
    });
    expect(t.lineFor(3, 1)).toBe(9); // a consequence inherits its parent's line
    expect(t.lineFor(4, 2)).toBe(4);
    expect(t.lineFor(5, null)).toBe(0);
  });

  it('finds the line of a parent a million events back, past the growth of its ring', () => {
    const t = new LineTracker();
    t.withLine(12, () => t.lineFor(0, null));
    const far = (1 << 20) - 1;
    for (let seq = 1; seq < far; seq++) t.lineFor(seq, null);
    expect(t.lineFor(far, 0)).toBe(12);
    t.lineFor(far + 1, null);
    // Overwritten by now: an older parent counts as having no line.
    expect(t.lineFor(far + 2, 0)).toBe(0);
  });

  it('starts remembering with the first line, however late, and grows its ring without losing a line', () => {
    const t = new LineTracker();
    for (let seq = 0; seq < 100_000; seq++) expect(t.lineFor(seq, seq > 0 ? seq - 1 : null)).toBe(0);
    expect(t.withLine(3, () => t.lineFor(100_000, null))).toBe(3);
    // A chain of consequences 50 000 events long, interleaved with unrelated events: the ring grows under it.
    let parent = 100_000;
    for (let seq = 100_001; seq < 200_000; seq++) {
      if (seq % 2 === 0) {
        expect(t.lineFor(seq, parent)).toBe(3);
        parent = seq;
      } else expect(t.lineFor(seq, null)).toBe(0);
    }
    expect(t.lineFor(200_000, 100_000)).toBe(3);
  });
});
