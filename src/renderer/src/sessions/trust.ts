/**
 * Workspace trust on replay (docs/trace-format.md §4): a session imported
 * from a file carries a scenario someone else wrote; when it is TypeScript,
 * replaying runs that code, so the user reads it and agrees first. JSON
 * scenarios are declarative data and replay without asking.
 */
import type { SessionDetails } from '@shared/api/analysis';

export function replayNeedsTrust(session: Pick<SessionDetails, 'importedFrom' | 'scenarioFormat'>): boolean {
  // Anything but declarative JSON is treated as code: an unknown format must not slip through.
  return session.importedFrom !== null && session.scenarioFormat !== 'json';
}
