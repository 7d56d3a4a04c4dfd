/**
 * The scenario editor's state: which document is open (its name and where it
 * came from), whether it has unsaved edits, the diagnostics of the last run,
 * the recent files, and the run job (id, progress, result, error).
 *
 * The text itself is not reactive state: the Monaco model owns it. The store
 * keeps the text a document was opened with until the editor takes it, and a
 * reader the editor binds so saving and running see the current text. Edits
 * reach the store as a version counter (Monaco's alternative version id,
 * relative to the opened text), so undoing back to the saved text clears the
 * dirty flag.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, onScopeDispose, ref, shallowRef } from 'vue';
import type { JobProgress, RunResult, ScenarioDiagnostic, ScenarioEntry, ScenarioFileEntry } from '@shared/api/workbench';
import type { KernelProfileId } from '@shared/uapi/profiles';
import { getApi } from '@renderer/ipc/client';
import { checkScenarioFileName, languageOf, type NameCheck } from '@renderer/editor/file-names';
import { NEW_SCENARIO_TEXT } from '@renderer/editor/new-scenario';
import { loadRecent, pushRecent, removeRecent, saveRecent, type RecentFile } from '@renderer/editor/recent-files';
import { diagnosticsAfterEdit, isPlaced, type TextEdit } from '@renderer/editor/run-markers';
import { buildRunRequest, newRunJobId, parseSeed, type Vendor } from '@renderer/editor/run-options';
import { useLayoutStore } from './layout-store';
import { useSessionStore } from './session-store';

export type DocumentOrigin = 'example' | 'workspace' | 'session' | 'untitled';

export interface ScenarioDocument {
  /** The name the scenario is compiled and reported under, and saved as for workspace files. */
  readonly fileName: string;
  readonly origin: DocumentOrigin;
  /** The built-in example it was opened from (origin 'example'). */
  readonly exampleId: string | null;
  /** The session whose recorded scenario it shows (origin 'session'). */
  readonly sessionId: number | null;
  /** Grows with every open, so the editor builds a new model even for the same name. */
  readonly generation: number;
}

export type SaveOutcome =
  | { readonly kind: 'saved'; readonly fileName: string }
  /** Examples, sessions' scenarios and untitled documents have no workspace file yet: ask for a name. */
  | { readonly kind: 'needs-name' }
  | { readonly kind: 'exists'; readonly fileName: string }
  | { readonly kind: 'invalid'; readonly error: string }
  | { readonly kind: 'failed'; readonly error: string };

/** The example opened when the window starts with no document. */
const DEFAULT_EXAMPLE = 'happy-path';

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

const storage = (): Storage | undefined => {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
};

