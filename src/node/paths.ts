/**
 * Where the workbench keeps its data. The desktop app, the web host and the
 * CLI all record into ONE database, so they must all compute the same path:
 * this module is that single rule. The functions take the environment,
 * platform and home directory as parameters (defaults = this process) so the
 * per-OS rules can be tested on any OS.
 */
import { homedir as osHomedir } from 'node:os';
import { posix, resolve, win32 } from 'node:path';

/** Folder name under the per-user data directory. */
export const DATA_DIR_NAME = 'iopf-workbench';

/** File name of the shared database inside the data directory. */
export const DATABASE_FILE_NAME = 'workbench.db';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The per-user data directory:
 * - Linux and other Unixes: `$XDG_DATA_HOME/iopf-workbench`, else `~/.local/share/iopf-workbench`
 *   (the XDG Base Directory spec says to ignore a relative XDG_DATA_HOME);
 * - macOS: `~/Library/Application Support/iopf-workbench`;
 * - Windows: `%APPDATA%\iopf-workbench`, else `<home>\AppData\Roaming\iopf-workbench`.
 */
export function defaultDataDir(env: Env, platform: NodeJS.Platform | string, homedir: string): string {
  switch (platform) {
    case 'win32': {
      // win32.join even when the tests run on Linux: the result is a Windows path.
      const appData = nonEmpty(env.APPDATA) ?? win32.join(homedir, 'AppData', 'Roaming');
      return win32.join(appData, DATA_DIR_NAME);
    }
    case 'darwin':
      return posix.join(homedir, 'Library', 'Application Support', DATA_DIR_NAME);
    default: {
      const xdg = nonEmpty(env.XDG_DATA_HOME);
      const base = xdg && posix.isAbsolute(xdg) ? xdg : posix.join(homedir, '.local', 'share');
      return posix.join(base, DATA_DIR_NAME);
    }
  }
}

/**
 * The shared database file: `$IOPF_DB` when set (resolved against the current
 * directory), else `<defaultDataDir>/workbench.db`.
 */
export function defaultDatabasePath(
  env: Env = process.env,
  platform: NodeJS.Platform | string = process.platform,
  homedir: string = osHomedir(),
): string {
  const override = nonEmpty(env.IOPF_DB);
  if (override) return resolve(override);
  const dir = defaultDataDir(env, platform, homedir);
  return platform === 'win32' ? win32.join(dir, DATABASE_FILE_NAME) : posix.join(dir, DATABASE_FILE_NAME);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}
