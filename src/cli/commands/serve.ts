/** `iopf serve [--port N] [--db FILE]`: the web host for a browser on this machine. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openWorkbench } from '../../node/service/open-workbench';
import { startWebHost } from '../../node/webhost/web-host';
import { findResourcesDir, defaultResourceStarts } from '../../node/resources';
import { EXIT, UsageError } from '../exit-codes';
import type { CliIo } from '../io';
import { databaseOption, portOption } from '../options';

export const SERVE_HELP = `Usage: iopf serve [options]

Serves the workbench UI and its API on http://127.0.0.1 only, for a browser
on this machine (or through an SSH tunnel), when the desktop shell is not
available. The renderer must be built first (npm run build:web; npm run serve
does both).

Options:
  --port N     listen on port N (default: any free port)
  --db FILE    use FILE instead of the shared database
  -h, --help   show this help`;

export async function serveCommand(argv: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(SERVE_HELP);
    return EXIT.OK;
  }
  if (positionals.length) throw new UsageError('iopf serve takes no arguments');
  const port = portOption(values.port);
  const resources = findResourcesDir(defaultResourceStarts());
  const rendererDir = join(resources, '..', 'out', 'renderer');
  if (!existsSync(join(rendererDir, 'index.html')))
    throw new Error(`the renderer is not built (${rendererDir} has no index.html): run npm run build:web`);
  const service = openWorkbench({ databasePath: databaseOption(values.db, env), host: 'web', resourcesDir: resources });
  const host = await startWebHost({ service, rendererDir, port });
  io.out(`IOPF Workbench is served at ${host.url}`);
  io.out(`database: ${(await service.getAppInfo()).databasePath}`);
  io.out('press Ctrl+C to stop');
  await new Promise<void>((done) => {
    const stop = (): void => {
      void host.close().then(() => {
        service.dispose();
        done();
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return EXIT.OK;
}
