/**
 * Command-line options of the desktop app. Electron passes its own and
 * Chromium's switches in the same argv, so only our own `--db=<file>` is read
 * and everything else is left alone.
 */
import { resolve } from 'node:path';

/** `--db=<file>` → absolute path (against `cwd`); undefined when absent or empty. The last one wins. */
export function databaseArg(argv: readonly string[], cwd: string = process.cwd()): string | undefined {
  let value: string | undefined;
  for (const arg of argv) {
    if (arg.startsWith('--db=')) value = arg.slice('--db='.length);
  }
  return value ? resolve(cwd, value) : undefined;
}
