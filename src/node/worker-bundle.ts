/**
 * Worker code in a checkout without a build (tests, `tsx`): the worker's
 * TypeScript entry bundled in memory with esbuild, to be started with
 * `eval: true`. Built apps never come here: their bundles ship the worker
 * next to them (scripts/build-cli.mjs, electron.vite.config.ts).
 */
import { dirname } from 'node:path';

export type WorkerCode = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'eval'; readonly code: string };

/** Bundles `entry` (an absolute .ts path) for Node 20 as CommonJS, leaving `external` packages to require(). */
export async function bundleWorkerEntry(entry: string, external: readonly string[]): Promise<WorkerCode> {
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    write: false,
    external: [...external],
    logLevel: 'silent',
  });
  const code = out.outputFiles[0]!.text;
  // An eval'd worker resolves require() from the current directory; resolve from the source instead.
  const wrapped =
    `(function (require, __filename, __dirname) {\n${code}\n})(` +
    `require('node:module').createRequire(${JSON.stringify(entry)}), ${JSON.stringify(entry)}, ${JSON.stringify(dirname(entry))});`;
  return { kind: 'eval', code: wrapped };
}
