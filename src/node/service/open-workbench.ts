/**
 * Composition of the Node side: open (or create) the shared database, prepare
 * it for recording, and hand back the service both hosts and the CLI use.
 */
import { dirname, join } from 'node:path';
import type { AppInfo } from '../../shared/api/workbench';
import { openDatabase } from '../db/open-database';
import { prepareRecorderDb } from '../recorder/recorder-db';
import { defaultResourceStarts, findResourcesDir } from '../resources';
import { ScenarioCatalog } from './scenario-catalog';
import { WorkbenchService } from './workbench-service';

export interface OpenWorkbenchOptions {
  readonly databasePath: string;
  readonly host: AppInfo['host'];
  /** The resources/ folder; found by walking up from the code and the cwd when absent. */
  readonly resourcesDir?: string;
  /** The user's scenario files (default `<folder of the database>/scenarios`). */
  readonly workspaceDir?: string;
  /** Where exports are written (default `<folder of the database>/exports`). */
  readonly exportsDir?: string;
}

export function openWorkbench(options: OpenWorkbenchOptions): WorkbenchService {
  const db = prepareRecorderDb(openDatabase(options.databasePath));
  const resources = options.resourcesDir ?? findResourcesDir(defaultResourceStarts());
  const dataDir = dirname(db.path);
  return new WorkbenchService({
    db,
    catalog: new ScenarioCatalog(join(resources, 'scenarios')),
    host: options.host,
    typesPath: join(resources, 'types', 'iopf.d.ts'),
    workspaceDir: options.workspaceDir ?? join(dataDir, 'scenarios'),
    exportsDir: options.exportsDir ?? join(dataDir, 'exports'),
  });
}
