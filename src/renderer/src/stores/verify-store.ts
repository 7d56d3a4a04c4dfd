/**
 * Replay-verify of a session: re-runs its stored scenario with the stored
 * seed and profile and compares event by event. A session imported from a
 * file whose scenario is code is never replayed silently: the store first
 * raises a trust prompt with the file name and the source, and replays with
 * trust only after the user agrees.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { ReplayVerification } from '@shared/api/analysis';
import { getApi } from '@renderer/ipc/client';
import { replayNeedsTrust } from '@renderer/sessions/trust';
import { useJobsStore } from './jobs-store';

/** What the trust dialog shows. */
export interface TrustPrompt {
  readonly sessionId: number;
  readonly sessionName: string;
  /** The trace file the session came from. */
  readonly importedFrom: string;
  readonly scenarioName: string;
  readonly scenarioFormat: string;
  /** The scenario source, shown read-only. */
  readonly source: string;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const useVerifyStore = defineStore('verify', () => {
  /** The session the panel reports on (the last one asked for). */
  const sessionId = ref<number | null>(null);
  const jobId = ref<string | null>(null);
  const result = shallowRef<ReplayVerification | null>(null);
  const error = ref<string | null>(null);
  const trustPrompt = shallowRef<TrustPrompt | null>(null);

  /** Verifies a session, asking for trust first when its scenario needs it. */
  async function request(id: number): Promise<ReplayVerification | null> {
    if (jobId.value !== null) return null;
    sessionId.value = id;
    result.value = null;
    error.value = null;
    trustPrompt.value = null;
    let details;
    try {
      details = await getApi().getSession(id);
    } catch (err) {
      error.value = `getSession(#${id}): ${messageOf(err)}`;
      return null;
    }
    if (replayNeedsTrust(details)) {
      trustPrompt.value = {
        sessionId: id,
        sessionName: details.name,
        importedFrom: details.importedFrom ?? '',
        scenarioName: details.scenarioName,
        scenarioFormat: details.scenarioFormat,
        source: details.scenarioSource,
      };
      return null;
    }
    return verify(id, false);
  }

  /** The user read the source and agreed: replay it. */
  async function trustAndReplay(): Promise<ReplayVerification | null> {
    const prompt = trustPrompt.value;
    if (!prompt) return null;
    trustPrompt.value = null;
    return verify(prompt.sessionId, true);
  }

  /** The user declined: nothing runs and nothing more is shown (it was their choice, not a failure). */
  function declineTrust(): void {
    if (!trustPrompt.value) return;
    trustPrompt.value = null;
    sessionId.value = null;
  }

  async function verify(id: number, trust: boolean): Promise<ReplayVerification | null> {
    try {
      const r = await useJobsStore().run('verify', `verify #${id}`, (job) => {
        jobId.value = job;
        return getApi().verifyReplay({ jobId: job, sessionId: id, trust });
      });
      if (sessionId.value === id) result.value = r;
      return r;
    } catch (err) {
      if (sessionId.value === id) error.value = messageOf(err);
      return null;
    } finally {
      jobId.value = null;
    }
  }

  async function cancel(): Promise<void> {
    if (jobId.value !== null) await useJobsStore().cancel(jobId.value);
  }

  /** Hides the result panel. */
  function dismiss(): void {
    if (jobId.value !== null) return;
    sessionId.value = null;
    result.value = null;
    error.value = null;
  }

  return { sessionId, jobId, result, error, trustPrompt, request, trustAndReplay, declineTrust, cancel, dismiss };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useVerifyStore, import.meta.hot));
