/**
 * The built-in example scenarios in resources/scenarios, by id (file name
 * without extension). Listing reads titles and descriptions from the source
 * text — it never runs a scenario. Ids are checked against a strict pattern
 * before any path is built, so a caller cannot reach outside the folder.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioEntry } from '../../shared/api/workbench';

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const EXTENSIONS = ['.ts', '.json'] as const;

export interface CatalogFile {
  readonly id: string;
  readonly filename: string;
  readonly source: string;
}

/** `title: '…'` (TS) or `"title": "…"` (JSON). */
function titleOf(source: string): string | null {
  return /["']?title["']?\s*:\s*(['"])((?:\\.|(?!\1).)*)\1/.exec(source)?.[2] ?? null;
}

/** The leading block comment, as plain text (TS), or the "description" field (JSON). */
function descriptionOf(source: string): string {
  const json = /"description"\s*:\s*"((?:\\.|[^"])*)"/.exec(source);
  if (json) return json[1]!.replace(/\\"/g, '"');
  const block = /^\s*\/\*\*?([\s\S]*?)\*\//.exec(source);
  if (!block) return '';
  return block[1]!
    .split('\n')
    .map((l) => l.replace(/^\s*\*\s?/, '').trim())
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export class ScenarioCatalog {
  constructor(private readonly dir: string) {}

  list(): ScenarioEntry[] {
    const seen = new Set<string>();
    const out: ScenarioEntry[] = [];
    for (const f of readdirSync(this.dir).sort()) {
      const ext = EXTENSIONS.find((e) => f.endsWith(e));
      if (!ext) continue;
      const id = f.slice(0, -ext.length);
      if (!ID.test(id) || seen.has(id)) continue;
      seen.add(id);
      const source = readFileSync(join(this.dir, f), 'utf8');
      out.push({ id, title: titleOf(source) ?? id, description: descriptionOf(source) });
    }
    return out;
  }

  /** The source of a built-in scenario (TypeScript preferred). */
  file(id: string): CatalogFile {
    if (!ID.test(id)) throw new Error(`not a scenario id: ${JSON.stringify(id)}`);
    for (const ext of EXTENSIONS) {
      const p = join(this.dir, `${id}${ext}`);
      if (existsSync(p)) return { id, filename: `${id}${ext}`, source: readFileSync(p, 'utf8') };
    }
    throw new Error(`no built-in scenario "${id}"`);
  }
}
