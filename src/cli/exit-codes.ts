/** Exit codes of every `iopf` command (docs/architecture.md, `iopf --help`). */
export const EXIT = {
  /** Success; every assertion passed. */
  OK: 0,
  /** The run finished and an assertion failed. */
  ASSERTION_FAILED: 1,
  /** The scenario could not run: syntax, validation, runtime error. Also I/O and database errors. */
  SCENARIO_ERROR: 2,
  /** Bad command line (sysexits.h EX_USAGE). */
  USAGE: 64,
} as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}
