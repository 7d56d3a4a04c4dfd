/**
 * The 'iopf' module scenarios import. Every export is listed here, so this
 * file, types.ts and the generated resources/types/iopf.d.ts describe the same
 * API. Functions act on the run the host has started (run-context.ts).
 */
import { ScenarioError } from '../spec';
import type { ScenarioDefinition, Uapi } from './types';
import { run } from './run-context';

export * from './constants';
export * from './types';
export { assert, expect } from './checks';
export type { Expectation } from './checks';
export { now, sleep, random, constant, uniform, exponential, sample } from './time';
export { dma, dmaStream, stopPasid, sendStopMarker, permBits } from './devices';
export { vmmSetup, guestMap, must } from './vmm';
export {
  mapThenSuccess,
  alwaysInvalid,
  delayedResponder,
  batchReader,
  neverRespond,
  wrongCookie,
  doubleResponse,
  closeFdMidFlight,
  groupsOf,
} from './policies';
export type { ResponderOptions } from './policies';

/** Marks a scenario definition; the module's default export must be one. */
export const SCENARIO_BRAND = Symbol.for('iopf.scenario');

/** Declares a scenario: `export default scenario({ name, topology, setup, policy, workload, checks })`. */
export function scenario(definition: ScenarioDefinition): ScenarioDefinition {
  if (typeof definition !== 'object' || definition === null) throw new ScenarioError('scenario(): expected a definition object');
  return Object.freeze({ ...definition, [SCENARIO_BRAND]: true });
}

// --- the syscalls and ioctls of the run's VMM process ---------------------------

export const openIommufd: Uapi['openIommufd'] = () => run().uapi.openIommufd();
export const openDevice: Uapi['openDevice'] = (name) => run().uapi.openDevice(name);
export const close: Uapi['close'] = (fd) => run().uapi.close(fd);
export const ioctl: Uapi['ioctl'] = (fd, request, arg) => run().uapi.ioctl(fd, request, arg);
export const IOMMU_DESTROY: Uapi['IOMMU_DESTROY'] = (fd, a) => run().uapi.IOMMU_DESTROY(fd, a);
export const IOMMU_IOAS_ALLOC: Uapi['IOMMU_IOAS_ALLOC'] = (fd, a) => run().uapi.IOMMU_IOAS_ALLOC(fd, a);
export const IOMMU_IOAS_MAP: Uapi['IOMMU_IOAS_MAP'] = (fd, a) => run().uapi.IOMMU_IOAS_MAP(fd, a);
export const IOMMU_IOAS_UNMAP: Uapi['IOMMU_IOAS_UNMAP'] = (fd, a) => run().uapi.IOMMU_IOAS_UNMAP(fd, a);
export const IOMMU_HWPT_ALLOC: Uapi['IOMMU_HWPT_ALLOC'] = (fd, a) => run().uapi.IOMMU_HWPT_ALLOC(fd, a);
export const IOMMU_FAULT_QUEUE_ALLOC: Uapi['IOMMU_FAULT_QUEUE_ALLOC'] = (fd, a) => run().uapi.IOMMU_FAULT_QUEUE_ALLOC(fd, a);
export const IOMMU_FAULT_ALLOC: Uapi['IOMMU_FAULT_ALLOC'] = (fd, a) => run().uapi.IOMMU_FAULT_ALLOC(fd, a);
export const IOMMU_VIOMMU_ALLOC: Uapi['IOMMU_VIOMMU_ALLOC'] = (fd, a) => run().uapi.IOMMU_VIOMMU_ALLOC(fd, a);
export const IOMMU_VDEVICE_ALLOC: Uapi['IOMMU_VDEVICE_ALLOC'] = (fd, a) => run().uapi.IOMMU_VDEVICE_ALLOC(fd, a);
export const IOMMU_TEST_OP_TRIGGER_IOPF: Uapi['IOMMU_TEST_OP_TRIGGER_IOPF'] = (fd, a) => run().uapi.IOMMU_TEST_OP_TRIGGER_IOPF(fd, a);
export const VFIO_DEVICE_BIND_IOMMUFD: Uapi['VFIO_DEVICE_BIND_IOMMUFD'] = (fd, a) => run().uapi.VFIO_DEVICE_BIND_IOMMUFD(fd, a);
export const VFIO_DEVICE_ATTACH_IOMMUFD_PT: Uapi['VFIO_DEVICE_ATTACH_IOMMUFD_PT'] = (fd, a) => run().uapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT(fd, a);
export const VFIO_DEVICE_DETACH_IOMMUFD_PT: Uapi['VFIO_DEVICE_DETACH_IOMMUFD_PT'] = (fd, a) => run().uapi.VFIO_DEVICE_DETACH_IOMMUFD_PT(fd, a);
export const read: Uapi['read'] = (fd, count, buffer) => run().uapi.read(fd, count, buffer);
export const write: Uapi['write'] = (fd, data, buffer) => run().uapi.write(fd, data, buffer);
export const poll: Uapi['poll'] = (fd) => run().uapi.poll(fd);
export const readable: Uapi['readable'] = (fd) => run().uapi.readable(fd);
export const decodeFaults: Uapi['decodeFaults'] = (bytes) => run().uapi.decodeFaults(bytes);
export const encodeResponses: Uapi['encodeResponses'] = (responses) => run().uapi.encodeResponses(responses);
/** The run's kernel profile and record sizes. */
export const kernel = (): Uapi['kernel'] => run().uapi.kernel;

// --- unrecoverable faults (seed 003) ---------------------------------------------

/** Registers a consumer of `device`'s unrecoverable faults (per device, today's model). Returns 0 or -errno. */
export function registerFaultConsumer(device: string, consumer: (fault: { device: string; reason: number; addr: bigint | null }) => void): number {
  const r = run();
  const d = r.system.device(device);
  // The engine calls the script's consumer mid-step: the calls it makes carry their own lines.
  return r.system.faults.registerFaultConsumer(d.dev, (e) => r.system.tracer.lines.runScript(() => consumer({ device, reason: e.fault.reason, addr: e.fault.addr })));
}

/**
 * The 2017 RFC's `iommu_register_fault_notifier(dev, nb)`: registration is per
 * device but the chain lives on the iommu_group, so every registration of the
 * group sees every device's faults. Needs `topology.faultReporting: 'groupNotifier'`.
 */
export function registerFaultNotifier(device: string, notifier: (fault: { device: string; faultingDevice: string; reason: number }) => void): number {
  const r = run();
  const d = r.system.device(device);
  return r.system.faults.registerFaultNotifier(d.dev, (e) => r.system.tracer.lines.runScript(() => notifier({ device, faultingDevice: e.dev.name, reason: e.fault.reason })));
}

/**
 * How many events of `kind` the run has emitted so far; with `code`, only
 * PAGE_RESPONSE / PRG_RESP_RECV / RESPONSE_WRITE events carrying that code.
 */
export function eventCount(kind: string, filter: { code?: number } = {}): number {
  return run().counts.get(filter.code === undefined ? kind : `${kind}#${filter.code}`) ?? 0;
}
