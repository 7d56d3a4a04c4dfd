import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir, defaultDatabasePath } from './paths';

describe('defaultDataDir', () => {
  it('uses $XDG_DATA_HOME on Linux when it is set and absolute', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/data/xdg' }, 'linux', '/home/ada')).toBe('/data/xdg/iopf-workbench');
  });

  it('falls back to ~/.local/share on Linux when XDG_DATA_HOME is unset, empty or relative', () => {
    const expected = '/home/ada/.local/share/iopf-workbench';
    expect(defaultDataDir({}, 'linux', '/home/ada')).toBe(expected);
    expect(defaultDataDir({ XDG_DATA_HOME: '' }, 'linux', '/home/ada')).toBe(expected);
    expect(defaultDataDir({ XDG_DATA_HOME: 'relative/dir' }, 'linux', '/home/ada')).toBe(expected);
  });

  it('follows the XDG rule on other Unixes too', () => {
    expect(defaultDataDir({}, 'freebsd', '/usr/home/ada')).toBe('/usr/home/ada/.local/share/iopf-workbench');
  });

  it('uses ~/Library/Application Support on macOS and ignores XDG_DATA_HOME there', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/data/xdg' }, 'darwin', '/Users/ada')).toBe(
      '/Users/ada/Library/Application Support/iopf-workbench',
    );
  });

  it('uses %APPDATA% on Windows, with backslashes whatever the host OS', () => {
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ada')).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\iopf-workbench',
    );
  });

  it('derives the roaming folder from the home directory when %APPDATA% is missing', () => {
    expect(defaultDataDir({}, 'win32', 'C:\\Users\\ada')).toBe('C:\\Users\\ada\\AppData\\Roaming\\iopf-workbench');
  });
});

describe('defaultDatabasePath', () => {
  it('is workbench.db inside the data directory', () => {
    expect(defaultDatabasePath({}, 'linux', '/home/ada')).toBe('/home/ada/.local/share/iopf-workbench/workbench.db');
    expect(defaultDatabasePath({ APPDATA: 'D:\\Roam' }, 'win32', 'C:\\Users\\ada')).toBe(
      'D:\\Roam\\iopf-workbench\\workbench.db',
    );
  });

  it('honours IOPF_DB, resolved against the current directory', () => {
    expect(defaultDatabasePath({ IOPF_DB: '/tmp/x.db', XDG_DATA_HOME: '/data' }, 'linux', '/home/ada')).toBe('/tmp/x.db');
    expect(defaultDatabasePath({ IOPF_DB: 'rel/x.db' }, 'linux', '/home/ada')).toBe(resolve('rel/x.db'));
  });

  it('ignores an empty IOPF_DB', () => {
    expect(defaultDatabasePath({ IOPF_DB: '  ' }, 'linux', '/home/ada')).toBe(
      '/home/ada/.local/share/iopf-workbench/workbench.db',
    );
  });

  it('defaults to this process when called without arguments', () => {
    expect(defaultDatabasePath()).toBe(defaultDatabasePath(process.env, process.platform, homedir()));
  });
});
