/**
 * Layouts of the ioctl argument structs the emulator implements, from
 * include/uapi/linux/iommufd.h, include/uapi/linux/vfio.h and
 * drivers/iommu/iommufd/iommufd_test.h. `minSize` is the kernel's
 * `offsetofend(struct, last_member)` from its IOCTL_OP row: a caller may pass
 * any size ≥ minSize (shorter → EINVAL; longer with non-zero tail → E2BIG).
 */
import type { StructLayout } from './layout';

export interface IoctlStruct extends StructLayout {
  readonly minSize: number;
}

const u32 = (name: string, offset: number) => ({ name, offset, size: 4 as const });
const u64 = (name: string, offset: number) => ({ name, offset, size: 8 as const });

/** `struct iommu_destroy` */
export const IOMMU_DESTROY_STRUCT: IoctlStruct = {
  name: 'iommu_destroy',
  size: 8,
  minSize: 8,
  fields: [u32('size', 0), u32('id', 4)],
};

/** `struct iommu_ioas_alloc` */
export const IOMMU_IOAS_ALLOC_STRUCT: IoctlStruct = {
  name: 'iommu_ioas_alloc',
  size: 12,
  minSize: 12,
  fields: [u32('size', 0), u32('flags', 4), u32('out_ioas_id', 8)],
};

/** `struct iommu_ioas_map`; flags IOMMU_IOAS_MAP_FIXED_IOVA | WRITEABLE | READABLE. */
export const IOMMU_IOAS_MAP_STRUCT: IoctlStruct = {
  name: 'iommu_ioas_map',
  size: 40,
  minSize: 40,
  fields: [u32('size', 0), u32('flags', 4), u32('ioas_id', 8), u32('__reserved', 12), u64('user_va', 16), u64('length', 24), u64('iova', 32)],
};

/** `struct iommu_ioas_unmap`; `length` is in/out (bytes unmapped). */
export const IOMMU_IOAS_UNMAP_STRUCT: IoctlStruct = {
  name: 'iommu_ioas_unmap',
  size: 24,
  minSize: 24,
  fields: [u32('size', 0), u32('ioas_id', 4), u64('iova', 8), u64('length', 16)],
};

/** `struct iommu_hwpt_alloc` with the fault fields v4 7/9 appended. */
export const IOMMU_HWPT_ALLOC_STRUCT: IoctlStruct = {
  name: 'iommu_hwpt_alloc',
  size: 48,
  minSize: 24,
  fields: [
    u32('size', 0),
    u32('flags', 4),
    u32('dev_id', 8),
    u32('pt_id', 12),
    u32('out_hwpt_id', 16),
    u32('__reserved', 20),
    u32('data_type', 24),
    u32('data_len', 28),
    u64('data_uptr', 32),
    u32('fault_id', 40),
    u32('__reserved2', 44),
  ],
};

/** `struct iommu_fault_alloc` (IOMMU_FAULT_ALLOC in v4, IOMMU_FAULT_QUEUE_ALLOC upstream). */
export const IOMMU_FAULT_ALLOC_STRUCT: IoctlStruct = {
  name: 'iommu_fault_alloc',
  size: 16,
  minSize: 16,
  fields: [u32('size', 0), u32('flags', 4), u32('out_fault_id', 8), u32('out_fault_fd', 12)],
};

/** `struct iommu_viommu_alloc` (the 6.13 fields; later kernels append data_len/data_uptr). */
export const IOMMU_VIOMMU_ALLOC_STRUCT: IoctlStruct = {
  name: 'iommu_viommu_alloc',
  size: 40,
  minSize: 24,
  fields: [u32('size', 0), u32('flags', 4), u32('type', 8), u32('dev_id', 12), u32('hwpt_id', 16), u32('out_viommu_id', 20), u32('data_len', 24), u32('__reserved', 28), u64('data_uptr', 32)],
};

/** `struct iommu_vdevice_alloc` */
export const IOMMU_VDEVICE_ALLOC_STRUCT: IoctlStruct = {
  name: 'iommu_vdevice_alloc',
  size: 24,
  minSize: 24,
  fields: [u32('size', 0), u32('viommu_id', 4), u32('dev_id', 8), u32('out_vdevice_id', 12), u64('virt_id', 16)],
};

/**
 * `struct iommu_test_cmd` (selftest only). The kernel's union is as large as
 * its largest member; here it holds the members the emulator implements
 * (`trigger_iopf` is the largest: 24 bytes), so sizeof differs from a given
 * kernel build while every field offset of trigger_iopf matches.
 */
export const IOMMU_TEST_CMD_STRUCT: IoctlStruct = {
  name: 'iommu_test_cmd',
  size: 48,
  minSize: 44,
  fields: [
    u32('size', 0),
    u32('op', 4),
    u32('id', 8),
    u32('__reserved', 12),
    u32('dev_id', 16),
    u32('pasid', 20),
    u32('grpid', 24),
    u32('perm', 28),
    u64('addr', 32),
    u32('last', 40),
  ],
};

/** `IOMMU_TEST_OP_TRIGGER_IOPF` (15th op of the enum starting at ADD_RESERVED = 1). */
export const IOMMU_TEST_OP_TRIGGER_IOPF = 15;

/** `struct vfio_device_bind_iommufd` (VFIO cdev). */
export const VFIO_DEVICE_BIND_IOMMUFD_STRUCT: IoctlStruct = {
  name: 'vfio_device_bind_iommufd',
  size: 16,
  minSize: 16,
  fields: [u32('argsz', 0), u32('flags', 4), u32('iommufd', 8), u32('out_devid', 12)],
};

/** `struct vfio_device_attach_iommufd_pt`; flag VFIO_DEVICE_ATTACH_PASID selects `pasid`. */
export const VFIO_DEVICE_ATTACH_IOMMUFD_PT_STRUCT: IoctlStruct = {
  name: 'vfio_device_attach_iommufd_pt',
  size: 16,
  minSize: 12,
  fields: [u32('argsz', 0), u32('flags', 4), u32('pt_id', 8), u32('pasid', 12)],
};

/** `struct vfio_device_detach_iommufd_pt`; flag VFIO_DEVICE_DETACH_PASID selects `pasid`. */
export const VFIO_DEVICE_DETACH_IOMMUFD_PT_STRUCT: IoctlStruct = {
  name: 'vfio_device_detach_iommufd_pt',
  size: 12,
  minSize: 8,
  fields: [u32('argsz', 0), u32('flags', 4), u32('pasid', 8)],
};

export const VFIO_DEVICE_ATTACH_PASID = 1 << 0;
export const VFIO_DEVICE_DETACH_PASID = 1 << 0;

export const IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0;
export const IOMMU_IOAS_MAP_WRITEABLE = 1 << 1;
export const IOMMU_IOAS_MAP_READABLE = 1 << 2;

/** `enum iommu_hwpt_data_type` */
export const IOMMU_HWPT_DATA_NONE = 0;
export const IOMMU_HWPT_DATA_SELFTEST = 0xdead;
