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
export interface IommuViommuAlloc { size?: u32; flags?: u32; type: u32; dev_id: u32; hwpt_id: u32; data_len?: u32; data_uptr?: u64 }
export interface IommuViommuAllocOut { size: u32; flags: u32; type: u32; dev_id: u32; hwpt_id: u32; out_viommu_id: u32; data_len: u32; __reserved: u32; data_uptr: u64 }
export interface IommuVdeviceAlloc { size?: u32; viommu_id: u32; dev_id: u32; virt_id: u64 }
export interface IommuVdeviceAllocOut { size: u32; viommu_id: u32; dev_id: u32; out_vdevice_id: u32; virt_id: u64 }
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

/**
 * A kernel profile: `v4` (the seed series, never merged), the merged kernels
 * `6.11`, `6.13`, `6.14`, `6.15` (6.15 and later), and `upstream` (the newest,
 * with the 2026 read/write fixes).
 */
export type KernelProfileName = 'v4' | '6.11' | '6.13' | '6.14' | '6.15' | 'upstream';

/** The kernel profile and record sizes the run uses. */
export interface KernelInfo {
  readonly profile: KernelProfileName;
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
  /** A vIOMMU on a NEST_PARENT paging HWPT (IOMMU_VIOMMU_TYPE_SELFTEST for the mock). */
  IOMMU_VIOMMU_ALLOC(iommufd: number, arg: IommuViommuAlloc): SyscallResult & IommuViommuAllocOut;
  /** A device's virtual ID on a vIOMMU. */
  IOMMU_VDEVICE_ALLOC(iommufd: number, arg: IommuVdeviceAlloc): SyscallResult & IommuVdeviceAllocOut;
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

// --- topology (declared by the scenario, overridable from the CLI) ---------

/** A PCIe function behind the IOMMU. */
export interface PciFunctionSpec {
  /** PCI address, e.g. "0000:03:00.0" (bus and devfn give the requester ID). */
  name: string;
  /** PASID capability; false for none. Default: 20 bits, exec and priv supported. */
  pasid?: { maxPasidWidth?: number; exec?: boolean; priv?: boolean } | false;
  /** ATS capability. Default true. */
  ats?: boolean;
  /** PRI capability; false for none. Default: capacity 32, PRG Response PASID Required. */
  pri?: { capacity?: number; prgRespPasidRequired?: boolean } | false;
  /** SR-IOV VFs of this PF, by PCI address; they share the PF's PRI. */
  vfs?: string[];
  /** iommu_group name: functions naming the same group share every attachment (no ACS between them). */
  group?: string;
  /** SMMUv3 only: a platform master that stalls on a fault instead of using PRI. */
  stall?: boolean;
  /** Index of the IOMMU unit the function sits behind (see `topology.iommu.units`). Default 0. */
  iommu?: number;
  /** How the function treats a reserved PRG response code (e.g. VT-d's raw FAILURE = 0010b). */
  reservedCodeHandling?: 'asFailure' | 'ignore' | 'asUPRGI';
  /** Re-faults allowed after a Success whose re-translation still misses. Default 3. */
  maxRetries?: number;
}

/** The machine a scenario runs on. */
export interface TopologySpec {
  iommu?: {
    /** Intel VT-d (PRQ), Arm SMMUv3 (PRIQ and stall), AMD-Vi (PPR log). Default 'vtd'. */
    vendor?: 'vtd' | 'smmuv3' | 'amd';
    /**
     * IOMMU units of this vendor and configuration, each with its own page
     * request queue and driver instance (several DMAR units, SMMUs or AMD-Vi
     * IOMMUs); a function names its unit with `iommu`. Default 1.
     */
    units?: number;
    /** Page request queue entries. Default: the vendor's Linux default. */
    queueDepth?: number;
    /** Hardware answer to requests dropped on overflow. Default: the vendor's. */
    overflowAutoResponse?: 'none' | 'successOnLast' | 'smmuRules';
    /**
     * SMMUv3 PCIe PRI: mainline Linux treats every PRIQ entry as unexpected and
     * never enables PRI; 'unmergedSeries' follows J-P. Brucker's PRI series,
     * which reports PRIQ entries as I/O page faults. Default 'mainline'.
     */
    smmuPri?: 'mainline' | 'unmergedSeries';
  };
  devices: PciFunctionSpec[];
  /** Unrecoverable fault delivery: per device (today's kernel) or the 2017 RFC's group notifier chain. */
  faultReporting?: 'perDevice' | 'groupNotifier';
}

// --- device side ------------------------------------------------------------

/** Permissions as letters ("r", "rw", "rwx", "rp") or IOMMU_PGFAULT_PERM_* bits. */
export type Perm = string | number;

export interface DmaAccessSpec {
  /** PASID of the access; omit for a request without a PASID prefix. */
  pasid?: number;
  /** First IOVA. */
  addr: bigint | number;
  /** Pages of 4 KiB. Default 1. */
  pages?: number;
  /** Default "rw". */
  perm?: Perm;
}

export interface DmaResult {
  readonly ok: boolean;
  /** Page request groups the access needed (all attempts). */
  readonly groups: number;
  /** seq of its DMA_COMPLETE event. */
  readonly seq: number;
}

/** A seeded distribution of virtual-time durations or counts. */
export interface Distribution {
  readonly kind: 'constant' | 'uniform' | 'exponential';
  readonly a: number;
  readonly b: number;
}

export interface DmaStreamSpec {
  /** PASIDs to spread the accesses over (omit or [] for no PASID). */
  pasids?: number[];
  /** IOVA range: base and page count; each access hits a random page of it. */
  iova: { base: bigint | number; pages: number };
  /** Number of accesses. */
  count: number;
  /** Time between accesses, ns. */
  interArrivalNs: Distribution | number;
  /** Pages per access. Default 1. */
  pages?: Distribution | number;
  perm?: Perm;
}

export interface DmaStreamResult {
  readonly issued: number;
  readonly ok: number;
  readonly failed: number;
}

// --- the VMM side --------------------------------------------------------------

/** What `vmmSetup()` built: the fds and ids a policy and checks need. */
export interface VmmHandles {
  readonly iommufd: number;
  readonly ioasId: number;
  readonly faultId: number;
  readonly faultFd: number;
  /** Per device: its VFIO fd, dev_id, nest parent and fault-capable HWPT. */
  readonly devices: readonly {
    readonly name: string;
    readonly vfio: number;
    readonly devId: number;
    readonly parentHwptId: number;
    readonly iopfHwptId: number;
  }[];
  /**
   * The VMM's fix-up for a fault: make the page present where the device
   * will look for it (stage 1 of the nested HWPT its dev_id and PASID are attached to).
   */
  fixup(fault: IommuHwptPgfault): boolean;
}

export interface VmmSetupOptions {
  /** Devices to bind and attach; default all. */
  devices?: string[];
  /** PASIDs to attach to the fault-capable HWPT; default: the RID only. */
  pasids?: number[];
  /** Also attach the RID (requests without PASID). Default: only when no PASID is given. */
  attachRid?: boolean;
}

/** A fault-handling policy: the VMM's fault thread. */
export type Policy = (h: VmmHandles) => Promise<void> | void;

export interface ScenarioDefinition {
  name: string;
  title?: string;
  description?: string;
  /** Seeds every random choice. Default 1. */
  seed?: number;
  kernel?: KernelProfileName;
  /** Default: one VT-d IOMMU and one PCIe function "0000:03:00.0" with PASID, ATS and PRI. */
  topology?: TopologySpec;
  /** The VMM's setup (ioctls); its result is passed to the policy, workload and checks. */
  setup?: () => VmmHandles | Promise<VmmHandles>;
  /** The user-space fault handler. */
  policy?: Policy;
  /** The device side: DMA, triggers, actions on virtual time. */
  workload?: (h: VmmHandles) => Promise<void> | void;
  /** Runs when nothing else can happen; assertions here see the whole run. */
  checks?: (h: VmmHandles) => Promise<void> | void;
  /** A free-form driver instead of setup/policy/workload; `ctx` repeats now/sleep/random. */
  main?: (ctx: ScenarioContext) => Promise<void> | void;
}

/** What `main` receives: virtual time and seeded randomness (also exported as functions). */
export interface ScenarioContext {
  now(): bigint;
  sleep(delayNs: number | bigint): Promise<void>;
  random(): number;
}
