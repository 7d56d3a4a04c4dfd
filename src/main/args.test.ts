import { describe, expect, it } from 'vitest';
import { databaseArg } from './args';

describe('databaseArg', () => {
  it('reads --db=<file> among Electron and Chromium switches, resolved against cwd', () => {
    expect(databaseArg(['/usr/bin/electron', '.', '--no-sandbox', '--db=traces/a.db'], '/home/ada/work')).toBe(
      '/home/ada/work/traces/a.db',
    );
    expect(databaseArg(['iopf-workbench', '--db=/data/x.db'], '/')).toBe('/data/x.db');
  });

  it('is undefined when absent or empty, and the last one wins', () => {
    expect(databaseArg(['electron', '.'], '/')).toBeUndefined();
    expect(databaseArg(['electron', '--db='], '/')).toBeUndefined();
    expect(databaseArg(['electron', '--db=/a.db', '--db=/b.db'], '/')).toBe('/b.db');
  });

  it('does not take a look-alike switch', () => {
    expect(databaseArg(['electron', '--dbx=/a.db', '--db', '/b.db'], '/')).toBeUndefined();
  });
});
