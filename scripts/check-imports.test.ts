import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without type declarations
import { checkImports } from './check-imports.mjs';

const dirs: string[] = [];
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('layering check', () => {
  it('passes the real source tree', () => {
    expect(checkImports(join(__dirname, '..', 'src'))).toEqual([]);
  });

  it.each([
    ["import { readFileSync } from 'node:fs';", /Node built-in "node:fs"/],
    ["import { app } from 'electron';", /package "electron"/],
    ["const fs = require('fs');", /Node built-in "fs"/],
    ["import { x } from '../node/db';", /core may not import node/],
    ["export * from '@node/service';", /core may not import node/],
  ])('fails a core file that does %s', (line, message) => {
    const root = tree({ 'core/bad.ts': `${line}\nexport const y = 1;\n`, 'node/db.ts': 'export const x = 1;' });
    const v: string[] = checkImports(root);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatch(message);
  });

  it('fails a renderer file that reaches the Node layer or the preload implementation', () => {
    const root = tree({
      'renderer/src/a.ts': "import { x } from '../../node/db';\nimport { y } from '../../preload/index';\n",
      'node/db.ts': 'export const x = 1;',
      'preload/index.ts': 'export const y = 1;',
    });
    const v: string[] = checkImports(root);
    expect(v.some((s) => /renderer may not import node/.test(s))).toBe(true);
    expect(v.some((s) => /only the preload's index.d.ts/.test(s))).toBe(true);
  });

  it('lets a layer import the layers below it and a core test use vitest', () => {
    const root = tree({
      'shared/t.ts': 'export const t = 1;',
      'core/a.ts': "import { t } from '../shared/t';\nexport const a = t;\n",
      'core/a.test.ts': "import { it } from 'vitest';\nimport { readFileSync } from 'node:fs';\n",
      'node/b.ts': "import { a } from '../core/a';\nimport Database from 'better-sqlite3';\n",
    });
    expect(checkImports(root)).toEqual([]);
  });
});
