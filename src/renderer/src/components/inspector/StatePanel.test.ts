// @vitest-environment jsdom
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, nextTick, type App } from 'vue';
import type { StateAtSeq } from '@shared/api/analysis';
import { setApi } from '@renderer/ipc/client';
import { useSessionStore } from '@renderer/stores/session-store';
import { useTimelineStore } from '@renderer/stores/timeline-store';
import { FakeApi } from '@renderer/testing/fake-api';
import StatePanel from './StatePanel.vue';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) {
    await Promise.resolve();
    await nextTick();
  }
};

describe('StatePanel with a partial answer', () => {
  let app: App | null = null;
  let root: HTMLElement;
  let api: FakeApi;

  beforeEach(() => {
    api = new FakeApi();
    setApi(api);
    const pinia = createPinia();
    setActivePinia(pinia);
    root = document.createElement('div');
    document.body.append(root);
    app = createApp(StatePanel);
    app.use(pinia);
  });

  afterEach(() => {
    app?.unmount();
    root.remove();
    setApi(null);
  });

  async function show(answer: unknown): Promise<void> {
    api.answers.getStateAt = async () => answer as StateAtSeq;
    app!.mount(root);
    useSessionStore().select(1);
    useTimelineStore().selectSeq(4);
    await settle();
  }

  it('shows what the host sent and names what it left out, instead of throwing', async () => {
    const errors: unknown[] = [];
    app!.config.errorHandler = (err) => void errors.push(err);
    await show({
      sessionId: 1,
      seq: 4,
      t: 400,
      checkpointSeq: null,
      replayed: 5,
      engineCheckpoint: null,
      // No objects, no totals, a queue without entries: an older host's answer.
      state: { deliver: [{ dev: 1, pasid: null, grpid: 3, addr: null, seq: 2 }], cookies: [], prq: [{ iommu: 0 }], devices: [], partial: [] },
    });
    expect(errors).toEqual([]);
    expect(root.querySelector('[data-testid="state-seq"]')?.textContent).toBe('#4');
    expect(root.querySelector('[data-testid="state-deliver-count"]')?.textContent).toBe('1');
    expect(root.querySelector('[data-testid="state-object-count"]')?.textContent).toBe('0');
    expect(root.querySelector('[data-testid="state-prq"]')?.getAttribute('data-entries')).toBe('0');
    const note = root.querySelector('[data-testid="state-missing"]');
    expect(note?.getAttribute('title')).toBe('state.objects, state.prq[0].entries, state.totals');
    expect(root.querySelector('[data-total="responses"]')?.textContent).toBe('—');
  });

  it('says so when the answer has no state at all', async () => {
    const errors: unknown[] = [];
    app!.config.errorHandler = (err) => void errors.push(err);
    await show({ sessionId: 1, seq: 4, t: 400 });
    expect(errors).toEqual([]);
    expect(root.querySelector('[data-testid="state-problem"]')?.textContent).toBe('state at #4: the host’s answer for #4 has no state');
    expect(root.querySelector('[data-testid="state-seq"]')).toBeNull();
  });
});
