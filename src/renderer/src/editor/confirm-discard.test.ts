import { describe, expect, it } from 'vitest';
import { confirmDiscard } from './confirm-discard';

describe('confirmDiscard', () => {
  it('asks only when there are unsaved edits, naming the file, and follows the answer', () => {
    const asked: string[] = [];
    const ask = (answer: boolean) => (msg: string): boolean => (asked.push(msg), answer);
    expect(confirmDiscard(false, 'a.ts', ask(false))).toBe(true);
    expect(asked).toEqual([]);
    expect(confirmDiscard(true, 'a.ts', ask(false))).toBe(false);
    expect(confirmDiscard(true, 'a.ts', ask(true))).toBe(true);
    expect(asked).toEqual(['a.ts has unsaved changes. Discard them?', 'a.ts has unsaved changes. Discard them?']);
  });
});
