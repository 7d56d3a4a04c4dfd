/**
 * Constants of include/uapi/linux/iommufd.h that the fault path uses, with
 * their kernel names. Values checked against upstream iommufd.h and the v4
 * series (see ../shared/spec/iommufd-abi-and-behaviour.md §1).
 */

/** `IOMMUFD_TYPE` (';'); every request is `_IO(IOMMUFD_TYPE, nr)` = 0x3B00 | nr. */
export const IOMMUFD_TYPE = 0x3b;

/** `enum iommufd_cmd` numbers (explicit since "iommufd: Put constants for all the uAPI enums"). */
export const IOMMUFD_CMD = {
  IOMMUFD_CMD_DESTROY: 0x80,
  IOMMUFD_CMD_IOAS_ALLOC: 0x81,
  IOMMUFD_CMD_IOAS_ALLOW_IOVAS: 0x82,
  IOMMUFD_CMD_IOAS_COPY: 0x83,
  IOMMUFD_CMD_IOAS_IOVA_RANGES: 0x84,
  IOMMUFD_CMD_IOAS_MAP: 0x85,
  IOMMUFD_CMD_IOAS_UNMAP: 0x86,
  IOMMUFD_CMD_OPTION: 0x87,
  IOMMUFD_CMD_VFIO_IOAS: 0x88,
  IOMMUFD_CMD_HWPT_ALLOC: 0x89,
  IOMMUFD_CMD_GET_HW_INFO: 0x8a,
  IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING: 0x8b,
  IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP: 0x8c,
  IOMMUFD_CMD_HWPT_INVALIDATE: 0x8d,
  /** v4 names it IOMMUFD_CMD_FAULT_ALLOC; same number. */
  IOMMUFD_CMD_FAULT_QUEUE_ALLOC: 0x8e,
  IOMMUFD_CMD_VIOMMU_ALLOC: 0x90,
  IOMMUFD_CMD_VDEVICE_ALLOC: 0x91,
  IOMMU_TEST_CMD: 0xa0,
} as const;

/** Request value of a command: `_IO(';', nr)`. */
export const ioctlRequest = (nr: number): number => (IOMMUFD_TYPE << 8) | nr;

/** `enum iommu_hwpt_pgfault_flags` */
export const IOMMU_PGFAULT_FLAGS_PASID_VALID = 1 << 0;
export const IOMMU_PGFAULT_FLAGS_LAST_PAGE = 1 << 1;
/**
 * Kernel-internal `IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID` (include/linux/iommu.h).
 * It is not a uAPI flag, but the kernel copies `prm.flags` raw, so it can leak
 * into `iommu_hwpt_pgfault.flags`.
 */
export const IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID = 1 << 2;

/** `enum iommu_hwpt_pgfault_perm` (equal to the kernel's IOMMU_FAULT_PERM_*). */
export const IOMMU_PGFAULT_PERM_READ = 1 << 0;
export const IOMMU_PGFAULT_PERM_WRITE = 1 << 1;
export const IOMMU_PGFAULT_PERM_EXEC = 1 << 2;
export const IOMMU_PGFAULT_PERM_PRIV = 1 << 3;

/** `enum iommufd_page_response_code`; FAILURE exists only in the v4 series. */
export const IOMMUFD_PAGE_RESP_SUCCESS = 0;
export const IOMMUFD_PAGE_RESP_INVALID = 1;
export const IOMMUFD_PAGE_RESP_FAILURE = 2;

/** `enum iommufd_hwpt_alloc_flags` */
export const IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0;
export const IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1;
export const IOMMU_HWPT_FAULT_ID_VALID = 1 << 2;
export const IOMMU_HWPT_ALLOC_PASID = 1 << 3;

/** `IOMMU_NO_PASID` */
export const IOMMU_NO_PASID = 0;

/** epoll bits as the fault fd's poll() reports them. */
export const EPOLLIN = 0x001;
export const EPOLLOUT = 0x004;
export const EPOLLRDNORM = 0x040;

const FLAG_NAMES: [number, string][] = [
  [IOMMU_PGFAULT_FLAGS_PASID_VALID, 'PASID_VALID'],
  [IOMMU_PGFAULT_FLAGS_LAST_PAGE, 'LAST_PAGE'],
  [IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID, 'NEEDS_PASID(kernel bit 2)'],
];
const PERM_NAMES: [number, string][] = [
  [IOMMU_PGFAULT_PERM_READ, 'READ'],
  [IOMMU_PGFAULT_PERM_WRITE, 'WRITE'],
  [IOMMU_PGFAULT_PERM_EXEC, 'EXEC'],
  [IOMMU_PGFAULT_PERM_PRIV, 'PRIV'],
];

function spell(value: number, names: [number, string][]): string {
  const parts: string[] = [];
  let rest = value >>> 0;
  for (const [bit, name] of names) {
    if (rest & bit) {
      parts.push(name);
      rest &= ~bit;
    }
  }
  if (rest) parts.push(`0x${rest.toString(16)}`);
  return parts.length ? parts.join('|') : '0';
}

export const spellPgfaultFlags = (flags: number): string => spell(flags, FLAG_NAMES);
export const spellPgfaultPerm = (perm: number): string => spell(perm, PERM_NAMES);

export function spellResponseCode(code: number): string {
  switch (code) {
    case IOMMUFD_PAGE_RESP_SUCCESS:
      return 'SUCCESS';
    case IOMMUFD_PAGE_RESP_INVALID:
      return 'INVALID';
    case IOMMUFD_PAGE_RESP_FAILURE:
      return 'FAILURE';
    default:
      return `code ${code}`;
  }
}

/** `enum iommu_viommu_type`: DEFAULT is not allocatable; the selftest type is the mock's. */
export const IOMMU_VIOMMU_TYPE_DEFAULT = 0;
export const IOMMU_VIOMMU_TYPE_SELFTEST = 0xdeadbeef;
