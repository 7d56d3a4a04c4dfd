import { describe, expect, it } from 'vitest';
import type { JobProgress } from '../../shared/api/workbench';
import { ProgressThrottle } from './progress-throttle';

describe('ProgressThrottle', () => {
  it('sends at most one message per interval within a phase, every new phase, and one final message', () => {
    let now = 0;
    const sent: JobProgress[] = [];
    const t = new ProgressThrottle('j1', 'export', (p) => sent.push(p), 100, () => now);
    for (let i = 0; i < 1000; i++) {
      now = i; // 1000 reports over one second
      t.report('writing', i, 1000);
    }
    expect(sent.length).toBe(10);
    t.report('renaming', 1000, 1000);
    expect(sent.at(-1)).toMatchObject({ phase: 'renaming', finished: false });
    t.finish('done');
    t.finish('done');
    t.report('writing', 5, 1000);
    expect(sent.filter((p) => p.finished)).toEqual([{ jobId: 'j1', kind: 'export', phase: 'done', done: 1000, total: 1000, finished: true }]);
    expect(sent.at(-1)!.finished).toBe(true);
  });
});
