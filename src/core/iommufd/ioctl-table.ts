/**
 * The ioctl table and its one dispatcher (drivers/iommu/iommufd/main.c
 * `iommufd_ioctl_ops[]` / `iommufd_fops_ioctl`, and the VFIO cdev ioctls of
 * drivers/vfio/device_cdev.c). Rows are keyed by the uAPI name; the
 * dispatcher does every size check so handlers see validated values:
 *   - unknown request → ENOTTY
 *   - a buffer too short to hold `size`/`argsz` → EFAULT
 *   - iommufd: size < min_size → EINVAL; size > sizeof with a non-zero tail → E2BIG
 *     (copy_struct_from_user); the output is copied back as min(size, sizeof)
 *   - VFIO: argsz < minsz → EINVAL
 */
import { ERRNO } from '../../shared/errno';
import { IOMMUFD_CMD, ioctlRequest } from '../../shared/uapi/iommufd';
import { decodeStruct, encodeStruct, type StructValues } from '../../shared/uapi/layout';
import {
  IOMMU_DESTROY_STRUCT,
  IOMMU_FAULT_ALLOC_STRUCT,
  IOMMU_HWPT_ALLOC_STRUCT,
  IOMMU_IOAS_ALLOC_STRUCT,
  IOMMU_IOAS_MAP_STRUCT,
  IOMMU_IOAS_UNMAP_STRUCT,
  IOMMU_TEST_CMD_STRUCT,
  IOMMU_VDEVICE_ALLOC_STRUCT,
  IOMMU_VIOMMU_ALLOC_STRUCT,
  VFIO_DEVICE_ATTACH_IOMMUFD_PT_STRUCT,
  VFIO_DEVICE_BIND_IOMMUFD_STRUCT,
  VFIO_DEVICE_DETACH_IOMMUFD_PT_STRUCT,
  type IoctlStruct,
} from '../../shared/uapi/structs';
import type { Out } from './iommufd-ctx';

/** VFIO_TYPE is ';' too; VFIO_BASE = 100. */
const VFIO_BASE = 100;

/** Where a row's ioctl is issued: /dev/iommu, or a VFIO device cdev. */
export type IoctlTarget = 'iommufd' | 'vfio';

export interface IoctlRow<C> {
  readonly name: string;
  readonly request: number;
  readonly target: IoctlTarget;
  readonly struct: IoctlStruct;
  readonly handler: (c: C, v: StructValues, out: Out) => number;
  /** The handler copies its own output back (IOMMU_FAULT_QUEUE_ALLOC: before fd_install). */
  readonly respondsItself?: boolean;
}

export interface IoctlResult {
  /** 0 or -errno, as ioctl(2) would report (the C library turns -errno into -1 + errno). */
  readonly ret: number;
  /** The caller's buffer after the call (output fields copied back). */
  readonly arg: Uint8Array;
}

/** The names of ioctl 0x8e: both are accepted, whatever the profile calls it. */
export const FAULT_ALLOC_NAMES = ['IOMMU_FAULT_QUEUE_ALLOC', 'IOMMU_FAULT_ALLOC'] as const;

/** Request values by uAPI name. */
export const IOCTL_REQUESTS: Readonly<Record<string, number>> = {
  IOMMU_DESTROY: ioctlRequest(IOMMUFD_CMD.IOMMUFD_CMD_DESTROY),
  IOMMU_IOAS_ALLOC: ioctlRequest(IOMMUFD_CMD.IOMMUFD_CMD_IOAS_ALLOC),
  IOMMU_IOAS_MAP: ioctlRequest(IOMMUFD_CMD.IOMMUFD_CMD_IOAS_MAP),
  IOMMU_IOAS_UNMAP: ioctlRequest(IOMMUFD_CMD.IOMMUFD_CMD_IOAS_UNMAP),
  IOMMU_HWPT_ALLOC: ioctlRequest(IOMMUFD_CMD.IOMMUFD_CMD_HWPT_ALLOC),
  IOMMU_FAULT_QUEUE_ALLOC: ioctlRequest(IOMMUFD_CMD.IOMMUFD_CMD_FAULT_QUEUE_ALLOC),
  IOMMU_FAULT_ALLOC: ioctlRequest(IOMMUFD_CMD.IOMMUFD_CMD_FAULT_QUEUE_ALLOC),
  IOMMU_TEST_CMD: ioctlRequest(IOMMUFD_CMD.IOMMU_TEST_CMD),
  IOMMU_VIOMMU_ALLOC: ioctlRequest(IOMMUFD_CMD.IOMMUFD_CMD_VIOMMU_ALLOC),
  IOMMU_VDEVICE_ALLOC: ioctlRequest(IOMMUFD_CMD.IOMMUFD_CMD_VDEVICE_ALLOC),
  VFIO_DEVICE_BIND_IOMMUFD: ioctlRequest(VFIO_BASE + 18),
  VFIO_DEVICE_ATTACH_IOMMUFD_PT: ioctlRequest(VFIO_BASE + 19),
  VFIO_DEVICE_DETACH_IOMMUFD_PT: ioctlRequest(VFIO_BASE + 20),
};

