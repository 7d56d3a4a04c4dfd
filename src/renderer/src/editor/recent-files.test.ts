import { describe, expect, it } from 'vitest';
import { loadRecent, parseRecent, pushRecent, RECENT_FILES_KEY, RECENT_FILES_MAX, removeRecent, saveRecent, type RecentFile } from './recent-files';

const ws = (name: string): RecentFile => ({ kind: 'workspace', name });
const ex = (name: string): RecentFile => ({ kind: 'example', name });

describe('recent files', () => {
  it('puts the newest first and moves a reopened file to the front', () => {
    let list = pushRecent([], ws('a.ts'));
    list = pushRecent(list, ex('happy-path'));
    list = pushRecent(list, ws('a.ts'));
    expect(list).toEqual([ws('a.ts'), ex('happy-path')]);
  });

  it('tells an example from a workspace file of the same name', () => {
    expect(pushRecent([ex('x')], ws('x.ts'))).toHaveLength(2);
    expect(removeRecent([ex('x'), ws('x.ts')], ex('x'))).toEqual([ws('x.ts')]);
  });

  it(`keeps the last ${RECENT_FILES_MAX}`, () => {
    let list: RecentFile[] = [];
    for (let i = 0; i < 14; i++) list = pushRecent(list, ws(`f${i}.ts`));
    expect(list).toHaveLength(RECENT_FILES_MAX);
    expect(list[0]).toEqual(ws('f13.ts'));
    expect(list.at(-1)).toEqual(ws('f4.ts'));
  });

  it('skips malformed stored entries instead of trusting them', () => {
    const stored = JSON.stringify([ws('ok.ts'), ws('../etc/passwd'), { kind: 'other', name: 'x.ts' }, ex('Bad Id'), ws('ok.ts'), 5, ex('happy-path')]);
    expect(parseRecent(stored)).toEqual([ws('ok.ts'), ex('happy-path')]);
    expect(parseRecent('{not json')).toEqual([]);
    expect(parseRecent('{"kind":"workspace"}')).toEqual([]);
    expect(parseRecent(null)).toEqual([]);
  });

  it('round-trips through storage and survives a storage that throws', () => {
    const m = new Map<string, string>();
    const storage = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
    saveRecent(storage, [ws('b.ts'), ex('happy-path')]);
    expect(m.has(RECENT_FILES_KEY)).toBe(true);
    expect(loadRecent(storage)).toEqual([ws('b.ts'), ex('happy-path')]);
    const broken = {
      getItem: (): string => {
        throw new Error('denied');
      },
      setItem: (): void => {
        throw new Error('full');
      },
    };
    expect(loadRecent(broken)).toEqual([]);
    expect(() => saveRecent(broken, [ws('b.ts')])).not.toThrow();
  });
});
