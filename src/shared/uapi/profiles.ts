/**
 * Kernel profiles: every user-visible difference between the fault-path
 * kernels the workbench emulates, in one table. Sources per row are in
 * ../shared/spec/iommufd-abi-and-behaviour.md §0.1, §2.10 and §2.11 (the bug
 * and fix ledger), with the merged code read from torvalds/linux
 * drivers/iommu/iommufd/fault.c (07838f7fd529 for 6.11, 3d49020a327c for
 * 6.14) and eventq.c (6.15+).
 */
import type { StructLayout } from './layout';

export type KernelProfileId = 'v4' | '6.11' | '6.13' | '6.14' | '6.15' | 'upstream';

/** Oldest first: the order pickers and help texts list them in. */
export const KERNEL_PROFILE_IDS: readonly KernelProfileId[] = ['v4', '6.11', '6.13', '6.14', '6.15', 'upstream'];

/** `"v4", "6.11", …, "upstream"`: for error messages that list the valid ids. */
export const KERNEL_PROFILE_LIST = KERNEL_PROFILE_IDS.map((id) => `"${id}"`).join(', ');

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

/**
 * 6.11 – 6.13 `struct iommu_hwpt_pgfault` (UAPI-612): `size` gone, no
 * `__reserved`, and `addr` a plain `__u64`. On LP64 the compiler leaves a
 * 4-byte hole at 20 that iommufd_compose_fault_message() never writes, so it
 * carries kernel stack bytes to user space; on i386 (u64 aligned to 4) there
 * is no hole and the struct is 36 bytes. Fixed by e721f619e3ec (6.14).
 */
export const PGFAULT_6_11: StructLayout = {
  name: 'iommu_hwpt_pgfault',
  size: 40,
  fields: [
    { name: 'flags', offset: 0, size: 4 },
    { name: 'dev_id', offset: 4, size: 4 },
    { name: 'pasid', offset: 8, size: 4 },
    { name: 'grpid', offset: 12, size: 4 },
    { name: 'perm', offset: 16, size: 4 },
    { name: 'addr', offset: 24, size: 8 },
    { name: 'length', offset: 32, size: 4 },
    { name: 'cookie', offset: 36, size: 4 },
  ],
  note:
    'Bytes 20–23 are an implicit padding hole the kernel never initialises (6.11–6.13): they carry kernel stack bytes. ' +
    'ABI hazard: on i386 this struct is 36 bytes (addr@20, length@28, cookie@32), so a 32-bit VMM reading 36-byte records ' +
    'from a 64-bit kernel, or the reverse, is misaligned. Fixed by e721f619e3ec (6.14): explicit __reserved, __aligned_u64 addr.',
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
   * copy_to_user failure inside read(). The records of the group copied
   * before the fault stay counted in every merged kernel before 2026.
   *  - `strand` (v4): the group moves to the response list with its cookie
   *    erased, unanswerable until destroy; the loop goes on at the same offset.
   *  - `leak-and-continue` (6.11–6.13, fault.c @07838f7fd529): cookie erased,
   *    `list_del` anyway, so iommufd forgets the group (only io-pgfault's
   *    pending list still has it); the loop goes on, every later group that
   *    fits meets the same bad address and is lost the same way.
   *  - `restore-and-retry` (6.14–6.15, 3d49020a327c): cookie erased, group
   *    restored to the head, and the outer `while (fetch)` takes it again: a
   *    partial group may be returned, and a retry that copies nothing spins
   *    forever with fault->mutex held (fixed by 172fc8b19825).
   *  - `restore-and-stop` (2026 fixes 091ab6d70dc4 + 172fc8b19825): whole
   *    groups only, restore to the head and end the call.
   */
  readonly readCopyFailure: 'strand' | 'leak-and-continue' | 'restore-and-retry' | 'restore-and-stop';
  /**
   * copy_from_user failure inside write(): EFAULT (aaca2aa92785), v4's silent
   * stop, or 6.11–6.15's `rc = copy_from_user(...)`: the count of bytes not
   * copied, returned as if it were a success when nothing was done.
   */
  readonly writeCopyFailure: 'efault' | 'stop' | 'positive-remainder';
  /**
   * 6.11–6.13: the on-stack record is not zeroed, so the hole at offset 20
   * carries stack bytes (e721f619e3ec added `data = {}` and `__reserved`).
   */
  readonly recordHoleLeaksStack: boolean;
  /**
   * FAULT_QUEUE_ALLOC failing after the file exists (no fd number, or the
   * copy-back of out_fault_id/out_fault_fd faults): 6.11's `out_fput` calls
   * fput() — whose release already drops users and the ctx reference — and
   * then drops both again (refcount_t underflow, and one reference too few on
   * the /dev/iommu file). Fixed by af7f4780514f (6.13).
   */
  readonly faultAllocOutFput: 'double-put' | 'single-put';
  /** v4: write() returns 0 at once when no group awaits a response (unlocked list_empty precheck). */
  readonly writeZeroWhenNoneOutstanding: boolean;
  /** Detach/replace away from an iopf HWPT answers that handle's groups INVALID (v5+). */
  readonly autoResponseOnDetach: boolean;
  /** Fault object destroy answers queued groups, and read-but-unanswered ones (v4, 6.14+: 3f4818ec1390). */
  readonly destroyAnswersOutstanding: boolean;
  /** A paging HWPT (pt_id = IOAS) accepts IOMMU_HWPT_FAULT_ID_VALID (6.14+: 11534b4de2a1, without NEST_PARENT). */
  readonly pagingHwptTakesFault: boolean;
  /** IOPF enable on attach: v4's boolean, or a refcount that refuses a VF with PRI (6.11+). */
  readonly iopfEnable: 'boolean' | 'refcount-no-vf';
}

