/**
 * Names of scenario documents: what the user may type in "Save as", the
 * language a name implies, and the name a built-in example or a session's
 * scenario gets when it becomes a workspace file. The host enforces the same
 * pattern (SCENARIO_FILE_NAME); checking here gives the message before the
 * round trip.
 */
import { SCENARIO_FILE_NAME } from '@shared/api/validate';

export type ScenarioLanguage = 'typescript' | 'json';

export type NameCheck = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly error: string };

export function languageOf(fileName: string): ScenarioLanguage {
  return fileName.toLowerCase().endsWith('.json') ? 'json' : 'typescript';
}

const EXTENSION: Record<ScenarioLanguage, string> = { typescript: '.ts', json: '.json' };

/**
 * Checks a name typed for a document in `language`; a missing extension is
 * added. A TypeScript scenario cannot be saved as `.json` (nor the reverse):
 * the host picks the compiler by the extension.
 */
export function checkScenarioFileName(input: string, language: ScenarioLanguage): NameCheck {
  const trimmed = input.trim();
  if (trimmed === '') return { ok: false, error: 'Give the file a name.' };
  if (/[\\/]/.test(trimmed)) return { ok: false, error: 'A name, not a path: no "/" or "\\".' };
  const name = /\.(ts|json)$/i.test(trimmed) ? trimmed : `${trimmed}${EXTENSION[language]}`;
  if (languageOf(name) !== language) {
    return { ok: false, error: `A ${language === 'json' ? 'declarative (JSON)' : 'TypeScript'} scenario is saved as ${EXTENSION[language]}.` };
  }
  if (name.startsWith('.')) return { ok: false, error: 'The name cannot start with ".".' };
  if (!SCENARIO_FILE_NAME.test(name)) {
    return { ok: false, error: 'Use letters, digits, "-", "_" and "." only (at most 120 before the extension), ending .ts or .json.' };
  }
  return { ok: true, name };
}

/** A name for saving a copy: `happy-path.ts` → `happy-path-copy.ts`, unique among `taken`. */
export function suggestCopyName(fileName: string, taken: ReadonlySet<string>): string {
  const m = /^(.*?)(\.ts|\.json)$/i.exec(fileName);
  const stem = (m?.[1] ?? fileName).replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^\.+/, '') || 'scenario';
  const ext = m?.[2] ?? '.ts';
  for (let i = 1; ; i++) {
    const candidate = `${stem}-copy${i === 1 ? '' : `-${i}`}${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}
