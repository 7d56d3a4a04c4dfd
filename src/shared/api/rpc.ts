/**
 * Wire messages of the WebSocket transport (the web host). Electron IPC does
 * not need them: it has invoke/handle natively.
 */
import type { WorkbenchEvent, WorkbenchMethod } from './workbench';

export interface RpcRequest {
  readonly id: number;
  readonly method: WorkbenchMethod;
  readonly args: unknown[];
}

export type RpcResponse =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

export interface RpcEvent {
  readonly event: WorkbenchEvent;
  readonly payload: unknown;
}

export type RpcServerMessage = RpcResponse | RpcEvent;

/** Path of the WebSocket endpoint on the web host. */
export const RPC_PATH = '/api';
