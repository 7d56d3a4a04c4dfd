import { describe, expect, it } from 'vitest';
import { checkScenarioFileName, languageOf, suggestCopyName } from './file-names';

describe('scenario file names', () => {
  it('accepts a plain name and adds the extension of the language', () => {
    expect(checkScenarioFileName('my-policy', 'typescript')).toEqual({ ok: true, name: 'my-policy.ts' });
    expect(checkScenarioFileName('  spec_1.json ', 'json')).toEqual({ ok: true, name: 'spec_1.json' });
    expect(checkScenarioFileName('v2.policy', 'typescript')).toEqual({ ok: true, name: 'v2.policy.ts' });
  });

  it('refuses empty names, paths, hidden files and other characters with a reason', () => {
    for (const bad of ['', '   ', '../x.ts', 'a/b.ts', 'a\\b.ts', '.hidden.ts', 'sp ace.ts', 'ümlaut.ts', `${'a'.repeat(121)}.ts`]) {
      const r = checkScenarioFileName(bad, 'typescript');
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.error.length).toBeGreaterThan(5);
    }
  });

  it('keeps the extension matching the language', () => {
    const r = checkScenarioFileName('x.json', 'typescript');
    expect(r).toEqual({ ok: false, error: 'A TypeScript scenario is saved as .ts.' });
    expect(checkScenarioFileName('x.ts', 'json').ok).toBe(false);
  });

  it('tells the language by extension', () => {
    expect(languageOf('a.json')).toBe('json');
    expect(languageOf('a.ts')).toBe('typescript');
  });

  it('suggests a copy name nobody has taken', () => {
    expect(suggestCopyName('happy-path.ts', new Set())).toBe('happy-path-copy.ts');
    expect(suggestCopyName('happy-path.ts', new Set(['happy-path-copy.ts']))).toBe('happy-path-copy-2.ts');
    expect(suggestCopyName('spec.json', new Set())).toBe('spec-copy.json');
  });
});