/** The struct of each ioctl, by name (for typed callers and the inspector). */
export const IOCTL_STRUCTS: Readonly<Record<string, IoctlStruct>> = {
  IOMMU_DESTROY: IOMMU_DESTROY_STRUCT,
  IOMMU_IOAS_ALLOC: IOMMU_IOAS_ALLOC_STRUCT,
  IOMMU_IOAS_MAP: IOMMU_IOAS_MAP_STRUCT,
  IOMMU_IOAS_UNMAP: IOMMU_IOAS_UNMAP_STRUCT,
  IOMMU_HWPT_ALLOC: IOMMU_HWPT_ALLOC_STRUCT,
  IOMMU_FAULT_QUEUE_ALLOC: IOMMU_FAULT_ALLOC_STRUCT,
  IOMMU_FAULT_ALLOC: IOMMU_FAULT_ALLOC_STRUCT,
  IOMMU_TEST_CMD: IOMMU_TEST_CMD_STRUCT,
  IOMMU_VIOMMU_ALLOC: IOMMU_VIOMMU_ALLOC_STRUCT,
  IOMMU_VDEVICE_ALLOC: IOMMU_VDEVICE_ALLOC_STRUCT,
  VFIO_DEVICE_BIND_IOMMUFD: VFIO_DEVICE_BIND_IOMMUFD_STRUCT,
  VFIO_DEVICE_ATTACH_IOMMUFD_PT: VFIO_DEVICE_ATTACH_IOMMUFD_PT_STRUCT,
  VFIO_DEVICE_DETACH_IOMMUFD_PT: VFIO_DEVICE_DETACH_IOMMUFD_PT_STRUCT,
};

/**
 * Runs one row against the caller's buffer. `copyOutFails` models a
 * copy_to_user failure at the end (fail_nth site).
 */
export function dispatch<C>(row: IoctlRow<C> | undefined, c: C, arg: Uint8Array, copyOutFails: () => boolean): IoctlResult {
  if (!row) return { ret: -ERRNO.ENOTTY, arg };
  if (arg.length < 4) return { ret: -ERRNO.EFAULT, arg };
  const view = new DataView(arg.buffer, arg.byteOffset, arg.length);
  const size = view.getUint32(0, true);
  const { struct } = row;
  if (size > arg.length) return { ret: -ERRNO.EFAULT, arg }; // the kernel would read past the buffer
  if (size < struct.minSize) return { ret: -ERRNO.EINVAL, arg };
  if (row.target === 'iommufd' && size > struct.size) {
    for (let i = struct.size; i < size; i++) if (arg[i] !== 0) return { ret: -ERRNO.E2BIG, arg };
  }
  // Zero-extend a short struct, as copy_struct_from_user does.
  const kernel = new Uint8Array(struct.size);
  kernel.set(arg.subarray(0, Math.min(size, struct.size)));
  const values = decodeStruct(struct, kernel);
  const out: Out = {};
  const ret = row.handler(c, values, out);
  if (ret !== 0) return { ret, arg };
  const written = encodeStruct(struct, { ...values, ...out });
  if (!row.respondsItself && copyOutFails()) return { ret: -ERRNO.EFAULT, arg };
  const result = arg.slice();
  result.set(written.subarray(0, Math.min(size, struct.size)));
  return { ret: 0, arg: result };
}