// The seed series (v4 4/9..9/9, 2024-04), never merged. Its out_fput had the
// same double put as 6.11 (ledger #3); it is not modelled here so recorded v4
// sessions replay unchanged.
const V4: KernelProfile = {
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
  recordHoleLeaksStack: false,
  faultAllocOutFput: 'single-put',
  writeZeroWhenNoneOutstanding: true,
  autoResponseOnDetach: false,
  destroyAnswersOutstanding: true,
  pagingHwptTakesFault: false,
  iopfEnable: 'boolean',
};

// First merged version (v6.11-rc1, PR611): fault.c @07838f7fd529 plus
// d73cf5ff743b (response code check), b7d8833677ba (auto-response on
// detach/replace, refcounted IOPF enable, VF+PRI refused) and 595572aae3d0.
// The v6.11 tag itself was not read (spec §5.1): the row follows that
// reconstruction.
const K6_11: KernelProfile = {
  id: '6.11',
  title: '6.11 – 6.12: first merged (record hole, read leaks groups on EFAULT, out_fput double put)',
  faultAllocIoctl: 'IOMMU_FAULT_QUEUE_ALLOC',
  faultRecord: PGFAULT_6_11,
  responseRecord: PAGE_RESPONSE_UPSTREAM,
  acceptedResponseCodes: [0, 1],
  cookieScope: 'fault-object',
  returnsErrnoWhenNothingDone: true,
  readTooSmallForHead: 'zero',
  readCopyFailure: 'leak-and-continue',
  writeCopyFailure: 'positive-remainder',
  recordHoleLeaksStack: true,
  faultAllocOutFput: 'double-put',
  writeZeroWhenNoneOutstanding: false,
  autoResponseOnDetach: true,
  destroyAnswersOutstanding: false,
  pagingHwptTakesFault: false,
  iopfEnable: 'refcount-no-vf',
};

// 6.11 plus af7f4780514f "iommufd: Fix out_fput in iommufd_fault_alloc()"
// (6.13-rc fixes pull, PR613; stable 6.12).
const K6_13: KernelProfile = {
  ...K6_11,
  id: '6.13',
  title: '6.13: 6.11 with the out_fput double-put fix',
  faultAllocOutFput: 'single-put',
};

// 6.14 merge window (PR614): e721f619e3ec (record init and padding),
// 3d49020a327c (deliver list under a spinlock; fetch/restore on error),
// 3f4818ec1390 (destroy answers the response xarray), 11534b4de2a1
// (FAULT_ID_VALID on a paging HWPT). The spinlock itself is not visible from
// user space; its restore-on-error is (readCopyFailure).
const K6_14: KernelProfile = {
  ...K6_13,
  id: '6.14',
  title: '6.14: zeroed 40-byte record, restore on read error (partial group, livelock)',
  faultRecord: PGFAULT_UPSTREAM,
  readCopyFailure: 'restore-and-retry',
  recordHoleLeaksStack: false,
  destroyAnswersOutstanding: true,
  pagingHwptTakesFault: true,
};

// 6.15+: fault.c renamed to eventq.c (0507f337fc0c), iommufd_eventq core,
// vEVENTQ added; the fault fd's read/write/poll are 6.14's (eventq.c
// @ec2e0fb07d78 keeps the same fault read loop). The replace auto-response
// regression of fb21b1568ada (spec §2.8, "≈6.15+", version not verified) is
// not modelled.
const K6_15: KernelProfile = {
  ...K6_14,
  id: '6.15',
  title: '6.15 – 6.18: eventq.c core, same fault ABI and read/write as 6.14',
};

// Newest: 6.15's fault path plus the 2026 fixes — aaca2aa92785 (write
// EFAULT), 091ab6d70dc4, 172fc8b19825, 47916a54eeb2 (read: whole groups,
// stop on failure, EINVAL for a count too small for the head group).
const UPSTREAM: KernelProfile = {
  ...K6_15,
  id: 'upstream',
  title: 'current upstream (6.14+ layout and fixes, 2026 read/write fixes)',
  readTooSmallForHead: 'einval',
  readCopyFailure: 'restore-and-stop',
  writeCopyFailure: 'efault',
};

export const KERNEL_PROFILES: Readonly<Record<KernelProfileId, KernelProfile>> = {
  v4: V4,
  '6.11': K6_11,
  '6.13': K6_13,
  '6.14': K6_14,
  '6.15': K6_15,
  upstream: UPSTREAM,
};

export function isKernelProfileId(v: unknown): v is KernelProfileId {
  return typeof v === 'string' && (KERNEL_PROFILE_IDS as readonly string[]).includes(v);
}
