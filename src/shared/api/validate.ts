/**
 * Input validation for every WorkbenchApi method, run by the host (Electron
 * main or the web host) before the call reaches a service: the renderer is not
 * trusted to send well-formed arguments.
 */
import { isKernelProfileId } from '../uapi/profiles';
import { WORKBENCH_METHODS, type WorkbenchMethod } from './workbench';

export class ApiInputError extends Error {
  override readonly name = 'ApiInputError';
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

export function isWorkbenchMethod(name: unknown): name is WorkbenchMethod {
  return typeof name === 'string' && (WORKBENCH_METHODS as readonly string[]).includes(name);
}

/** Throws ApiInputError unless `args` fit `method`; returns them typed. */
export function validateArgs(method: WorkbenchMethod, args: unknown[]): unknown[] {
  const fail = (why: string): never => {
    throw new ApiInputError(`${method}: ${why}`);
  };
  switch (method) {
    case 'getAppInfo':
    case 'listSessions':
    case 'listScenarios':
      if (args.length !== 0) fail('takes no arguments');
      return [];
    case 'getEvents': {
      const [r] = args;
      if (args.length !== 1 || !isObject(r)) return fail('expects one request object');
      if (!isInt(r.sessionId, 1, Number.MAX_SAFE_INTEGER)) fail('sessionId must be a positive integer');
      if (!isInt(r.fromSeq, 0, Number.MAX_SAFE_INTEGER)) fail('fromSeq must be a non-negative integer');
      if (!isInt(r.limit, 1, 100_000)) fail('limit must be an integer in 1..100000');
      return [{ sessionId: r.sessionId, fromSeq: r.fromSeq, limit: r.limit }];
    }
    case 'runScenario': {
      const [r] = args;
      if (args.length !== 1 || !isObject(r)) return fail('expects one request object');
      if (typeof r.scenarioId !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(r.scenarioId))
        fail('scenarioId must be a scenario id such as "happy-path"');
      if (r.seed !== undefined && !isInt(r.seed, 0, 0xffff_ffff)) fail('seed must be a u32');
      if (r.kernelProfile !== undefined && !isKernelProfileId(r.kernelProfile))
        fail('kernelProfile must be "v4" or "upstream"');
      const out: Record<string, unknown> = { scenarioId: r.scenarioId };
      if (r.seed !== undefined) out.seed = r.seed;
      if (r.kernelProfile !== undefined) out.kernelProfile = r.kernelProfile;
      return [out];
    }
  }
}
