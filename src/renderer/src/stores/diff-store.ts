/**
 * The diff view: the two sessions it compares and the host's answer. Until the
 * user picks, A and B follow the selection (defaultDiffPair): the selected
 * session against the one recorded before it.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { SessionDiff } from '@shared/api/analysis';
import { getApi } from '@renderer/ipc/client';
import { defaultDiffPair } from '@renderer/sessions/diff-pair';
import { useSessionStore } from './session-store';

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const useDiffStore = defineStore('diff', () => {
  const sessions = useSessionStore();
  /** The user's picks; null follows the default. */
  const pickedA = ref<number | null>(null);
  const pickedB = ref<number | null>(null);
  const result = shallowRef<SessionDiff | null>(null);
  const error = ref<string | null>(null);
  const loading = ref(false);

  const exists = (id: number | null): id is number => id !== null && sessions.sessions.some((s) => s.id === id);
  const defaults = computed(() => defaultDiffPair(sessions.sessions, sessions.selectedSessionId));
  const a = computed(() => (exists(pickedA.value) ? pickedA.value : defaults.value.a));
  const b = computed(() => (exists(pickedB.value) ? pickedB.value : defaults.value.b));

  function pick(side: 'a' | 'b', id: number | null): void {
    if (side === 'a') pickedA.value = id;
    else pickedB.value = id;
  }

  /** B becomes A and A becomes B. */
  function swap(): void {
    const [x, y] = [a.value, b.value];
    pickedA.value = y;
    pickedB.value = x;
  }

  let generation = 0;

  /** Compares the current pair; a later call wins over an earlier one still in flight. */
  async function compare(): Promise<SessionDiff | null> {
    const [x, y] = [a.value, b.value];
    const mine = ++generation;
    if (x === null || y === null) {
      result.value = null;
      error.value = sessions.sessions.length < 2 ? 'Record or import two sessions to compare them.' : null;
      return null;
    }
    loading.value = true;
    error.value = null;
    try {
      const diff = await getApi().diffSessions({ a: x, b: y });
      if (mine !== generation) return null;
      result.value = diff;
      return diff;
    } catch (err) {
      if (mine === generation) {
        result.value = null;
        error.value = `diffSessions(#${x}, #${y}): ${messageOf(err)}`;
      }
      return null;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  return { pickedA, pickedB, a, b, result, error, loading, pick, swap, compare };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useDiffStore, import.meta.hot));
