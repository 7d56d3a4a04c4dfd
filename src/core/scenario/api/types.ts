/**
 * The scenario API as scripts see it: `import { … } from 'iopf'`. This file is
 * the single source of the API's types: the runtime object is checked against
 * it, and resources/types/iopf.d.ts (Monaco's IntelliSense, `iopf check`) is
 * generated from it, so the two cannot drift.
 *
 * Names follow the kernel uAPI: ioctls by their uAPI name with the uAPI struct
 * field names in and out; a failed call returns `ret: -1` and the errno name,
 * like the C library; `must()` turns a failure into an error naming the call.
 */

/** Errno names the emulated kernel returns. */
export type ErrnoName =
  | 'EPERM'
  | 'ENOENT'
  | 'EIO'
  | 'E2BIG'
  | 'EBADF'
  | 'ENOMEM'
  | 'EFAULT'
  | 'EBUSY'
  | 'EEXIST'
  | 'EINVAL'
  | 'EMFILE'
  | 'ENOTTY'
  | 'ENOSPC'
  | 'ESPIPE'
  | 'EOPNOTSUPP';

/** What every syscall wrapper returns: `ret` as the syscall would (−1 on failure) and the errno name. */
export interface SyscallResult {
  readonly ret: number;
  readonly errno: ErrnoName | null;
}

/** A u32 field. */
export type u32 = number;
/** A u64 field (addresses, lengths). */
export type u64 = bigint;

// --- iommufd ioctls (include/uapi/linux/iommufd.h) -------------------------

export interface IommuDestroy { size?: u32; id: u32 }
export interface IommuIoasAlloc { size?: u32; flags?: u32 }
export interface IommuIoasAllocOut { size: u32; flags: u32; out_ioas_id: u32 }
export interface IommuIoasMap { size?: u32; flags: u32; ioas_id: u32; __reserved?: u32; user_va?: u64; length: u64; iova?: u64 }
export interface IommuIoasMapOut { size: u32; flags: u32; ioas_id: u32; __reserved: u32; user_va: u64; length: u64; iova: u64 }
export interface IommuIoasUnmap { size?: u32; ioas_id: u32; iova: u64; length: u64 }
export interface IommuIoasUnmapOut { size: u32; ioas_id: u32; iova: u64; length: u64 }
export interface IommuHwptAlloc {
  size?: u32;
  /** IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING | IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID */
  flags?: u32;
  dev_id: u32;
  /** An IOAS (paging HWPT) or a NEST_PARENT paging HWPT (nested HWPT). */
  pt_id: u32;
  __reserved?: u32;
  data_type?: u32;
  data_len?: u32;
  data_uptr?: u64;
  /** Used only with IOMMU_HWPT_FAULT_ID_VALID. */
  fault_id?: u32;
  __reserved2?: u32;
}
export interface IommuHwptAllocOut {
  size: u32; flags: u32; dev_id: u32; pt_id: u32; out_hwpt_id: u32; __reserved: u32;
  data_type: u32; data_len: u32; data_uptr: u64; fault_id: u32; __reserved2: u32;
}
export interface IommuFaultAlloc { size?: u32; flags?: u32 }
export interface IommuFaultAllocOut { size: u32; flags: u32; out_fault_id: u32; out_fault_fd: u32 }

// --- VFIO device cdev ioctls (include/uapi/linux/vfio.h) --------------------

export interface VfioDeviceBindIommufd { argsz?: u32; flags?: u32; iommufd: number }
export interface VfioDeviceBindIommufdOut { argsz: u32; flags: u32; iommufd: u32; out_devid: u32 }
export interface VfioDeviceAttachIommufdPt { argsz?: u32; flags?: u32; pt_id: u32; pasid?: u32 }
export interface VfioDeviceAttachIommufdPtOut { argsz: u32; flags: u32; pt_id: u32; pasid: u32 }
export interface VfioDeviceDetachIommufdPt { argsz?: u32; flags?: u32; pasid?: u32 }
export interface VfioDeviceDetachIommufdPtOut { argsz: u32; flags: u32; pasid: u32 }

// --- the selftest trigger (drivers/iommu/iommufd/iommufd_test.h) ------------

export interface TriggerIopf { dev_id: u32; pasid?: u32; grpid?: u32; perm?: u32; addr?: u64 }

// --- fault fd records ------------------------------------------------------

/** One `struct iommu_hwpt_pgfault` as read from the fault fd (v4 adds `size`; upstream has `__reserved`). */
export interface IommuHwptPgfault {
  readonly size?: u32;
  readonly flags: u32;
  readonly dev_id: u32;
  readonly pasid: u32;
  readonly grpid: u32;
  readonly perm: u32;
  readonly __reserved?: u32;
  readonly addr: u64;
  readonly length: u32;
  readonly cookie: u32;
}

