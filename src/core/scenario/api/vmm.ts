/**
 * The usual VMM setup of a fault-capable device, as QEMU does it with iommufd
 * and the selftests do it with the mock (../shared/spec/iommufd-abi-and-
 * behaviour.md §4.2 S-1): IOAS, fault queue, and per device a bind, a
 * NEST_PARENT paging HWPT and a nested HWPT with IOMMU_HWPT_FAULT_ID_VALID,
 * attached at the RID or at each PASID. Every step is a real ioctl; a failure
 * stops the setup with an error naming the call and its errno.
 */
import { IOMMU_HWPT_ALLOC_NEST_PARENT, IOMMU_HWPT_ALLOC_PASID, IOMMU_HWPT_FAULT_ID_VALID } from '../../../shared/uapi/iommufd';
import { IOMMU_HWPT_DATA_SELFTEST, VFIO_DEVICE_ATTACH_PASID } from '../../../shared/uapi/structs';
import { HwPagetable } from '../../iommufd/hw-pagetable';
import { ScenarioError } from '../spec';
import type { IommuHwptPgfault, SyscallResult, VmmHandles, VmmSetupOptions } from './types';
import { run } from './run-context';
import { permBits } from './devices';

/** Throws a ScenarioError naming the call when a syscall failed; returns the result otherwise. */
export function must<T extends SyscallResult>(result: T, what = 'call'): T {
  if (result.ret < 0) throw new ScenarioError(`${what} failed: ${result.errno}`);
  return result;
}

/**
 * The guest (or the VMM on its behalf) makes pages present in stage 1 of a
 * nested HWPT: the fix-up a policy does before answering SUCCESS.
 */
export function guestMap(iommufd: number, hwptId: number, iova: bigint | number, length: bigint | number, perm: string | number = 'rw'): boolean {
  return mapFor(iommufd, hwptId, BigInt(iova), BigInt(length), permBits(perm), null);
}

/** Makes pages present and records POLICY_MAP, linked to the fault being fixed up when there is one. */
function mapFor(iommufd: number, hwptId: number, iova: bigint, length: bigint, perm: number, fault: { rid: number; f: IommuHwptPgfault } | null): boolean {
  const r = run();
  const obj = r.system.proc.ctxOf(iommufd)?.get(hwptId);
  if (!(obj instanceof HwPagetable)) return false;
  const at = iova & ~0xfffn;
  obj.domain.pageTable.mapRange(at, length, perm);
  const note = `HWPT ${hwptId}: ${length} byte(s) made present`;
  r.system.tracer.emit(
    'policy',
    'POLICY_MAP',
    fault ? { addr: at, perm, dev: fault.rid, pasid: fault.f.pasid, grpid: fault.f.grpid, cookie: fault.f.cookie, note } : { addr: at, perm, note },
  );
  return true;
}

export function vmmSetup(options: VmmSetupOptions = {}): VmmHandles {
  const r = run();
  const u = r.uapi;
  const names = options.devices ?? [...r.system.devices.keys()];
  const pasids = options.pasids ?? [];
  const attachRid = options.attachRid ?? pasids.length === 0;
  const iommufd = u.openIommufd();
  const ioasId = must(u.IOMMU_IOAS_ALLOC(iommufd), 'IOMMU_IOAS_ALLOC').out_ioas_id;
  const alloc = u.kernel.faultAllocIoctl === 'IOMMU_FAULT_ALLOC' ? u.IOMMU_FAULT_ALLOC : u.IOMMU_FAULT_QUEUE_ALLOC;
  const fault = must(alloc(iommufd), u.kernel.faultAllocIoctl);
  const devices = names.map((name) => {
    const vfio = u.openDevice(name);
    if (vfio < 0) throw new ScenarioError(`vmmSetup: no device "${name}"`);
    const devId = must(u.VFIO_DEVICE_BIND_IOMMUFD(vfio, { iommufd }), `VFIO_DEVICE_BIND_IOMMUFD(${name})`).out_devid;
    const parentHwptId = must(u.IOMMU_HWPT_ALLOC(iommufd, { dev_id: devId, pt_id: ioasId, flags: IOMMU_HWPT_ALLOC_NEST_PARENT }), 'IOMMU_HWPT_ALLOC(nest parent)').out_hwpt_id;
    const iopfHwptId = must(
      u.IOMMU_HWPT_ALLOC(iommufd, {
        dev_id: devId,
        pt_id: parentHwptId,
        flags: IOMMU_HWPT_FAULT_ID_VALID | (pasids.length ? IOMMU_HWPT_ALLOC_PASID : 0),
        fault_id: fault.out_fault_id,
        data_type: IOMMU_HWPT_DATA_SELFTEST,
        data_len: 4,
      }),
      'IOMMU_HWPT_ALLOC(fault-capable nested)',
    ).out_hwpt_id;
    if (attachRid) must(u.VFIO_DEVICE_ATTACH_IOMMUFD_PT(vfio, { pt_id: iopfHwptId }), `VFIO_DEVICE_ATTACH_IOMMUFD_PT(${name})`);
    for (const pasid of pasids)
      must(u.VFIO_DEVICE_ATTACH_IOMMUFD_PT(vfio, { pt_id: iopfHwptId, flags: VFIO_DEVICE_ATTACH_PASID, pasid }), `VFIO_DEVICE_ATTACH_IOMMUFD_PT(${name}, pasid ${pasid})`);
    return Object.freeze({ name, vfio, devId, parentHwptId, iopfHwptId, rid: r.system.device(name).fn.rid });
  });
  const byDevId = new Map(devices.map((d) => [d.devId, d]));
  return Object.freeze({
    iommufd,
    ioasId,
    faultId: fault.out_fault_id,
    faultFd: fault.out_fault_fd,
    devices: Object.freeze(devices.map(({ rid: _rid, ...d }) => Object.freeze(d))),
    fixup(f: IommuHwptPgfault): boolean {
      const d = byDevId.get(f.dev_id);
      return d ? mapFor(iommufd, d.iopfHwptId, f.addr, 4096n, f.perm & 0xf, { rid: d.rid, f }) : false;
    },
  });
}
