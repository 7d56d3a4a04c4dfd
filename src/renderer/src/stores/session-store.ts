/**
 * Sessions: the list from the recorder, the selected one, the filter, rename
 * and delete, notes, and importing trace files. (Runs start from the run bar,
 * through the editor store.)
 * Holds summaries, ids and counts only; a session's events live in the
 * timeline's cache, outside reactivity.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, onScopeDispose, ref, shallowRef, watch } from 'vue';
import type { SessionNote } from '@shared/api/analysis';
import type { ImportedSession, SessionSummary } from '@shared/api/workbench';
import { getApi } from '@renderer/ipc/client';
import { traceFileProblem } from '@renderer/sessions/trace-file-check';
import { uploadTrace } from '@renderer/sessions/upload-trace';
import { useJobsStore } from './jobs-store';

/** How far a running session got, as the timeline's poll of it last saw (timeline/live-session.ts). */
export interface LiveProgress {
  readonly sessionId: number;
  /** Events recorded so far. */
  readonly eventCount: number;
  /** Virtual ns of the last event so far. */
  readonly endNs: number;
}

/** Longest session name the window lets the user type (the host has its own bound). */
export const MAX_SESSION_NAME = 200;

/** Note counts are fetched for at most this many of the newest sessions. */
const NOTE_COUNT_LIMIT = 200;

/** The session being imported: its file, and the job that imports it once uploaded. */
export interface ImportState {
  readonly fileName: string;
  readonly jobId: string;
}

