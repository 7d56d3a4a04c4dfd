/**
 * The built-in example scenarios in resources/scenarios, by id (file name
 * without `.json`). Ids are checked against a strict pattern before any path
 * is built, so a caller cannot reach outside the folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioEntry } from '../../shared/api/workbench';
import { parseScenarioSource } from '../recorder/record-run';

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export class ScenarioCatalog {
  constructor(private readonly dir: string) {}

  list(): ScenarioEntry[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => {
        const id = f.slice(0, -'.json'.length);
        const spec = parseScenarioSource(this.read(id), `resources/scenarios/${f}`);
        return { id, title: spec.title, description: spec.description };
      });
  }

  /** Source text of a built-in scenario. */
  read(id: string): string {
    if (!ID.test(id)) throw new Error(`not a scenario id: ${JSON.stringify(id)}`);
    try {
      return readFileSync(join(this.dir, `${id}.json`), 'utf8');
    } catch {
      throw new Error(`no built-in scenario "${id}"`);
    }
  }

  path(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}
