/**
 * Kernel profiles: every user-visible difference between the fault-path
 * kernels the workbench emulates, in one table. Sources per row are in
 * ../shared/spec/iommufd-abi-and-behaviour.md §2.10 and §2.11.
 */
import type { StructLayout } from './layout';

export type KernelProfileId = 'v4' | 'upstream';

export const KERNEL_PROFILE_IDS: readonly KernelProfileId[] = ['v4', 'upstream'];

/** v4 `struct iommu_hwpt_pgfault` (v4 5/9): 40 bytes, starts with `size`. */
export const PGFAULT_V4: StructLayout = {
  name: 'iommu_hwpt_pgfault',
  size: 40,
  fields: [
    { name: 'size', offset: 0, size: 4 },
    { name: 'flags', offset: 4, size: 4 },
    { name: 'dev_id', offset: 8, size: 4 },
    { name: 'pasid', offset: 12, size: 4 },
    { name: 'grpid', offset: 16, size: 4 },
    { name: 'perm', offset: 20, size: 4 },
    { name: 'addr', offset: 24, size: 8 },
    { name: 'length', offset: 32, size: 4 },
    { name: 'cookie', offset: 36, size: 4 },
  ],
};

/** Upstream (6.14+) `struct iommu_hwpt_pgfault`: 40 bytes, explicit `__reserved`. */
export const PGFAULT_UPSTREAM: StructLayout = {
  name: 'iommu_hwpt_pgfault',
  size: 40,
  fields: [
    { name: 'flags', offset: 0, size: 4 },
    { name: 'dev_id', offset: 4, size: 4 },
    { name: 'pasid', offset: 8, size: 4 },
    { name: 'grpid', offset: 12, size: 4 },
    { name: 'perm', offset: 16, size: 4 },
    { name: '__reserved', offset: 20, size: 4 },
    { name: 'addr', offset: 24, size: 8 },
    { name: 'length', offset: 32, size: 4 },
    { name: 'cookie', offset: 36, size: 4 },
  ],
};

/** v4 `struct iommu_hwpt_page_response`: 32 bytes, routed by `dev_id` + `cookie`. */
export const PAGE_RESPONSE_V4: StructLayout = {
  name: 'iommu_hwpt_page_response',
  size: 32,
  fields: [
    { name: 'size', offset: 0, size: 4 },
    { name: 'flags', offset: 4, size: 4 },
    { name: 'dev_id', offset: 8, size: 4 },
    { name: 'pasid', offset: 12, size: 4 },
    { name: 'grpid', offset: 16, size: 4 },
    { name: 'code', offset: 20, size: 4 },
    { name: 'cookie', offset: 24, size: 4 },
    { name: 'reserved', offset: 28, size: 4 },
  ],
};

/** Upstream (6.11+) `struct iommu_hwpt_page_response`: 8 bytes `{cookie, code}`. */
export const PAGE_RESPONSE_UPSTREAM: StructLayout = {
  name: 'iommu_hwpt_page_response',
  size: 8,
  fields: [
    { name: 'cookie', offset: 0, size: 4 },
    { name: 'code', offset: 4, size: 4 },
  ],
};

export interface KernelProfile {
  readonly id: KernelProfileId;
  readonly title: string;
  /** Name of ioctl 0x8e. */
  readonly faultAllocIoctl: 'IOMMU_FAULT_ALLOC' | 'IOMMU_FAULT_QUEUE_ALLOC';
  readonly faultRecord: StructLayout;
  readonly responseRecord: StructLayout;
  /** Response codes write() accepts; `null` = any u32 is passed to the driver unchecked. */
  readonly acceptedResponseCodes: readonly number[] | null;
  /** Where cookies live: per device (`idev->faults`) or per fault object (`fault->response`). */
  readonly cookieScope: 'device' | 'fault-object';
  /** read()/write() return `done ? done : rc` (upstream) or always `done` (v4 swallows errors). */
  readonly returnsErrnoWhenNothingDone: boolean;
  /** read() with a non-empty queue and a count too small for the head group: 0, or EINVAL (2026 fix 47916a54eeb2). */
  readonly readTooSmallForHead: 'zero' | 'einval';
  /**
   * copy_to_user failure inside read(): v4 strands the group on the response
   * list with its cookie erased; upstream (2026 fixes) restores the group to
   * the head of deliver and ends the call.
   */
  readonly readCopyFailure: 'strand' | 'restore-and-stop';
  /** copy_from_user failure inside write(): EFAULT (aaca2aa92785), or v4's silent stop. */
  readonly writeCopyFailure: 'efault' | 'stop';
  /** v4: write() returns 0 at once when no group awaits a response (unlocked list_empty precheck). */
  readonly writeZeroWhenNoneOutstanding: boolean;
  /** Detach/replace away from an iopf HWPT answers that handle's groups INVALID (v5+). */
  readonly autoResponseOnDetach: boolean;
  /** Fault object destroy answers queued groups, and read-but-unanswered ones (v4, 6.14+). */
  readonly destroyAnswersOutstanding: boolean;
  /** A paging HWPT (pt_id = IOAS) accepts IOMMU_HWPT_FAULT_ID_VALID (6.14+, without NEST_PARENT). */
  readonly pagingHwptTakesFault: boolean;
  /** IOPF enable on attach: v4's boolean, or a refcount that refuses a VF with PRI (6.11+). */
  readonly iopfEnable: 'boolean' | 'refcount-no-vf';
}

export const KERNEL_PROFILES: Readonly<Record<KernelProfileId, KernelProfile>> = {
  v4: {
    id: 'v4',
    title: 'v4 series as posted (2024-04, never merged)',
    faultAllocIoctl: 'IOMMU_FAULT_ALLOC',
    faultRecord: PGFAULT_V4,
    responseRecord: PAGE_RESPONSE_V4,
    acceptedResponseCodes: null,
    cookieScope: 'device',
    returnsErrnoWhenNothingDone: false,
    readTooSmallForHead: 'zero',
    readCopyFailure: 'strand',
    writeCopyFailure: 'stop',
    writeZeroWhenNoneOutstanding: true,
    autoResponseOnDetach: false,
    destroyAnswersOutstanding: true,
    pagingHwptTakesFault: false,
    iopfEnable: 'boolean',
  },
  upstream: {
    id: 'upstream',
    title: 'current upstream (6.14+ layout and fixes, 2026 read/write fixes)',
    faultAllocIoctl: 'IOMMU_FAULT_QUEUE_ALLOC',
    faultRecord: PGFAULT_UPSTREAM,
    responseRecord: PAGE_RESPONSE_UPSTREAM,
    acceptedResponseCodes: [0, 1],
    cookieScope: 'fault-object',
    returnsErrnoWhenNothingDone: true,
    readTooSmallForHead: 'einval',
    readCopyFailure: 'restore-and-stop',
    writeCopyFailure: 'efault',
    writeZeroWhenNoneOutstanding: false,
    autoResponseOnDetach: true,
    destroyAnswersOutstanding: true,
    pagingHwptTakesFault: true,
    iopfEnable: 'refcount-no-vf',
  },
};

export function isKernelProfileId(v: unknown): v is KernelProfileId {
  return v === 'v4' || v === 'upstream';
}
