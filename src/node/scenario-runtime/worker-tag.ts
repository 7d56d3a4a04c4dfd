/** Tag in the scenario worker's workerData, so importing worker.ts anywhere else does nothing. */
export const WORKER_TAG = 'iopf-scenario-worker/1';
