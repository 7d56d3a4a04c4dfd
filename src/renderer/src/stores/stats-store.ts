/**
 * The statistics view: of the whole selected session, or of the stretch the
 * timeline showed when the user asked for "visible window". The window is
 * turned into a seq range once, by asking the host which events lie in it
 * (getTimeline by time, one bucket), so panning afterwards does not refetch.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { SessionStats } from '@shared/api/analysis';
import { getApi } from '@renderer/ipc/client';
import { useTimelineStore } from './timeline-store';

export type StatsScope =
  | { readonly kind: 'session' }
  | {
      readonly kind: 'window';
      /** The timeline window it came from, ns. */
      readonly startNs: number;
      readonly endNs: number;
      /** The events in it, inclusive. */
      readonly fromSeq: number;
      readonly toSeq: number;
    };

const WHOLE: StatsScope = { kind: 'session' };

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const useStatsStore = defineStore('stats', () => {
  /** The session the shown statistics belong to. */
  const sessionId = ref<number | null>(null);
  const scope = shallowRef<StatsScope>(WHOLE);
  const result = shallowRef<SessionStats | null>(null);
  const error = ref<string | null>(null);
  const loading = ref(false);
  let generation = 0;

  /** Loads statistics of `id` in the current scope; a new session resets the scope to the whole session. */
  async function load(id: number | null): Promise<void> {
    if (id !== sessionId.value) scope.value = WHOLE;
    sessionId.value = id;
    const mine = ++generation;
    if (id === null) {
      result.value = null;
      error.value = null;
      loading.value = false;
      return;
    }
    const s = scope.value;
    loading.value = true;
    error.value = null;
    try {
      const stats = await getApi().getStats(s.kind === 'window' ? { sessionId: id, fromSeq: s.fromSeq, toSeq: s.toSeq } : { sessionId: id });
      if (mine !== generation) return;
      result.value = stats;
    } catch (err) {
      if (mine !== generation) return;
      result.value = null;
      error.value = `getStats(#${id}): ${messageOf(err)}`;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  /** Narrows the statistics to the events the timeline shows now. */
  async function useVisibleWindow(): Promise<void> {
    const id = sessionId.value;
    if (id === null) return;
    const timeline = useTimelineStore();
    const startNs = Math.floor(timeline.startNs);
    const endNs = Math.ceil(timeline.endNs);
    try {
      const w = await getApi().getTimeline({ sessionId: id, by: 't', from: Math.max(0, startNs), to: Math.max(1, endNs), buckets: 1 });
      if (sessionId.value !== id) return;
      if (w.toSeq < w.fromSeq) {
        error.value = 'The visible window holds no events: zoom or pan the timeline onto some first.';
        return;
      }
      scope.value = { kind: 'window', startNs, endNs, fromSeq: w.fromSeq, toSeq: w.toSeq };
    } catch (err) {
      error.value = `getTimeline(#${id}): ${messageOf(err)}`;
      return;
    }
    await load(id);
  }

  async function useWholeSession(): Promise<void> {
    scope.value = WHOLE;
    await load(sessionId.value);
  }

  return { sessionId, scope, result, error, loading, load, useVisibleWindow, useWholeSession };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useStatsStore, import.meta.hot));