export const useEditorStore = defineStore('editor', () => {
  const document = shallowRef<ScenarioDocument | null>(null);
  /** Edits since the document was opened (0 = as opened), as the editor reports them. */
  const textVersion = ref(0);
  /** textVersion at the last save (or open). */
  const savedVersion = ref(0);
  /** Type errors the TypeScript worker currently reports for the document. */
  const typeErrorCount = ref(0);
  /** Diagnostics of the last run, moved along with edits; drawn as markers. */
  const runDiagnostics = shallowRef<readonly ScenarioDiagnostic[]>([]);
  const recentFiles = shallowRef<readonly RecentFile[]>(loadRecent(storage()));
  const examples = shallowRef<readonly ScenarioEntry[]>([]);
  const workspaceFiles = shallowRef<readonly ScenarioFileEntry[]>([]);
  /** True while a document is being fetched. */
  const opening = ref(false);
  /** Last failed file operation (open, save, list); cleared by the next success. */
  const fileError = ref<string | null>(null);
  /** Set by Ctrl/Cmd+Shift+S or a save of a document without a file; the run bar shows the name prompt. */
  const saveAsPrompt = ref(false);

  // Run choices (the run bar's pickers).
  const seedText = ref('');
  const kernelProfile = ref<KernelProfileId | null>(null);
  const vendor = ref<Vendor | null>(null);

  // The run job.
  const jobId = ref<string | null>(null);
  const progress = shallowRef<JobProgress | null>(null);
  /** Progress messages received for the current (or last) run. */
  const progressCount = ref(0);
  const result = shallowRef<RunResult | null>(null);
  /** What went wrong with the last run: compile/runtime error, failed checks, a refused request. */
  const runError = ref<string | null>(null);

  const dirty = computed(() => textVersion.value !== savedVersion.value);
  const running = computed(() => jobId.value !== null);
  const seedCheck = computed(() => parseSeed(seedText.value));
  const seedError = computed(() => (seedCheck.value.ok ? null : seedCheck.value.error));
  const language = computed(() => languageOf(document.value?.fileName ?? 'untitled.ts'));

  // Not reactive: the text a document was opened with, and the editor's reader of the current text.
  let openedText = '';
  let readText: (() => string) | null = null;
  let generation = 0;
  /** The open in flight; run() and save() wait for it so they never act on the previous document. */
  let pendingOpen: Promise<boolean> | null = null;
  /** Answers of older opens that arrive late are dropped. */
  let openTicket = 0;

  function currentText(): string {
    return readText ? readText() : openedText;
  }

  /** The text the current document was opened with; the editor builds its model from it. */
  function textToOpen(): string {
    return openedText;
  }

  /** The editor registers how to read its model (null when it lets go of it). */
  function bindTextReader(reader: (() => string) | null): void {
    readText = reader;
  }

  function setDocument(doc: Omit<ScenarioDocument, 'generation'>, text: string): void {
    openedText = text;
    readText = null;
    document.value = { ...doc, generation: ++generation };
    textVersion.value = 0;
    savedVersion.value = 0;
    typeErrorCount.value = 0;
    runDiagnostics.value = [];
    runError.value = null;
    result.value = null;
  }

  function remember(entry: RecentFile): void {
    recentFiles.value = pushRecent(recentFiles.value, entry);
    saveRecent(storage(), recentFiles.value);
  }

  function forget(entry: RecentFile): void {
    recentFiles.value = removeRecent(recentFiles.value, entry);
    saveRecent(storage(), recentFiles.value);
  }

  /** Runs one open: fetches, then installs the document unless a newer open started meanwhile. */
  function open(fetch: () => Promise<{ doc: Omit<ScenarioDocument, 'generation'>; text: string }>, what: string, recent?: RecentFile): Promise<boolean> {
    const ticket = ++openTicket;
    opening.value = true;
    const p = (async (): Promise<boolean> => {
      try {
        const { doc, text } = await fetch();
        if (ticket !== openTicket) return false;
        setDocument(doc, text);
        if (recent) remember(recent);
        fileError.value = null;
        return true;
      } catch (err) {
        if (ticket === openTicket) fileError.value = `${what}: ${messageOf(err)}`;
        return false;
      } finally {
        if (ticket === openTicket) {
          opening.value = false;
          pendingOpen = null;
        }
      }
    })();
    pendingOpen = p;
    return p;
  }

  function openExample(scenarioId: string): Promise<boolean> {
    return open(
      async () => {
        const src = await getApi().getScenarioSource(scenarioId);
        return { doc: { fileName: src.fileName, origin: 'example', exampleId: scenarioId, sessionId: null }, text: src.text };
      },
      `open example ${scenarioId}`,
      { kind: 'example', name: scenarioId },
    );
  }

  function openWorkspaceFile(name: string): Promise<boolean> {
    return open(
      async () => {
        const src = await getApi().readScenarioFile(name);
        return { doc: { fileName: src.fileName, origin: 'workspace', exampleId: null, sessionId: null }, text: src.text };
      },
      `open ${name}`,
      { kind: 'workspace', name },
    );
  }

  async function openRecent(entry: RecentFile): Promise<boolean> {
    const ok = entry.kind === 'example' ? await openExample(entry.name) : await openWorkspaceFile(entry.name);
    // A file that is gone (deleted, renamed outside the app) leaves the list.
    if (!ok && fileError.value !== null) forget(entry);
    return ok;
  }

  function newDocument(): void {
    ++openTicket;
    pendingOpen = null;
    opening.value = false;
    setDocument({ fileName: 'untitled.ts', origin: 'untitled', exampleId: null, sessionId: null }, NEW_SCENARIO_TEXT);
  }

  /**
   * Makes the editor show the scenario a session was recorded from: nothing
   * to do when the open text is that scenario, else its source opens as a new
   * document (saving it asks for a name). Unsaved edits are replaced only when
   * `mayDiscard` agrees.
   */
  async function showSessionScenario(sessionId: number, mayDiscard: () => boolean = () => true): Promise<boolean> {
    if (pendingOpen) await pendingOpen;
    const doc = document.value;
    if (doc?.origin === 'session' && doc.sessionId === sessionId && !dirty.value) return true;
    const details = await getApi()
      .getSession(sessionId)
      .catch((err: unknown) => {
        fileError.value = `open the scenario of session ${sessionId}: ${messageOf(err)}`;
        return null;
      });
    if (!details) return false;
    if (document.value !== null && details.scenarioSource === currentText()) return true;
    if (dirty.value && !mayDiscard()) return false;
    const ext = details.scenarioFormat === 'json' ? 'json' : 'ts';
    const stem = details.scenarioName.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^-+/, '') || `session-${sessionId}`;
    return open(
      async () => ({
        doc: { fileName: `${stem}.${ext}`, origin: 'session', exampleId: null, sessionId },
        text: details.scenarioSource,
      }),
      `open the scenario of session ${sessionId}`,
    );
  }

  /** Called by the editor on every change of its model. */
  function noteEdit(version: number, edits: readonly TextEdit[]): void {
    textVersion.value = version;
    if (edits.length > 0 && runDiagnostics.value.some(isPlaced)) runDiagnostics.value = diagnosticsAfterEdit(runDiagnostics.value, edits);
  }

  function noteTypeErrors(count: number): void {
    typeErrorCount.value = count;
  }

  async function loadExamples(): Promise<void> {
    try {
      examples.value = await getApi().listScenarios();
    } catch (err) {
      fileError.value = `list examples: ${messageOf(err)}`;
    }
  }

  async function loadWorkspaceFiles(): Promise<void> {
    try {
      workspaceFiles.value = await getApi().listScenarioFiles();
    } catch (err) {
      fileError.value = `list workspace files: ${messageOf(err)}`;
    }
  }

  /** Lists examples and files; opens the last recent file, else the default example, when nothing is open. */
  async function initialize(): Promise<void> {
    await Promise.all([loadExamples(), loadWorkspaceFiles()]);
    if (document.value !== null || pendingOpen) return;
    const last = recentFiles.value[0];
    if (last && (await openRecent(last))) return;
    const first = examples.value.find((e) => e.id === DEFAULT_EXAMPLE) ?? examples.value[0];
    if (first && document.value === null && !pendingOpen) await openExample(first.id);
  }

  async function write(fileName: string): Promise<SaveOutcome> {
    const versionAtSave = textVersion.value;
    try {
      await getApi().writeScenarioFile({ fileName, text: currentText() });
    } catch (err) {
      const error = `save ${fileName}: ${messageOf(err)}`;
      fileError.value = error;
      return { kind: 'failed', error };
    }
    const doc = document.value!;
    if (doc.origin !== 'workspace' || doc.fileName !== fileName) {
      // The document becomes the workspace file; the model and its undo stack stay.
      document.value = { ...doc, fileName, origin: 'workspace', exampleId: null, sessionId: null };
    }
    savedVersion.value = versionAtSave;
    fileError.value = null;
    saveAsPrompt.value = false;
    remember({ kind: 'workspace', name: fileName });
    await loadWorkspaceFiles();
    return { kind: 'saved', fileName };
  }

  /** Saves a workspace file in place; anything else needs a name (the prompt opens). */
  async function save(): Promise<SaveOutcome> {
    if (pendingOpen) await pendingOpen;
    const doc = document.value;
    if (!doc) return { kind: 'invalid', error: 'No document is open.' };
    if (doc.origin !== 'workspace') {
      saveAsPrompt.value = true;
      return { kind: 'needs-name' };
    }
    return write(doc.fileName);
  }

  function checkName(input: string): NameCheck {
    return checkScenarioFileName(input, language.value);
  }

  /**
   * Saves under a new workspace name. An existing file other than the open
   * one is replaced only with `overwrite` (the caller asks the user first).
   */
  async function saveAs(input: string, options: { overwrite?: boolean } = {}): Promise<SaveOutcome> {
    if (pendingOpen) await pendingOpen;
    if (!document.value) return { kind: 'invalid', error: 'No document is open.' };
    const check = checkName(input);
    if (!check.ok) return { kind: 'invalid', error: check.error };
    await loadWorkspaceFiles();
    const isOpenFile = document.value.origin === 'workspace' && document.value.fileName === check.name;
    if (!options.overwrite && !isOpenFile && workspaceFiles.value.some((f) => f.name === check.name)) {
      return { kind: 'exists', fileName: check.name };
    }
    return write(check.name);
  }

  function requestSaveAs(open = true): void {
    saveAsPrompt.value = open;
  }

  /**
   * Runs the open document's current text with the run bar's choices. A
   * recorded session is selected; a clean run shows the timeline, a failed
   * one keeps the editor in view with its markers and the error text.
   */
  async function run(): Promise<RunResult | null> {
    if (running.value) return null;
    if (pendingOpen) await pendingOpen;
    const doc = document.value;
    if (!doc) {
      runError.value = 'No scenario is open.';
      return null;
    }
    const seed = seedCheck.value;
    if (!seed.ok) {
      runError.value = seed.error;
      return null;
    }
    const id = newRunJobId();
    jobId.value = id;
    progress.value = null;
    progressCount.value = 0;
    result.value = null;
    runError.value = null;
    runDiagnostics.value = [];
    const layout = useLayoutStore();
    const sessions = useSessionStore();
    try {
      const r = await getApi().runScenario(
        buildRunRequest(id, { fileName: doc.fileName, text: currentText() }, { seed: seed.seed, kernelProfile: kernelProfile.value, vendor: vendor.value }),
      );
      result.value = r;
      // Diagnostics belong to the document that ran; another may have been opened meanwhile.
      if (document.value?.generation === doc.generation) runDiagnostics.value = r.diagnostics;
      if (r.sessionId !== null) {
        await sessions.refresh();
        sessions.select(r.sessionId);
      }
      if (r.cancelled) runError.value = 'Stopped.';
      else if (r.error !== null) runError.value = r.error;
      else if (r.failed > 0 || r.violations > 0) runError.value = failureSummary(r);
      if (runError.value === null && r.sessionId !== null) layout.showView('timeline');
      else layout.showView('editor');
      return r;
    } catch (err) {
      runError.value = messageOf(err);
      layout.showView('editor');
      return null;
    } finally {
      if (jobId.value === id) jobId.value = null;
    }
  }

  /** Asks the host to stop the running job; the run's promise then settles as cancelled. */
  async function stop(): Promise<boolean> {
    const id = jobId.value;
    if (id === null) return false;
    try {
      return await getApi().cancelJob(id);
    } catch (err) {
      runError.value = `stop: ${messageOf(err)}`;
      return false;
    }
  }

  const progressSubscription = getApi().onJobProgress((p) => {
    if (p.jobId !== jobId.value) return;
    progress.value = p;
    progressCount.value++;
  });
  onScopeDispose(() => progressSubscription.dispose());

  return {
    document,
    textVersion,
    savedVersion,
    typeErrorCount,
    runDiagnostics,
    recentFiles,
    examples,
    workspaceFiles,
    opening,
    fileError,
    saveAsPrompt,
    seedText,
    kernelProfile,
    vendor,
    jobId,
    progress,
    progressCount,
    result,
    runError,
    dirty,
    running,
    seedError,
    language,
    currentText,
    textToOpen,
    bindTextReader,
    openExample,
    openWorkspaceFile,
    openRecent,
    newDocument,
    showSessionScenario,
    noteEdit,
    noteTypeErrors,
    loadExamples,
    loadWorkspaceFiles,
    initialize,
    save,
    saveAs,
    checkName,
    requestSaveAs,
    run,
    stop,
  };
});

function failureSummary(r: RunResult): string {
  const parts: string[] = [];
  if (r.failed > 0) parts.push(`${r.failed} check${r.failed === 1 ? '' : 's'} failed`);
  if (r.violations > 0) parts.push(`${r.violations} invariant violation${r.violations === 1 ? '' : 's'}`);
  return `${parts.join(', ')} (${r.passed} passed)`;
}

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useEditorStore, import.meta.hot));
