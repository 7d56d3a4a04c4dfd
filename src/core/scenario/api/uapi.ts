/**
 * The Uapi surface (types.ts) over the emulated process: each wrapper encodes
 * the uAPI struct, makes the ioctl through the same dispatcher as raw bytes
 * would, and returns the struct as the kernel left it with `ret` and `errno`.
 */
import { errnoName } from '../../../shared/errno';
import { EPOLLIN } from '../../../shared/uapi/iommufd';
import { decodeStruct, encodeStruct } from '../../../shared/uapi/layout';
import type { KernelProfile, KernelProfileId } from '../../../shared/uapi/profiles';
import { IOMMU_TEST_CMD_STRUCT, IOMMU_TEST_OP_TRIGGER_IOPF } from '../../../shared/uapi/structs';
import type { Process } from '../../uspace/process';
import type { Scheduler } from '../../sim/scheduler';
import type { ErrnoName, IommuHwptPageResponse, IommuHwptPgfault, KernelProfileName, SyscallResult, Uapi } from './types';

/** The scenario API spells the profile ids out (its typings stand alone); this fails to compile if the two lists drift. */
const PROFILE_NAMES_MATCH: [KernelProfileName, KernelProfileId] extends [KernelProfileId, KernelProfileName] ? true : never = true;
void PROFILE_NAMES_MATCH;

/** Lets the host know a script promise was resolved (so it yields to the script). */
export type ScriptPromiseFactory = <T>(start: (resolve: (v: T) => void) => void) => Promise<T>;

export interface UapiDeps {
  readonly proc: Process;
  readonly sched: Scheduler;
  readonly profile: KernelProfile;
  readonly scriptPromise: ScriptPromiseFactory;
}

/** Poll wake-up to the fault thread running: wake_up_interruptible + scheduling, virtual ns. */
const POLL_WAKE_NS = 1_000n;

const result = (ret: number): SyscallResult => ({ ret: ret < 0 ? -1 : ret, errno: ret < 0 ? (errnoName(ret) as ErrnoName) : null });

export function createUapi({ proc, sched, profile, scriptPromise }: UapiDeps): Uapi {
  const call = (name: string) => (fd: number, arg: object = {}) => {
    const r = proc.call(fd, name, arg as Record<string, number | bigint>);
    return Object.freeze({ ...r.out, ...result(r.ret) });
  };
  const faultAlloc = call('IOMMU_FAULT_QUEUE_ALLOC');

  const uapi: Uapi = {
    openIommufd: () => proc.openIommufd(),
    openDevice: (name) => proc.openVfioDevice(name),
    close: (fd) => result(proc.close(fd)),
    ioctl: (fd, request, arg) => {
      const r = proc.ioctl(fd, request, arg);
      return { ...result(r.ret), arg: r.arg };
    },
    IOMMU_DESTROY: call('IOMMU_DESTROY') as Uapi['IOMMU_DESTROY'],
    IOMMU_IOAS_ALLOC: call('IOMMU_IOAS_ALLOC') as Uapi['IOMMU_IOAS_ALLOC'],
    IOMMU_IOAS_MAP: call('IOMMU_IOAS_MAP') as Uapi['IOMMU_IOAS_MAP'],
    IOMMU_IOAS_UNMAP: call('IOMMU_IOAS_UNMAP') as Uapi['IOMMU_IOAS_UNMAP'],
    IOMMU_HWPT_ALLOC: call('IOMMU_HWPT_ALLOC') as Uapi['IOMMU_HWPT_ALLOC'],
    IOMMU_FAULT_QUEUE_ALLOC: faultAlloc as Uapi['IOMMU_FAULT_QUEUE_ALLOC'],
    IOMMU_FAULT_ALLOC: faultAlloc as Uapi['IOMMU_FAULT_ALLOC'],
    IOMMU_VIOMMU_ALLOC: call('IOMMU_VIOMMU_ALLOC') as Uapi['IOMMU_VIOMMU_ALLOC'],
    IOMMU_VDEVICE_ALLOC: call('IOMMU_VDEVICE_ALLOC') as Uapi['IOMMU_VDEVICE_ALLOC'],
    IOMMU_TEST_OP_TRIGGER_IOPF: (iommufd, t) => {
      const arg = encodeStruct(IOMMU_TEST_CMD_STRUCT, {
        size: IOMMU_TEST_CMD_STRUCT.size,
        op: IOMMU_TEST_OP_TRIGGER_IOPF,
        dev_id: t.dev_id,
        pasid: t.pasid ?? 0,
        grpid: t.grpid ?? 0,
        perm: t.perm ?? 0,
        addr: t.addr ?? 0n,
      });
      return result(proc.ioctl(iommufd, 'IOMMU_TEST_CMD', arg).ret);
    },
    VFIO_DEVICE_BIND_IOMMUFD: call('VFIO_DEVICE_BIND_IOMMUFD') as Uapi['VFIO_DEVICE_BIND_IOMMUFD'],
    VFIO_DEVICE_ATTACH_IOMMUFD_PT: call('VFIO_DEVICE_ATTACH_IOMMUFD_PT') as Uapi['VFIO_DEVICE_ATTACH_IOMMUFD_PT'],
    VFIO_DEVICE_DETACH_IOMMUFD_PT: call('VFIO_DEVICE_DETACH_IOMMUFD_PT') as Uapi['VFIO_DEVICE_DETACH_IOMMUFD_PT'],
    read: (fd, count, buffer) => {
      const r = proc.read(fd, count, buffer ?? {});
      return { ...result(r.ret), bytes: r.bytes.slice() };
    },
    write: (fd, data, buffer) => result(proc.write(fd, data, buffer ?? {})),
    poll: (fd) => proc.poll(fd),
    readable: (fd) =>
      scriptPromise<void>((resolve) => {
        const fault = proc.faultOf(fd);
        if (!fault || fault.poll() & EPOLLIN) return resolve();
        const sub = fault.onReadable(() => {
          sub.dispose();
          sched.after(POLL_WAKE_NS, () => resolve());
        });
      }),
    decodeFaults: (bytes) => {
      const size = profile.faultRecord.size;
      const out: IommuHwptPgfault[] = [];
      for (let at = 0; at + size <= bytes.length; at += size) out.push(Object.freeze(decodeStruct(profile.faultRecord, bytes, at)) as unknown as IommuHwptPgfault);
      return out;
    },
    encodeResponses: (responses: readonly IommuHwptPageResponse[]) => {
      const size = profile.responseRecord.size;
      const out = new Uint8Array(responses.length * size);
      responses.forEach((r, i) => out.set(encodeStruct(profile.responseRecord, { size, ...r } as Record<string, number>), i * size));
      return out;
    },
    kernel: Object.freeze({
      profile: profile.id,
      faultRecordSize: profile.faultRecord.size,
      responseRecordSize: profile.responseRecord.size,
      faultAllocIoctl: profile.faultAllocIoctl,
    }),
  };
  return Object.freeze(uapi);
}
