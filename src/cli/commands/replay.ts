/** `iopf replay [<db>] --session ID [--verify] [--seed N] [--profile P] [--json]` */
import { parseArgs } from 'node:util';
import { assertTrusted } from '../../node/analysis/replay';
import { JobRunner } from '../../node/jobs/job-runner';
import { runScenarioSource } from '../../node/scenario-runtime/run-scenario-source';
import { SessionStore } from '../../node/recorder/session-store';
import { EXIT, UsageError } from '../exit-codes';
import type { CliIo } from '../io';
import { databaseOption, PROFILE_HELP, profileOption, seedOption, sessionIdOption, withDatabase } from '../options';

export const REPLAY_HELP = `Usage: iopf replay [<db>] --session ID [--verify] [options]

Re-runs a recorded session's scenario source with its recorded seed and
kernel profile.

With --verify, compares the new event stream with the recorded one, event
by event and column by column (raw uAPI bytes included), and prints
"identical" or the first diverging event: its seq, kind, the column that
differs, and the recorded and replayed values. Nothing is written.

Without --verify, records the re-run as a new session (optionally with
another --seed or --profile, to compare with \`iopf diff\`).

Options:
  --session ID             the session to replay (required)
  --verify                 compare instead of recording
  --trust                  run the scenario of an imported session (its code
                           did not come from you: read it first)
  --seed N                 re-run with another seed (not with --verify)
  --profile P              re-run with another kernel profile (not with --verify;
                           list below)
  --db FILE                the database (or give it as the first argument)
  --json                   print the result as JSON
  -h, --help               show this help

Exit codes: 0 identical (or recorded), 1 the replay diverged (or an
assertion failed), 2 scenario or database error, 64 usage error.

${PROFILE_HELP}`;

export async function replayCommand(argv: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      session: { type: 'string' },
      verify: { type: 'boolean', default: false },
      trust: { type: 'boolean', default: false },
      seed: { type: 'string' },
      profile: { type: 'string' },
      db: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(REPLAY_HELP);
    return EXIT.OK;
  }
  if (positionals.length > 1) throw new UsageError('iopf replay takes at most one database argument');
  if (positionals.length === 1 && values.db) throw new UsageError('give the database either as an argument or with --db, not both');
  const id = sessionIdOption(values.session, '--session');
  const seed = seedOption(values.seed);
  const kernelProfile = profileOption(values.profile);
  if (values.verify && (seed !== undefined || kernelProfile !== undefined)) throw new UsageError('--verify replays the recorded seed and profile; drop --seed/--profile');
  const dbPath = databaseOption(positionals[0] ?? values.db, env);
  return withDatabase(
    dbPath,
    async (db) => {
      if (values.verify) {
        // In a job process: a replayed scenario that brings its process down cannot take the command with it.
        const jobs = new JobRunner(() => undefined);
        let r;
        try {
          r = await jobs.start(undefined, { kind: 'verify', databasePath: db.path, sessionId: id, trusted: values.trust }).result;
        } finally {
          jobs.dispose();
        }
        if (values.json) io.out(JSON.stringify(r));
        else {
          if (!r.sourceHashMatches) io.out(`warning: session ${id}'s stored scenario source does not match its recorded SHA-256`);
          if (r.identical) io.out(`identical: ${r.compared} events of session ${id} replayed (seed ${r.seed}, ${r.kernelProfile})`);
          else {
            const d = r.divergence!;
            io.out(`diverged at seq ${d.seq} (${d.kind}): ${d.field} recorded ${d.recorded}, replayed ${d.replayed}`);
            io.out(`${r.compared} events matched before it; the recording has ${r.recordedEvents}`);
          }
        }
        return r.identical ? EXIT.OK : EXIT.ASSERTION_FAILED;
      }
      const s = new SessionStore(db).details(id);
      if (!s) throw new Error(`no session ${id} in ${db.path}`);
      if (!s.scenarioSource.trim()) throw new Error(`session ${id} has no scenario source to replay (imported without one)`);
      assertTrusted(s, id, { trusted: values.trust });
      const r = await runScenarioSource(s.scenarioSource, `${s.scenarioName || 'scenario'}.${s.scenarioFormat === 'json' ? 'json' : 'ts'}`, {
        db,
        sessionName: `${s.name} (replay of ${id})`,
        seed: seed ?? s.seed,
        kernelProfile: kernelProfile ?? s.kernelProfile,
      });
      if (r.error) io.err(r.error);
      if (values.json) io.out(JSON.stringify({ replayOf: id, sessionId: r.sessionId, events: r.eventCount, seed: r.seed, kernelProfile: r.kernelProfile, passed: r.passed, failed: r.failed, error: r.error }));
      else if (!r.error) io.out(`session ${r.sessionId}: replay of ${id} (seed ${r.seed}, ${r.kernelProfile}), ${r.eventCount} events, ${r.passed} passed, ${r.failed} failed`);
      return r.exitCode;
    },
    true,
  );
}
