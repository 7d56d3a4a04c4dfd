/** Entry of the `iopf` bundle (out/cli/iopf.cjs, built by scripts/build-cli.mjs). */
import { processIo } from './io';
import { main } from './main';

main(process.argv.slice(2), processIo, process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`iopf: internal error: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 70;
  },
);
