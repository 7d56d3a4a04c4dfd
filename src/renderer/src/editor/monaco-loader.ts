/**
 * Loads Monaco on demand, once. The dynamic import makes Vite emit Monaco as
 * its own chunk, fetched after the window has painted; the scenario typings
 * are fetched alongside and installed before the first model is created.
 */
import { getApi } from '@renderer/ipc/client';

export type MonacoModule = typeof import('./monaco-setup');

let loading: Promise<MonacoModule> | null = null;

export function loadMonaco(): Promise<MonacoModule> {
  loading ??= (async () => {
    const [mod, types] = await Promise.all([
      import('./monaco-setup'),
      // Without typings the editor still works; `import … from 'iopf'` then shows as unresolved.
      getApi()
        .getScenarioTypes()
        .catch(() => null),
    ]);
    if (types) mod.installScenarioTypes(types.text);
    return mod;
  })();
  loading.catch(() => {
    loading = null; // a failed load (chunk fetch) may be retried
  });
  return loading;
}
