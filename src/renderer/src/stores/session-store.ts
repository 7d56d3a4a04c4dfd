/**
 * Sessions: the list from the recorder, the selected one, and running a
 * built-in scenario. Holds summaries and ids only; a session's events live
 * in the timeline's cache, outside reactivity.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, onScopeDispose, ref, shallowRef } from 'vue';
import type { RunResult, ScenarioEntry, SessionSummary } from '@shared/api/workbench';
import { getApi } from '@renderer/ipc/client';

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const useSessionStore = defineStore('sessions', () => {
  /** Newest data from listSessions(); replaced whole, never mutated in place. */
  const sessions = shallowRef<readonly SessionSummary[]>([]);
  const selectedSessionId = ref<number | null>(null);
  const scenarios = shallowRef<readonly ScenarioEntry[]>([]);
  const selectedScenarioId = ref<string | null>(null);
  /** True while runScenario() waits for the host. */
  const running = ref(false);
  const lastRun = shallowRef<RunResult | null>(null);
  /** Last failed call, shown in the status bar; cleared by the next success. */
  const lastError = ref<string | null>(null);

  const selectedSession = computed(() => sessions.value.find((s) => s.id === selectedSessionId.value) ?? null);

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
      lastError.value = null;
    } catch (err) {
      if (generation === refreshGeneration) lastError.value = `listSessions: ${messageOf(err)}`;
    }
  }

  async function loadScenarios(): Promise<void> {
    try {
      scenarios.value = await getApi().listScenarios();
      if (!scenarios.value.some((s) => s.id === selectedScenarioId.value)) {
        selectedScenarioId.value = scenarios.value[0]?.id ?? null;
      }
    } catch (err) {
      lastError.value = `listScenarios: ${messageOf(err)}`;
    }
  }

  function select(sessionId: number | null): void {
    selectedSessionId.value = sessionId;
  }

  /** Runs a built-in scenario, then shows the session it recorded. */
  async function runScenario(scenarioId: string | null = selectedScenarioId.value): Promise<RunResult | null> {
    if (scenarioId === null || running.value) return null;
    running.value = true;
    try {
      const result = await getApi().runScenario({ scenarioId });
      lastRun.value = result;
      await refresh();
      selectedSessionId.value = result.sessionId;
      return result;
    } catch (err) {
      lastError.value = `runScenario(${scenarioId}): ${messageOf(err)}`;
      return null;
    } finally {
      running.value = false;
    }
  }

  // The host announces new and finished sessions; the subscription ends with the store.
  const subscription = getApi().onDidChangeSessions(() => void refresh());
  onScopeDispose(() => subscription.dispose());

  return {
    sessions,
    selectedSessionId,
    scenarios,
    selectedScenarioId,
    running,
    lastRun,
    lastError,
    selectedSession,
    refresh,
    loadScenarios,
    select,
    runScenario,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useSessionStore, import.meta.hot));
