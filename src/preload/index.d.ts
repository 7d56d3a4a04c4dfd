import type { WorkbenchApi } from '../shared/api/workbench'; declare global { interface Window { api?: WorkbenchApi } } export {};
