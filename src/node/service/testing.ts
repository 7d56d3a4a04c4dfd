/**
 * Test support for the service tests: a WorkbenchService on a fresh database
 * in a temporary folder (the real resources/), its job progress collected,
 * disposed and removed after each test.
 */
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { JobProgress } from '../../shared/api/workbench';
import { repoRoot, tempDir } from '../recorder/testing/fixtures';
import { openWorkbench } from './open-workbench';
import type { WorkbenchService } from './workbench-service';

const open: WorkbenchService[] = [];

export interface TestWorkbench {
  readonly service: WorkbenchService;
  readonly dir: string;
  readonly progress: JobProgress[];
  /** Times onDidChangeSessions fired. */
  changes(): number;
}

/** Registers the cleanup hook (with useTempDatabases for the folders); call once per file. */
export function useTestWorkbenches(): void {
  afterEach(() => {
    for (const s of open.splice(0)) s.dispose();
  });
}

export function testWorkbench(host: 'web' | 'electron' = 'web'): TestWorkbench {
  const dir = tempDir();
  const service = openWorkbench({ databasePath: join(dir, 'workbench.db'), host, resourcesDir: join(repoRoot, 'resources') });
  open.push(service);
  const progress: JobProgress[] = [];
  let changed = 0;
  service.onJobProgress((p) => progress.push(p));
  service.onDidChangeSessions(() => changed++);
  return { service, dir, progress, changes: () => changed };
}

/** A TypeScript scenario that keeps the engine busy for seconds (for cancellation). */
export const LONG_SCENARIO = `import { scenario, vmmSetup, mapThenSuccess, dma } from 'iopf';
export default scenario({
  name: 'long-run',
  topology: { iommu: { vendor: 'vtd' }, devices: [{ name: '0000:03:00.0', pri: { capacity: 32 } }] },
  setup: () => vmmSetup({ pasids: [1] }),
  policy: mapThenSuccess({ latencyNs: 1000 }),
  async workload() {
    for (let i = 0; i < 1000000; i++) await dma('0000:03:00.0', { pasid: 1, addr: 0x10000000n + BigInt(i) * 0x1000n, pages: 1, perm: 'rw' });
  },
});
`;
