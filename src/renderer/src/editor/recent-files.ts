/**
 * The recent-files list: the last documents opened or saved, newest first,
 * without duplicates, kept in localStorage. Built-in examples are named by
 * their id, workspace files by their file name.
 */
import { SCENARIO_FILE_NAME, SCENARIO_ID } from '@shared/api/validate';

export const RECENT_FILES_MAX = 10;
export const RECENT_FILES_KEY = 'iopf.recentFiles';

export interface RecentFile {
  readonly kind: 'example' | 'workspace';
  /** Example id (`happy-path`) or workspace file name (`my-policy.ts`). */
  readonly name: string;
}

const sameFile = (a: RecentFile, b: RecentFile): boolean => a.kind === b.kind && a.name === b.name;

/** `entry` moves (or is added) to the front; the list keeps at most `max` entries. */
export function pushRecent(list: readonly RecentFile[], entry: RecentFile, max = RECENT_FILES_MAX): RecentFile[] {
  return [entry, ...list.filter((f) => !sameFile(f, entry))].slice(0, max);
}

export function removeRecent(list: readonly RecentFile[], entry: RecentFile): RecentFile[] {
  return list.filter((f) => !sameFile(f, entry));
}

function isRecentFile(v: unknown): v is RecentFile {
  if (typeof v !== 'object' || v === null) return false;
  const { kind, name } = v as Record<string, unknown>;
  if (typeof name !== 'string') return false;
  if (kind === 'example') return SCENARIO_ID.test(name);
  if (kind === 'workspace') return SCENARIO_FILE_NAME.test(name);
  return false;
}

/**
 * Reads a stored list. Storage is shared with older and newer versions of the
 * app and with the user's own tinkering, so anything malformed is skipped
 * rather than trusted.
 */
export function parseRecent(stored: string | null, max = RECENT_FILES_MAX): RecentFile[] {
  if (stored === null) return [];
  let v: unknown;
  try {
    v = JSON.parse(stored);
  } catch {
    return [];
  }
  if (!Array.isArray(v)) return [];
  let out: RecentFile[] = [];
  for (const item of v) {
    if (isRecentFile(item) && !out.some((f) => sameFile(f, item))) out = [...out, { kind: item.kind, name: item.name }];
  }
  return out.slice(0, max);
}

export function loadRecent(storage: Pick<Storage, 'getItem'> | undefined): RecentFile[] {
  try {
    return parseRecent(storage?.getItem(RECENT_FILES_KEY) ?? null);
  } catch {
    return [];
  }
}

export function saveRecent(storage: Pick<Storage, 'setItem'> | undefined, list: readonly RecentFile[]): void {
  try {
    storage?.setItem(RECENT_FILES_KEY, JSON.stringify(list));
  } catch {
    // Storage may be full or disabled; the list still holds for this window.
  }
}
