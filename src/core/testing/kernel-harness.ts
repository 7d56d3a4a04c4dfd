/**
 * A kernel with the selftest mock IOMMU and a user process, for tests that
 * drive the uAPI exactly as tools/testing/selftests/iommu does.
 */
import { encodeStruct, decodeStruct, type StructValues } from '../../shared/uapi/layout';
import { KERNEL_PROFILES, type KernelProfileId } from '../../shared/uapi/profiles';
import { IOMMU_TEST_CMD_STRUCT, IOMMU_TEST_OP_TRIGGER_IOPF } from '../../shared/uapi/structs';
import { FaultInjection } from '../base/fault-injection';
import type { KernelDevice } from '../kernel/iommu-core';
import { IoPageFaultCore } from '../kernel/io-pgfault';
import { MockIommuDriver, mockDevice, newGroup } from '../kernel/mock-iommu';
import { Scheduler } from '../sim/scheduler';
import { MemorySink } from '../trace/sink';
import { Tracer } from '../trace/tracer';
import { Process } from '../uspace/process';

export interface HarnessOptions {
  readonly profile?: KernelProfileId;
  /** PCI names of mock devices; devices listed in one inner array share a group (no ACS). */
  readonly devices?: readonly (string | readonly string[])[];
  readonly vf?: readonly string[];
}

export function kernelHarness(options: HarnessOptions = {}) {
  const profile = KERNEL_PROFILES[options.profile ?? 'upstream'];
  const sink = new MemorySink();
  const sched = new Scheduler();
  const tracer = new Tracer(sink, sched);
  const inject = new FaultInjection();
  const iopf = new IoPageFaultCore(tracer, inject);
  const driver = new MockIommuDriver();
  driver.connect(iopf);
  const devices = new Map<string, KernelDevice>();
  let rid = 0x0300;
  for (const entry of options.devices ?? ['0000:03:00.0']) {
    const names = typeof entry === 'string' ? [entry] : entry;
    const group = newGroup();
    for (const name of names) devices.set(name, mockDevice(name, rid++, driver, group, options.vf?.includes(name) ?? false));
  }
  const proc = new Process({ profile, iopf, tracer, inject, devices });
  const iommufd = proc.openIommufd();

  /** FIXTURE_SETUP(iommufd_ioas) with one mock domain: IOAS, a bound device attached to it. */
  function mockDomain(name = [...devices.keys()][0]!) {
    const ioas = proc.call(iommufd, 'IOMMU_IOAS_ALLOC').out.out_ioas_id as number;
    const vfio = proc.openVfioDevice(name);
    const bind = proc.call(vfio, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd });
    const deviceId = bind.out.out_devid as number;
    const attach = proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas });
    return { ioas, vfio, deviceId, hwptId: attach.out.pt_id as number };
  }

  function hwptAlloc(fields: Record<string, number | bigint>) {
    return proc.call(iommufd, 'IOMMU_HWPT_ALLOC', { data_type: 0, ...fields });
  }

  function faultAlloc() {
    const r = proc.call(iommufd, profile.faultAllocIoctl, { flags: 0 });
    return { ret: r.ret, faultId: r.out.out_fault_id as number, faultFd: r.out.out_fault_fd as number };
  }

  /** IOMMU_TEST_OP_TRIGGER_IOPF */
  function trigger(devId: number, t: { pasid?: number; grpid?: number; perm?: number; addr?: bigint } = {}): number {
    const arg = encodeStruct(IOMMU_TEST_CMD_STRUCT, {
      size: IOMMU_TEST_CMD_STRUCT.size,
      op: IOMMU_TEST_OP_TRIGGER_IOPF,
      dev_id: devId,
      pasid: t.pasid ?? 1,
      grpid: t.grpid ?? 2,
      perm: t.perm ?? 3,
      addr: t.addr ?? 0xdeadbeafn,
    });
    return proc.ioctl(iommufd, 'IOMMU_TEST_CMD', arg).ret;
  }

  function response(fields: { cookie: number; code?: number; dev_id?: number; pasid?: number; grpid?: number }): Uint8Array {
    return encodeStruct(profile.responseRecord, { size: profile.responseRecord.size, code: 0, ...fields });
  }

  function records(bytes: Uint8Array): StructValues[] {
    const size = profile.faultRecord.size;
    return Array.from({ length: bytes.length / size }, (_, i) => decodeStruct(profile.faultRecord, bytes, i * size));
  }

  return { profile, sink, sched, tracer, inject, iopf, driver, devices, proc, iommufd, mockDomain, hwptAlloc, faultAlloc, trigger, response, records };
}

export type KernelHarness = ReturnType<typeof kernelHarness>;
