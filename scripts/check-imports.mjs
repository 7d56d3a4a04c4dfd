// Layering check (docs/architecture.md): a file's folder states its runtime and
// imports only flow down. Fails when a layer imports one it may not use, when
// the pure core imports a Node built-in, electron or any package, or when the
// renderer reaches Node. Usage: node scripts/check-imports.mjs [srcDir]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Which layers each layer may import (its own always allowed). */
export const ALLOWED = {
  shared: [],
  core: ['shared'],
  node: ['shared', 'core'],
  cli: ['shared', 'core', 'node'],
  main: ['shared', 'core', 'node'],
  preload: ['shared'],
  renderer: ['shared', 'preload'],
};

/** Packages a layer may import; `*` means any. Node built-ins are listed as `node:`. */
const PACKAGES = {
  shared: [],
  core: [],
  node: ['*'],
  cli: ['*'],
  main: ['*'],
  preload: ['electron'],
  renderer: ['vue', 'pinia', 'monaco-editor', '@vue/test-utils', 'vitest'],
};

const IMPORT_RE = /(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sourceFiles(p);
    else if (/\.(ts|mts|cts|vue|js|mjs)$/.test(name)) yield p;
  }
}

function layerOf(srcDir, file) {
  const first = relative(srcDir, file).split(sep)[0];
  return first in ALLOWED ? first : null;
}

const ALIASES = { '@shared/': 'shared', '@core/': 'core', '@node/': 'node', '@renderer/': 'renderer' };

/** Returns human-readable violations for every file under srcDir. */
export function checkImports(srcDir) {
  const violations = [];
  for (const file of sourceFiles(srcDir)) {
    const from = layerOf(srcDir, file);
    if (!from) continue;
    const isTest = /\.test\.ts$/.test(file);
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
      const where = `${relative(srcDir, file)}: imports "${spec}"`;
      let to = null;
      if (spec.startsWith('.')) to = layerOf(srcDir, resolve(dirname(file), spec));
      else {
        const alias = Object.keys(ALIASES).find((a) => spec.startsWith(a));
        if (alias) to = ALIASES[alias];
      }
      if (to) {
        if (to !== from && !ALLOWED[from].includes(to))
          violations.push(`${where} — ${from} may not import ${to} (allowed: ${ALLOWED[from].join(', ') || 'none'})`);
        if (from === 'renderer' && to === 'preload' && !/index\.d(\.ts)?$/.test(spec))
          violations.push(`${where} — the renderer may use only the preload's index.d.ts`);
        continue;
      }
      if (spec.startsWith('.')) continue; // outside src (package.json, resources)
      // Tests of the pure core run under Node and may use the test runner and Node built-ins.
      if (isTest && (spec === 'vitest' || spec.startsWith('node:'))) continue;
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      const allowed = PACKAGES[from];
      if (allowed.includes('*') || allowed.includes(pkg)) continue;
      const kind = spec.startsWith('node:') || /^(fs|path|os|child_process|worker_threads|crypto|http|net|vm)$/.test(pkg) ? 'Node built-in' : 'package';
      violations.push(`${where} — ${from} may not import the ${kind} "${pkg}"`);
    }
  }
  return violations;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const srcDir = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src'));
  const violations = checkImports(srcDir);
  if (violations.length) {
    console.error(`layering check: ${violations.length} violation(s)`);
    for (const v of violations) console.error(`  ${v}`);
    process.exit(1);
  }
  console.log('layering check: ok');
}
