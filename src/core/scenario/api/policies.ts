/**
 * The policy library: fault-handling loops a VMM might run, good and bad.
 * Each works through the fault fd's bytes (poll, read, write) exactly as user
 * space does, so the kernel model answers it as it would answer a real VMM.
 * A policy is host code acting for the scenario line that created it: what it
 * does between two awaits is attributed to that line (`act`).
 */
import { IOMMUFD_PAGE_RESP_INVALID, IOMMUFD_PAGE_RESP_SUCCESS } from '../../../shared/uapi/iommufd';
import type { Distribution, IommuHwptPgfault, Policy, VmmHandles } from './types';
import { run } from './run-context';
import { callerLine } from './script-lines';
import { sample, sleep, uniform } from './time';

export interface ResponderOptions {
  /** Records read per read() call. Default 16. */
  batch?: number;
  /** Time from reading a group to answering it, ns. */
  latencyNs?: Distribution | number;
  /** Make the faulting pages present before answering (h.fixup). Default true for SUCCESS. */
  fixup?: boolean;
}

interface Group {
  readonly cookie: number;
  readonly last: IommuHwptPgfault;
  readonly faults: IommuHwptPgfault[];
}

/** Splits records into groups (consecutive records sharing a cookie). */
export function groupsOf(faults: readonly IommuHwptPgfault[]): Group[] {
  const out: Group[] = [];
  for (const f of faults) {
    const g = out[out.length - 1];
    if (g && g.cookie === f.cookie) {
      g.faults.push(f);
      (g as { last: IommuHwptPgfault }).last = f;
    } else out.push({ cookie: f.cookie, last: f, faults: [f] });
  }
  return out;
}

/** Runs `fn` with its events attributed to scenario line `line` (0: left as it is). */
function act<T>(line: number, fn: () => T): T {
  return run().system.tracer.lines.withLine(line, fn);
}

/** Waits until the fault fd is readable, reads up to `batch` records, returns the groups. */
async function nextGroups(h: VmmHandles, batch: number, line: number): Promise<Group[] | null> {
  const { uapi, system } = run();
  await uapi.readable(h.faultFd);
  return act(line, () => {
    system.tracer.emit('policy', 'POLICY_WAKE', { note: `fault fd ${h.faultFd} readable` });
    const r = uapi.read(h.faultFd, batch * uapi.kernel.faultRecordSize);
    if (r.ret < 0 && r.errno === 'EBADF') return null;
    return groupsOf(uapi.decodeFaults(r.bytes));
  });
}

function answer(h: VmmHandles, g: Group, code: number, cookie = g.cookie): void {
  const { uapi } = run();
  uapi.write(h.faultFd, uapi.encodeResponses([{ cookie, code, dev_id: g.last.dev_id, pasid: g.last.pasid, grpid: g.last.grpid }]));
}

/** A responder: read, optionally fix up, answer each group after a latency. */
function responder(code: number, options: ResponderOptions, shape?: (h: VmmHandles, g: Group) => void): Policy {
  const batch = options.batch ?? 16;
  const latency = options.latencyNs ?? uniform(1_000, 5_000);
  const fixup = options.fixup ?? code === IOMMUFD_PAGE_RESP_SUCCESS;
  const line = callerLine();
  return async (h) => {
    for (;;) {
      const groups = await nextGroups(h, batch, line);
      if (!groups) return;
      act(line, () => {
        for (const g of groups) {
          if (fixup) for (const f of g.faults) h.fixup(f);
          const delay = BigInt(Math.max(0, sample(latency)));
          run().system.sched.after(delay, () => act(line, () => (shape ? shape(h, g) : answer(h, g, code))));
        }
      });
    }
  };
}

/** Make every faulting page present, then answer SUCCESS (the device retries and completes). */
export const mapThenSuccess = (options: ResponderOptions = {}): Policy => responder(IOMMUFD_PAGE_RESP_SUCCESS, options);

/** Answer every group INVALID (the device gives up on the access). */
export const alwaysInvalid = (options: ResponderOptions = {}): Policy => responder(IOMMUFD_PAGE_RESP_INVALID, { fixup: false, ...options });

/** Answer with `code` after a latency drawn from `latencyNs` (default SUCCESS with fix-up). */
export const delayedResponder = (options: ResponderOptions & { code?: number; latencyNs: Distribution | number }): Policy =>
  responder(options.code ?? IOMMUFD_PAGE_RESP_SUCCESS, options);

/** Poll every `intervalNs` instead of waiting for readability; answer everything read in one write. */
export function batchReader(options: { intervalNs: Distribution | number; batch?: number; fixup?: boolean }): Policy {
  const batch = options.batch ?? 64;
  const line = callerLine();
  return async (h) => {
    const { uapi } = run();
    for (;;) {
      await sleep(sample(options.intervalNs));
      const stop = act(line, () => {
        if (!(uapi.poll(h.faultFd) & 1)) return uapi.poll(h.faultFd) < 0;
        const r = uapi.read(h.faultFd, batch * uapi.kernel.faultRecordSize);
        const groups = groupsOf(uapi.decodeFaults(r.bytes));
        if (options.fixup ?? true) for (const g of groups) for (const f of g.faults) h.fixup(f);
        if (groups.length)
          uapi.write(h.faultFd, uapi.encodeResponses(groups.map((g) => ({ cookie: g.cookie, code: IOMMUFD_PAGE_RESP_SUCCESS, dev_id: g.last.dev_id, pasid: g.last.pasid, grpid: g.last.grpid }))));
        return false;
      });
      if (stop) return;
    }
  };
}

/** Read faults and never answer them (the device waits; only detach or destroy frees it). */
export const neverRespond = (options: { batch?: number } = {}): Policy => {
  const line = callerLine();
  return async (h) => {
    for (;;) if (!(await nextGroups(h, options.batch ?? 16, line))) return;
  };
};

/** Answer with a cookie that was never handed out (cookie + offset): upstream EINVAL, v4 silently 0. */
export const wrongCookie = (options: ResponderOptions & { offset?: number } = {}): Policy =>
  responder(IOMMUFD_PAGE_RESP_SUCCESS, options, (h, g) => answer(h, g, IOMMUFD_PAGE_RESP_SUCCESS, g.cookie + (options.offset ?? 1000)));

/** Answer every group twice: the second write finds no such cookie (or acknowledges a newer group that reused it). */
export const doubleResponse = (options: ResponderOptions = {}): Policy =>
  responder(IOMMUFD_PAGE_RESP_SUCCESS, options, (h, g) => {
    answer(h, g, IOMMUFD_PAGE_RESP_SUCCESS);
    answer(h, g, IOMMUFD_PAGE_RESP_SUCCESS);
  });

/** Answer normally, but close the fault fd after `afterFaults` groups have been read. */
export const closeFdMidFlight = (options: ResponderOptions & { afterFaults?: number } = {}): Policy => {
  const limit = options.afterFaults ?? 1;
  const line = callerLine();
  return async (h) => {
    let seen = 0;
    for (;;) {
      const groups = await nextGroups(h, options.batch ?? 16, line);
      if (!groups) return;
      seen += groups.length;
      if (seen >= limit) {
        act(line, () => run().uapi.close(h.faultFd));
        return;
      }
      act(line, () => {
        for (const g of groups) {
          for (const f of g.faults) h.fixup(f);
          answer(h, g, IOMMUFD_PAGE_RESP_SUCCESS);
        }
      });
    }
  };
};
