/**
 * Composition of the Node side: open (or create) the shared database, prepare
 * it for recording, and hand back the service both hosts and the CLI use.
 */
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
}

export function openWorkbench(options: OpenWorkbenchOptions): WorkbenchService {
  const db = prepareRecorderDb(openDatabase(options.databasePath));
  const resources = options.resourcesDir ?? findResourcesDir(defaultResourceStarts());
  return new WorkbenchService(db, new ScenarioCatalog(`${resources}/scenarios`), options.host);
}
