/**
 * One RPC request in, one response out. Pure with respect to the transport:
 * the WebSocket layer hands in the raw text and sends back whatever this
 * returns, so every failure mode (bad JSON, unknown method, invalid
 * arguments, a throwing service) becomes an error reply and never an
 * exception that could take the host down.
 */
import type { RpcResponse } from '../../shared/api/rpc';
import { isWorkbenchMethod, validateArgs } from '../../shared/api/validate';
import type { WorkbenchMethods } from '../../shared/api/workbench';

/**
 * Id used in replies to messages whose own id cannot be read (not JSON, not
 * an object, id missing). Clients number their requests from 1, so it never
 * matches a pending call.
 */
export const UNKNOWN_REQUEST_ID = -1;

const errorReply = (id: number, error: string): RpcResponse => ({ id, ok: false, error });

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export async function dispatchRpc(service: WorkbenchMethods, text: string): Promise<RpcResponse> {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (err) {
    return errorReply(UNKNOWN_REQUEST_ID, `malformed request: not JSON (${messageOf(err)})`);
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return errorReply(UNKNOWN_REQUEST_ID, 'malformed request: expected an object {id, method, args}');
  }
  const { id, method, args } = message as Record<string, unknown>;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
    return errorReply(UNKNOWN_REQUEST_ID, 'malformed request: id must be an integer');
  }
  if (!isWorkbenchMethod(method)) {
    return errorReply(id, `unknown method ${JSON.stringify(method)}`);
  }
  if (args !== undefined && !Array.isArray(args)) {
    return errorReply(id, `${method}: args must be an array`);
  }
  try {
    const validated = validateArgs(method, args ?? []);
    // The method name is on the allow-list and its arguments were validated
    // for exactly that method, so the dynamic call is well-typed in practice.
    const call = service[method] as (...callArgs: unknown[]) => Promise<unknown>;
    const result: unknown = await call.apply(service, validated);
    return { id, ok: true, result };
  } catch (err) {
    return errorReply(id, messageOf(err));
  }
}
