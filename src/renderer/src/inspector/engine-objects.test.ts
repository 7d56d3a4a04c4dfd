import { describe, expect, it } from 'vitest';
import { readEngineState } from './engine-objects';

describe('readEngineState', () => {
  it('finds the object table at the top level, id and type first', () => {
    const state = readEngineState(JSON.stringify({ objects: [{ users: 1, type: 'IOAS', id: 1 }, { id: 2, type: 'FAULT', fd: 5 }] }));
    expect(state).toEqual({
      kind: 'objects',
      table: { columns: ['id', 'type', 'users', 'fd'], rows: [['1', 'IOAS', '1', ''], ['2', 'FAULT', '', '5']] },
    });
  });

  it('finds it under iommufd too', () => {
    const state = readEngineState(JSON.stringify({ iommufd: { objects: [{ id: 3, type: 'HWPT_PAGING' }] } }));
    expect(state.kind).toBe('objects');
  });

  it('shows other JSON as text, and says when it is not JSON', () => {
    expect(readEngineState('{"clock":5}')).toEqual({ kind: 'json', text: '{\n  "clock": 5\n}' });
    expect(readEngineState('{oops').kind).toBe('invalid');
  });
});
