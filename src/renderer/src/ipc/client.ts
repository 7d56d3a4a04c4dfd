/**
 * The renderer's single entry to the workbench. In Electron the preload has
 * put a WorkbenchApi on `window.api`; in a plain browser (web host, e2e) the
 * same interface is spoken over the host's WebSocket. Feature code calls
 * getApi() and never knows which.
 */
import { RPC_PATH } from '@shared/api/rpc';
import type { WorkbenchApi } from '@shared/api/workbench';
import { createWebSocketApi } from './ws-client';

let current: WorkbenchApi | null = null;

export function getApi(): WorkbenchApi {
  current ??= window.api ?? createWebSocketApi(`ws://${location.host}${RPC_PATH}`);
  return current;
}

/** Replaces the api (tests inject a fake; `null` goes back to auto-detection). */
export function setApi(api: WorkbenchApi | null): void {
  current = api;
}