/** One `struct iommu_hwpt_page_response` (upstream: cookie + code; v4 also dev_id, pasid, grpid). */
export interface IommuHwptPageResponse {
  cookie: u32;
  code: u32;
  size?: u32;
  flags?: u32;
  dev_id?: u32;
  pasid?: u32;
  grpid?: u32;
  reserved?: u32;
}

export interface ReadResult extends SyscallResult {
  /** The bytes the kernel copied out. */
  readonly bytes: Uint8Array;
}

/** A user buffer that faults (copy_to_user / copy_from_user fail) `badAt` bytes in. */
export interface UserBufferOptions {
  readonly badAt?: number;
}

/** Poll mask bits: EPOLLIN | EPOLLRDNORM | EPOLLOUT. */
export type PollMask = number;

/** The kernel profile and record sizes the run uses. */
export interface KernelInfo {
  readonly profile: 'v4' | 'upstream';
  /** sizeof(struct iommu_hwpt_pgfault): 40 on LP64 in every profile. */
  readonly faultRecordSize: number;
  /** sizeof(struct iommu_hwpt_page_response): 32 in v4, 8 upstream. */
  readonly responseRecordSize: number;
  /** The name of ioctl 0x8e in this profile. */
  readonly faultAllocIoctl: 'IOMMU_FAULT_ALLOC' | 'IOMMU_FAULT_QUEUE_ALLOC';
}

/** The syscalls and ioctls of the scenario's VMM process. */
export interface Uapi {
  /** open("/dev/iommu") */
  openIommufd(): number;
  /** open() of the VFIO cdev of a PCI function, e.g. "0000:03:00.0". */
  openDevice(name: string): number;
  close(fd: number): SyscallResult;
  /** Raw ioctl: a uAPI name or request number and the argument bytes (for size-rule tests). */
  ioctl(fd: number, request: string | number, arg: Uint8Array): SyscallResult & { readonly arg: Uint8Array };

  IOMMU_DESTROY(iommufd: number, arg: IommuDestroy): SyscallResult;
  IOMMU_IOAS_ALLOC(iommufd: number, arg?: IommuIoasAlloc): SyscallResult & IommuIoasAllocOut;
  IOMMU_IOAS_MAP(iommufd: number, arg: IommuIoasMap): SyscallResult & IommuIoasMapOut;
  IOMMU_IOAS_UNMAP(iommufd: number, arg: IommuIoasUnmap): SyscallResult & IommuIoasUnmapOut;
  IOMMU_HWPT_ALLOC(iommufd: number, arg: IommuHwptAlloc): SyscallResult & IommuHwptAllocOut;
  /** Upstream name of ioctl 0x8e. */
  IOMMU_FAULT_QUEUE_ALLOC(iommufd: number, arg?: IommuFaultAlloc): SyscallResult & IommuFaultAllocOut;
  /** v4 name of ioctl 0x8e (same request number). */
  IOMMU_FAULT_ALLOC(iommufd: number, arg?: IommuFaultAlloc): SyscallResult & IommuFaultAllocOut;
  /** IOMMU_TEST_CMD with IOMMU_TEST_OP_TRIGGER_IOPF: a single-fault group, LAST_PAGE set. */
  IOMMU_TEST_OP_TRIGGER_IOPF(iommufd: number, arg: TriggerIopf): SyscallResult;

  VFIO_DEVICE_BIND_IOMMUFD(device: number, arg: VfioDeviceBindIommufd): SyscallResult & VfioDeviceBindIommufdOut;
  VFIO_DEVICE_ATTACH_IOMMUFD_PT(device: number, arg: VfioDeviceAttachIommufdPt): SyscallResult & VfioDeviceAttachIommufdPtOut;
  VFIO_DEVICE_DETACH_IOMMUFD_PT(device: number, arg?: VfioDeviceDetachIommufdPt): SyscallResult & VfioDeviceDetachIommufdPtOut;

  /** read(2) on a fault fd: whole groups of 40-byte records. Never blocks. */
  read(fd: number, count: number, buffer?: UserBufferOptions): ReadResult;
  /** write(2) of response records; returns the bytes accepted. */
  write(fd: number, data: Uint8Array, buffer?: UserBufferOptions): SyscallResult;
  /** poll(2): EPOLLOUT always, EPOLLIN | EPOLLRDNORM while a group is queued. */
  poll(fd: number): PollMask;
  /** Resolves (advancing virtual time) when the fault fd polls readable. */
  readable(fd: number): Promise<void>;

  /** Decodes the records read from a fault fd for the run's kernel profile. */
  decodeFaults(bytes: Uint8Array): IommuHwptPgfault[];
  /** Encodes response records for the run's kernel profile (v4 fills `size`). */
  encodeResponses(responses: readonly IommuHwptPageResponse[]): Uint8Array;
  readonly kernel: KernelInfo;
}
