// `npm test`: every gate in order — the three typechecks, the layering check,
// the unit tests under plain Node, the build, then the end-to-end tests in
// Debian's Chromium. Stops at the first failing step and ends with one line
// "tests: N passed, M failed" counted from vitest's JSON reports.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, 'test-results');
mkdirSync(results, { recursive: true });

const npx = (args) => ['npx', ['--no-install', ...args]];
const vitest = (project) =>
  npx(['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${join(results, `${project}.json`)}`]);

const steps = [
  ['typecheck core (no Node, no DOM)', ...npx(['tsc', '--noEmit', '-p', 'tsconfig.core.json'])],
  ['typecheck node', ...npx(['tsc', '--noEmit', '-p', 'tsconfig.node.json'])],
  ['typecheck web', ...npx(['vue-tsc', '--noEmit', '-p', 'tsconfig.web.json'])],
  ['layering check', 'node', ['scripts/check-imports.mjs']],
  ['build the iopf command', 'node', ['scripts/build-cli.mjs']],
  ['unit tests', ...vitest('unit')],
  ['build renderer, main, preload', ...npx(['electron-vite', 'build'])],
  ['end-to-end tests (Chromium)', ...vitest('e2e')],
];

function count() {
  let passed = 0;
  let failed = 0;
  for (const project of ['unit', 'e2e']) {
    const file = join(results, `${project}.json`);
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += (r.numFailedTests ?? 0) + (r.numTotalTestSuites && r.success === false && !r.numFailedTests ? 1 : 0);
  }
  return { passed, failed };
}

const env = { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' };
for (const project of ['unit', 'e2e']) {
  const file = join(results, `${project}.json`);
  if (existsSync(file)) spawnSync('rm', ['-f', file]);
}
for (const [title, cmd, args] of steps) {
  console.log(`\n=== ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    const { passed, failed } = count();
    console.error(`\nnpm test: step "${title}" failed (exit ${r.status ?? r.signal})`);
    console.log(`tests: ${passed} passed, ${Math.max(failed, 1)} failed`);
    process.exit(1);
  }
}
const { passed, failed } = count();
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
