import { describe, expect, it } from 'vitest';
import type { PathTotals } from '@shared/api/analysis';
import { readStateAnswer, totalText } from './state-answer';

const totals: PathTotals = { faultsQueued: 1, groupsRead: 1, responses: 0, autoResponses: 0, pageResponses: 0, prgResponses: 0, prqDrops: 0, fdErrors: 0 };

function fullAnswer(): Record<string, unknown> {
  return {
    sessionId: 1,
    seq: 7,
    t: 700,
    checkpointSeq: null,
    replayed: 8,
    engineCheckpoint: null,
    state: {
      version: 1,
      seq: 7,
      t: 700,
      deliver: [{ dev: 1, pasid: null, grpid: 2, addr: '0x1000', seq: 5 }],
      cookies: [],
      prq: [{ iommu: 0, entries: [{ dev: 1, pasid: null, grpid: 2, seq: 3 }], overflow: false, highWater: 1 }],
      devices: [{ dev: 1, prgs: [{ grpid: 2, pasid: null, requests: 1, seq: 2 }], requests: 1 }],
      partial: [],
      totals,
      objects: [{ id: 1, type: 'IOAS', ctx: 1, dev: null, detail: '', seq: 1 }],
    },
  };
}

describe('readStateAnswer', () => {
  it('passes a whole answer through with nothing missing', () => {
    const r = readStateAnswer(fullAnswer());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.missing).toEqual([]);
    expect(r.answer.state.prq[0]!.entries).toHaveLength(1);
    expect(r.answer.state.objects[0]!.type).toBe('IOAS');
    expect(r.answer.replayed).toBe(8);
  });

  it('reads missing lists, nested lists and totals as empty and names each', () => {
    const a = fullAnswer();
    const state = a.state as Record<string, unknown>;
    delete state.objects;
    delete state.totals;
    state.cookies = null;
    state.prq = [{ iommu: 0, overflow: false, highWater: 0 }];
    state.devices = [{ dev: 1, requests: 0 }];
    delete a.t;
    const r = readStateAnswer(a);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.missing).toEqual(['state.cookies', 'state.objects', 'state.prq[0].entries', 'state.devices[0].prgs', 'state.totals', 't']);
    expect(r.answer.state.objects).toEqual([]);
    expect(r.answer.state.cookies).toEqual([]);
    expect(r.answer.state.prq[0]!.entries).toEqual([]);
    expect(r.answer.state.devices[0]!.prgs).toEqual([]);
    expect(totalText(r.answer.state.totals, 'responses')).toBe('—');
    expect(r.answer.state.deliver).toHaveLength(1);
  });

  it('refuses an answer with no state or no seq, saying which', () => {
    expect(readStateAnswer(undefined)).toEqual({ ok: false, problem: 'the host answered without a state' });
    const noState = fullAnswer();
    delete noState.state;
    expect(readStateAnswer(noState)).toEqual({ ok: false, problem: 'the host’s answer for #7 has no state' });
    const noSeq = fullAnswer();
    delete noSeq.seq;
    expect(readStateAnswer(noSeq)).toMatchObject({ ok: false, problem: expect.stringContaining('(seq)') });
  });

  it('shows a total that is there, zero included', () => {
    expect(totalText(totals, 'faultsQueued')).toBe('1');
    expect(totalText(totals, 'responses')).toBe('0');
  });
});
