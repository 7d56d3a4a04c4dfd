/**
 * What a panel shows for the cursor (the selected session and seq): loaded
 * again whenever either changes, only the newest answer kept, and — while
 * the player runs — fetched only once the cursor rests for `playingDelayMs`.
 * The inspector and the state panel both read the cursor this way.
 */
import { onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import { usePlayerStore } from '@renderer/stores/player-store';
import { useSessionStore } from '@renderer/stores/session-store';
import { useTimelineStore } from '@renderer/stores/timeline-store';
import { LatestLoader } from './latest-loader';

export interface CursorKey {
  readonly sessionId: number;
  readonly seq: number;
}

export interface CursorLoad<V> {
  /** The newest answer (null: no cursor, or the load failed); panels may replace it with a refined copy. */
  readonly value: ShallowRef<V | null>;
  readonly error: Ref<string | null>;
  readonly loading: Ref<boolean>;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export function useCursorLoader<V>(
  load: (key: CursorKey) => Promise<V>,
  /** Names what failed, e.g. `event #12`. */
  describe: (key: CursorKey) => string,
  playingDelayMs: number,
): CursorLoad<V> {
  const sessions = useSessionStore();
  const timeline = useTimelineStore();
  const player = usePlayerStore();
  const value = shallowRef<V | null>(null);
  const error = ref<string | null>(null);
  const loading = ref(false);

  const loader = new LatestLoader<CursorKey, V>({
    load,
    onPending: () => {
      loading.value = true;
    },
    onResult: (v) => {
      value.value = v;
      error.value = null;
      loading.value = false;
    },
    onError: (err, key) => {
      value.value = null;
      error.value = `${describe(key)}: ${messageOf(err)}`;
      loading.value = false;
    },
  });
  onScopeDispose(() => loader.dispose());

  watch(
    () => [sessions.selectedSessionId, timeline.selectedSeq] as const,
    ([sessionId, seq]) => {
      if (sessionId === null || seq === null) {
        loader.cancel();
        value.value = null;
        error.value = null;
        loading.value = false;
        return;
      }
      loader.request({ sessionId, seq }, player.playing ? playingDelayMs : 0);
    },
    { immediate: true },
  );

  return { value, error, loading };
}
