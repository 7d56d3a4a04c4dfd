/**
 * The user's scenario workspace: a folder of `.ts` and `.json` scenario files
 * the editor lists, opens and saves. Callers name files, never paths: every
 * name is checked against SCENARIO_FILE_NAME (no separators, no leading dot)
 * before a path is built, symlinks and other non-regular files are neither
 * listed nor read, and a save goes to a temporary file renamed over the
 * target, so a crash never leaves half a scenario behind.
 */
import { lstatSync, type Stats, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_LIMITS, SCENARIO_FILE_NAME } from '../../shared/api/validate';
import type { ScenarioFileEntry, ScenarioSource } from '../../shared/api/workbench';

export class ScenarioFileError extends Error {
  override readonly name = 'ScenarioFileError';
}

export class ScenarioFiles {
  constructor(readonly dir: string) {}

  list(): ScenarioFileEntry[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: ScenarioFileEntry[] = [];
    for (const name of names.sort()) {
      if (!SCENARIO_FILE_NAME.test(name)) continue;
      const entry = this.entry(name);
      if (entry) out.push(entry);
    }
    return out;
  }

  read(name: string): ScenarioSource {
    const path = this.pathOf(name);
    const st = this.stat(name);
    if (!st) throw new ScenarioFileError(`no scenario file "${name}" in the workspace (${this.dir})`);
    if (st.bytes > API_LIMITS.sourceBytes) throw new ScenarioFileError(`${name} is larger than ${API_LIMITS.sourceBytes} bytes`);
    return { fileName: name, text: readFileSync(path, 'utf8') };
  }

  write(source: ScenarioSource): ScenarioFileEntry {
    const path = this.pathOf(source.fileName);
    mkdirSync(this.dir, { recursive: true });
    const existing = lstatOrNull(path);
    if (existing && !existing.isFile()) throw new ScenarioFileError(`${source.fileName} in the workspace is not a regular file; it is left alone`);
    const tmp = `${path}.${process.pid}.saving`;
    try {
      writeFileSync(tmp, source.text, 'utf8');
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new ScenarioFileError(`cannot save ${source.fileName} in ${this.dir}: ${(e as Error).message}`);
    }
    return this.entry(source.fileName)!;
  }

  private pathOf(name: string): string {
    if (!SCENARIO_FILE_NAME.test(name)) throw new ScenarioFileError(`not a scenario file name: ${JSON.stringify(name)}`);
    return join(this.dir, name);
  }

  private stat(name: string): { bytes: number; modifiedAt: string } | null {
    const st = lstatOrNull(this.pathOf(name));
    return st && st.isFile() ? { bytes: st.size, modifiedAt: st.mtime.toISOString() } : null;
  }

  private entry(name: string): ScenarioFileEntry | null {
    const st = this.stat(name);
    return st ? { name, ...st } : null;
  }
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