/** True when `s` matches every word of `query` (name, #id, status, profile, vendor, scenario summary). */
export function sessionMatches(s: SessionSummary, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = [s.name, `#${s.id}`, String(s.id), s.status, s.kernelProfile, s.vendor, `seed ${s.seed}`, s.summary ?? ''].join(' ').toLowerCase();
  return words.every((w) => hay.includes(w));
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Why a file was refused, led by its name once (the host's reasons usually start with it already). */
export function refusalOf(fileName: string, reason: string): string {
  return reason.startsWith(`${fileName}:`) ? reason : `${fileName}: ${reason}`;
}

export const useSessionStore = defineStore('sessions', () => {
  /** Newest data from listSessions(); replaced whole, never mutated in place. */
  const sessions = shallowRef<readonly SessionSummary[]>([]);
  const selectedSessionId = ref<number | null>(null);
  /**
   * The session the timeline has finished loading: its bounds are set and the
   * selection it reset is clear, so an event selected now stays selected.
   * Null from the moment another session is selected until the timeline says
   * it is shown (markShown). Deep links (diff rows, verify, notes) wait for it.
   */
  const shownSessionId = ref<number | null>(null);
  // Every way the selection changes (select, refresh, remove, import) makes the shown session stale.
  watch(selectedSessionId, () => (shownSessionId.value = null), { flush: 'sync' });
  /** Last failed call, shown in the status bar; cleared by the next success. */
  const lastError = ref<string | null>(null);

  /** Text typed in the filter box. */
  const filter = ref('');
  /** Notes per session id, for the count badges; absent until fetched. */
  const noteCounts = shallowRef<ReadonlyMap<number, number>>(new Map());
  /** Notes of the session whose notes popover is open. */
  const openNotesSessionId = ref<number | null>(null);
  const openNotes = shallowRef<readonly SessionNote[]>([]);
  /** The import under way, if any. */
  const importing = shallowRef<ImportState | null>(null);
  /** Why the last import was refused (the file's problem or the host's reason), cleared by the next attempt. */
  const importError = ref<string | null>(null);

  const selectedSession = computed(() => sessions.value.find((s) => s.id === selectedSessionId.value) ?? null);
  /**
   * The selected session's progress while it records. The list's counts are
   * as of its last refresh, which comes when a run starts or ends; the
   * timeline polls the session it shows about twice a second and tells this
   * store (noteLiveProgress), so no one else has to poll. Kept apart from the
   * list so that a poll does not look like a changed session to its watchers.
   */
  const liveProgress = shallowRef<LiveProgress | null>(null);
  watch(selectedSessionId, () => (liveProgress.value = null), { flush: 'sync' });
  /** The live progress, while the selected session is running and it is newer than the list's. */
  const selectedLive = computed(() => {
    const s = selectedSession.value;
    const live = liveProgress.value;
    return s && s.status === 'running' && live?.sessionId === s.id ? live : null;
  });
  /** Events of the selected session: recorded so far while it runs (0 without a selection). */
  const selectedEventCount = computed(() => Math.max(selectedSession.value?.eventCount ?? 0, selectedLive.value?.eventCount ?? 0));
  /** Virtual ns the selected session reaches: its last event so far while it runs. */
  const selectedEndNs = computed(() => Math.max(selectedSession.value?.endNs ?? 0, selectedLive.value?.endNs ?? 0));
  const visibleSessions = computed(() =>
    sessions.value
      .filter((s) => sessionMatches(s, filter.value))
      .slice()
      .sort((a, b) => b.id - a.id),
  );

  /** Answers of older refresh() calls that arrive late are dropped. */
  let refreshGeneration = 0;

  /** Reloads the session list; keeps the selection if the session still exists. */
  async function refresh(): Promise<void> {
    const generation = ++refreshGeneration;
    try {
      const list = await getApi().listSessions();
      if (generation !== refreshGeneration) return;
      sessions.value = list;
      if (selectedSessionId.value !== null && !list.some((s) => s.id === selectedSessionId.value)) {
        selectedSessionId.value = null;
      }
      if (openNotesSessionId.value !== null && !list.some((s) => s.id === openNotesSessionId.value)) closeNotes();
      lastError.value = null;
      void countNotes(list);
    } catch (err) {
      if (generation === refreshGeneration) lastError.value = `listSessions: ${messageOf(err)}`;
    }
  }

  function select(sessionId: number | null): void {
    selectedSessionId.value = sessionId;
  }

  /** The timeline's poll of the selected running session (ignored for any other session). */
  function noteLiveProgress(progress: LiveProgress): void {
    if (progress.sessionId !== selectedSessionId.value) return;
    liveProgress.value = { sessionId: progress.sessionId, eventCount: progress.eventCount, endNs: progress.endNs };
  }

  /** The timeline calls this once it shows `sessionId` (after its setBounds); ignored for a session no longer selected. */
  function markShown(sessionId: number): void {
    if (selectedSessionId.value === sessionId) shownSessionId.value = sessionId;
  }

  /** Fetches note counts of sessions not counted yet (notes change only through this window and imports). */
  async function countNotes(list: readonly SessionSummary[]): Promise<void> {
    const missing = list
      .map((s) => s.id)
      .filter((id) => !noteCounts.value.has(id))
      .sort((a, b) => b - a)
      .slice(0, NOTE_COUNT_LIMIT);
    if (missing.length === 0) return;
    const counted = await Promise.all(
      missing.map(async (id) => {
        try {
          return [id, (await getApi().listNotes(id)).length] as const;
        } catch {
          return null; // A session removed meanwhile; its badge just stays empty.
        }
      }),
    );
    const next = new Map(noteCounts.value);
    for (const entry of counted) if (entry) next.set(entry[0], entry[1]);
    noteCounts.value = next;
  }

  function setNoteCount(sessionId: number, count: number): void {
    const next = new Map(noteCounts.value);
    next.set(sessionId, count);
    noteCounts.value = next;
  }

  /** Renames a session; false (and lastError) when the name is empty or the host refuses. */
  async function rename(sessionId: number, name: string): Promise<boolean> {
    const trimmed = name.trim();
    if (trimmed === '') {
      lastError.value = 'rename: a session needs a name';
      return false;
    }
    if (trimmed.length > MAX_SESSION_NAME) {
      lastError.value = `rename: names are at most ${MAX_SESSION_NAME} characters`;
      return false;
    }
    try {
      await getApi().renameSession({ sessionId, name: trimmed });
      await refresh();
      return true;
    } catch (err) {
      lastError.value = `renameSession(#${sessionId}): ${messageOf(err)}`;
      return false;
    }
  }

  /** Deletes a session and everything recorded for it (the caller has asked the user). */
  async function remove(sessionId: number): Promise<boolean> {
    try {
      await getApi().removeSession(sessionId);
      if (selectedSessionId.value === sessionId) selectedSessionId.value = null;
      const next = new Map(noteCounts.value);
      next.delete(sessionId);
      noteCounts.value = next;
      await refresh();
      return true;
    } catch (err) {
      lastError.value = `removeSession(#${sessionId}): ${messageOf(err)}`;
      return false;
    }
  }

  /** Opens the notes popover of a session and loads its notes. */
  async function showNotes(sessionId: number): Promise<void> {
    openNotesSessionId.value = sessionId;
    openNotes.value = [];
    try {
      const notes = await getApi().listNotes(sessionId);
      if (openNotesSessionId.value !== sessionId) return;
      openNotes.value = notes;
      setNoteCount(sessionId, notes.length);
    } catch (err) {
      lastError.value = `listNotes(#${sessionId}): ${messageOf(err)}`;
    }
  }

  function closeNotes(): void {
    openNotesSessionId.value = null;
    openNotes.value = [];
  }

  /** Adds a note to a session, optionally attached to an event. */
  async function addNote(sessionId: number, text: string, seq: number | null = null): Promise<SessionNote | null> {
    const trimmed = text.trim();
    if (trimmed === '') return null;
    try {
      const note = await getApi().addNote({ sessionId, seq, text: trimmed });
      if (openNotesSessionId.value === sessionId) openNotes.value = [...openNotes.value, note];
      setNoteCount(sessionId, (noteCounts.value.get(sessionId) ?? 0) + 1);
      return note;
    } catch (err) {
      lastError.value = `addNote(#${sessionId}): ${messageOf(err)}`;
      return null;
    }
  }

  async function removeNote(sessionId: number, noteId: number): Promise<void> {
    try {
      await getApi().removeNote({ sessionId, noteId });
      if (openNotesSessionId.value === sessionId) openNotes.value = openNotes.value.filter((n) => n.id !== noteId);
      setNoteCount(sessionId, Math.max(0, (noteCounts.value.get(sessionId) ?? 1) - 1));
    } catch (err) {
      lastError.value = `removeNote(#${sessionId}): ${messageOf(err)}`;
    }
  }

  /**
   * Imports trace files one after another (opened or dropped): each is
   * uploaded in chunks, imported by the host as a job, and the last imported
   * session is selected. Stops at the first refused file and says why.
   */
  async function importFiles(files: readonly File[]): Promise<ImportedSession | null> {
    if (importing.value) {
      importError.value = `an import is already under way (${importing.value.fileName})`;
      return null;
    }
    importError.value = null;
    let last: ImportedSession | null = null;
    for (const file of files) {
      const problem = traceFileProblem(file);
      if (problem) {
        importError.value = problem;
        return last;
      }
      const jobs = useJobsStore();
      try {
        last = await jobs.run('import', `import ${file.name}`, (jobId) => {
          importing.value = { fileName: file.name, jobId };
          return uploadTrace(getApi(), file, {
            jobId,
            // Upload progress goes where the host's import progress will: the job's entry.
            onProgress: (p) => jobs.onProgress({ jobId, kind: 'import', phase: p.phase, done: p.done, total: p.total, finished: false }),
          });
        });
      } catch (err) {
        importError.value = refusalOf(file.name, messageOf(err));
        return last;
      } finally {
        importing.value = null;
      }
      await refresh();
      selectedSessionId.value = last.sessionId;
    }
    return last;
  }

  function clearImportError(): void {
    importError.value = null;
  }

  // The host announces new and finished sessions; the subscription ends with the store.
  const subscription = getApi().onDidChangeSessions(() => void refresh());
  onScopeDispose(() => subscription.dispose());

  return {
    sessions,
    selectedSessionId,
    shownSessionId,
    lastError,
    filter,
    noteCounts,
    openNotesSessionId,
    openNotes,
    importing,
    importError,
    selectedSession,
    selectedEventCount,
    selectedEndNs,
    visibleSessions,
    refresh,
    select,
    noteLiveProgress,
    markShown,
    rename,
    remove,
    showNotes,
    closeNotes,
    addNote,
    removeNote,
    importFiles,
    clearImportError,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useSessionStore, import.meta.hot));
