/**
 * The upstream selftests that touch faults (tools/testing/selftests/iommu/
 * iommufd.c, iommufd_fail_nth.c; ../shared/spec/iommufd-abi-and-behaviour.md
 * §4.2), re-expressed against the emulator: same calls, same order, same
 * expected return values, errno, bytes and fields.
 */
import { describe, expect, it } from 'vitest';
import { ERRNO } from '../../shared/errno';
import {
  IOMMU_VIOMMU_TYPE_SELFTEST,
  IOMMU_HWPT_ALLOC_NEST_PARENT,
  IOMMU_HWPT_ALLOC_PASID,
  IOMMU_HWPT_FAULT_ID_VALID,
} from '../../shared/uapi/iommufd';
import { IOMMU_HWPT_DATA_SELFTEST, VFIO_DEVICE_ATTACH_PASID, VFIO_DEVICE_DETACH_PASID } from '../../shared/uapi/structs';
import { kernelHarness, type KernelHarness } from '../testing/kernel-harness';

const UINT32_MAX = 0xffff_ffff;
const selftestData = { data_type: IOMMU_HWPT_DATA_SELFTEST, data_len: 4, data_uptr: 0x1000n };

/** `_test_cmd_trigger_iopf(fd, device_id, [pasid,] fault_fd)`: trigger, read 40, answer SUCCESS. */
function testCmdTriggerIopf(h: KernelHarness, deviceId: number, faultFd: number, pasid = 1) {
  expect(h.trigger(deviceId, { pasid })).toBe(0);
  const r = h.proc.read(faultFd, 40);
  expect(r.ret).toBe(40);
  const [fault] = h.records(r.bytes);
  const rsp = h.response({ cookie: fault!.cookie as number, code: 0, dev_id: deviceId, pasid: 1, grpid: 2 });
  expect(h.proc.write(faultFd, rsp)).toBe(h.profile.responseRecord.size);
  return fault!;
}

// The merged kernels all pass S-1 as the current selftest writes it.
describe.each(['6.11', '6.13', '6.14', '6.15', 'upstream'] as const)('S-1 TEST_F(iommufd_ioas, alloc_hwpt_nested), fault steps (%s)', (profile) => {
  it('runs the selftest sequence with the selftest results', () => {
    const h = kernelHarness({ profile });
    const { ioas, vfio, deviceId } = h.mockDomain();
    // 1. A nest parent cannot carry a fault.
    expect(h.hwptAlloc({ dev_id: deviceId, pt_id: ioas, flags: IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_FAULT_ID_VALID, fault_id: 0 }).ret).toBe(-ERRNO.EOPNOTSUPP);
    // 2.
    const parent = h.hwptAlloc({ dev_id: deviceId, pt_id: ioas, flags: IOMMU_HWPT_ALLOC_NEST_PARENT });
    expect(parent.ret).toBe(0);
    const parentId = parent.out.out_hwpt_id as number;
    const notWork = h.hwptAlloc({ dev_id: deviceId, pt_id: ioas, flags: 0 });
    expect(notWork.ret).toBe(0);
    // 3. test_ioctl_fault_alloc
    const { ret, faultId, faultFd } = h.faultAlloc();
    expect(ret).toBe(0);
    expect(faultId).not.toBe(0);
    expect(faultFd).not.toBe(0);
    // 4.
    const nested = [0, 1].map(() => h.hwptAlloc({ dev_id: deviceId, pt_id: parentId, flags: 0, ...selftestData }));
    expect(nested.map((n) => n.ret)).toEqual([0, 0]);
    // 5. unknown fault id
    expect(h.hwptAlloc({ dev_id: deviceId, pt_id: parentId, flags: IOMMU_HWPT_FAULT_ID_VALID, fault_id: UINT32_MAX, ...selftestData }).ret).toBe(-ERRNO.ENOENT);
    // 6.
    const iopf = h.hwptAlloc({ dev_id: deviceId, pt_id: parentId, flags: IOMMU_HWPT_FAULT_ID_VALID, fault_id: faultId, ...selftestData });
    expect(iopf.ret).toBe(0);
    const iopfHwptId = iopf.out.out_hwpt_id as number;
    // 7. (non-fault steps end by destroying nested[0])
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: nested[0]!.out.out_hwpt_id as number }).ret).toBe(0);
    // 8. MOCK_DOMAIN_REPLACE(stdev, iopf_hwpt)
    expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: iopfHwptId }).ret).toBe(0);
    // 9. attached: EBUSY
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: iopfHwptId }).ret).toBe(-ERRNO.EBUSY);
    // 10. test_cmd_trigger_iopf
    const fault = testCmdTriggerIopf(h, deviceId, faultFd);
    expect(fault).toMatchObject({ flags: 0x3, dev_id: deviceId, pasid: 1, grpid: 2, perm: 3, addr: 0xdeadbeafn, length: 0, cookie: 1 });
    // 6.11–6.13 have no __reserved (the hole there is not initialised); 6.14+ zero it.
    expect(fault.__reserved).toBe(h.profile.recordHoleLeaksStack ? undefined : 0);
    // 11.
    expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: parentId }).ret).toBe(0);
    // 12.
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: nested[1]!.out.out_hwpt_id as number }).ret).toBe(0);
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: iopfHwptId }).ret).toBe(0);
    // 13.
    expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas }).ret).toBe(0);
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: parentId }).ret).toBe(0);
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: notWork.out.out_hwpt_id as number }).ret).toBe(0);
    // 14. The fault object outlives its fd only until destroyed.
    expect(h.proc.close(faultFd)).toBe(0);
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: faultId }).ret).toBe(0);
    // The mock's page_response saw exactly the one SUCCESS.
    expect(h.driver.responses.map((r) => r.resp)).toEqual([{ pasid: 1, grpid: 2, code: 0 }]);
  });
});

describe('S-2 TEST_F(iommufd_viommu, viommu_alloc_nested_iopf)', () => {
  it('runs the selftest sequence with the selftest results', () => {
    const h = kernelHarness({ profile: 'upstream' });
    // Fixture iommufd_viommu / mock_viommu: IOAS, mock domain, nest parent, vIOMMU.
    const { ioas, vfio, deviceId } = h.mockDomain();
    const hwptId = h.hwptAlloc({ dev_id: deviceId, pt_id: ioas, flags: IOMMU_HWPT_ALLOC_NEST_PARENT }).out.out_hwpt_id as number;
    const viommu = h.proc.call(h.iommufd, 'IOMMU_VIOMMU_ALLOC', { dev_id: deviceId, hwpt_id: hwptId, type: IOMMU_VIOMMU_TYPE_SELFTEST });
    expect(viommu.ret).toBe(0);
    const viommuId = viommu.out.out_viommu_id as number;
    // 1.
    const { ret, faultId, faultFd } = h.faultAlloc();
    expect(ret).toBe(0);
    // 2. unknown fault id
    expect(h.hwptAlloc({ dev_id: deviceId, pt_id: viommuId, flags: IOMMU_HWPT_FAULT_ID_VALID, fault_id: UINT32_MAX, ...selftestData }).ret).toBe(-ERRNO.ENOENT);
    // 3. unknown flag
    expect(h.hwptAlloc({ dev_id: deviceId, pt_id: viommuId, flags: IOMMU_HWPT_FAULT_ID_VALID | (1 << 31), fault_id: faultId, ...selftestData }).ret).toBe(-ERRNO.EOPNOTSUPP);
    // 4.
    const iopf = h.hwptAlloc({ dev_id: deviceId, pt_id: viommuId, flags: IOMMU_HWPT_FAULT_ID_VALID, fault_id: faultId, ...selftestData });
    expect(iopf.ret).toBe(0);
    const iopfHwpt = iopf.out.out_hwpt_id as number;
    // 5. no vDEVICE yet
    expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: iopfHwpt }).ret).toBe(-ERRNO.ENOENT);
    // 6.
    expect(h.proc.call(h.iommufd, 'IOMMU_VDEVICE_ALLOC', { viommu_id: viommuId, dev_id: deviceId, virt_id: 0x99n }).ret).toBe(0);
    expect(h.proc.call(h.iommufd, 'IOMMU_VDEVICE_ALLOC', { viommu_id: viommuId, dev_id: deviceId, virt_id: 0x9an }).ret).toBe(-ERRNO.EEXIST);
    // 7.
    expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: iopfHwpt }).ret).toBe(0);
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: iopfHwpt }).ret).toBe(-ERRNO.EBUSY);
    // 8.
    const fault = testCmdTriggerIopf(h, deviceId, faultFd);
    expect(fault).toMatchObject({ flags: 0x3, dev_id: deviceId, pasid: 1, grpid: 2, perm: 3, addr: 0xdeadbeafn, cookie: 1 });
    // 9.
    expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas }).ret).toBe(0);
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: iopfHwpt }).ret).toBe(0);
    expect(h.proc.close(faultFd)).toBe(0);
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: faultId }).ret).toBe(0);
    // The vIOMMU is held by its vDEVICE; closing the context tears everything down leaf first.
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: viommuId }).ret).toBe(-ERRNO.EBUSY);
  });

  it('refuses a DEFAULT vIOMMU type (EOPNOTSUPP) and a parent that is not a nest parent (EINVAL)', () => {
    const h = kernelHarness();
    const { ioas, deviceId } = h.mockDomain();
    const plain = h.hwptAlloc({ dev_id: deviceId, pt_id: ioas, flags: 0 }).out.out_hwpt_id as number;
    const parent = h.hwptAlloc({ dev_id: deviceId, pt_id: ioas, flags: IOMMU_HWPT_ALLOC_NEST_PARENT }).out.out_hwpt_id as number;
    expect(h.proc.call(h.iommufd, 'IOMMU_VIOMMU_ALLOC', { dev_id: deviceId, hwpt_id: parent, type: 0 }).ret).toBe(-ERRNO.EOPNOTSUPP);
    expect(h.proc.call(h.iommufd, 'IOMMU_VIOMMU_ALLOC', { dev_id: deviceId, hwpt_id: plain, type: IOMMU_VIOMMU_TYPE_SELFTEST }).ret).toBe(-ERRNO.EINVAL);
  });
});

describe('S-3 TEST_F(iommufd_device_pasid, pasid_attach), fault part', () => {
  it('routes a PASID 2048 fault to the HWPT attached at that PASID', () => {
    const h = kernelHarness({ profile: 'upstream' });
    const { ioas, vfio, deviceId } = h.mockDomain();
    const parent = h.hwptAlloc({ dev_id: deviceId, pt_id: ioas, flags: IOMMU_HWPT_ALLOC_NEST_PARENT }).out.out_hwpt_id as number;
    const { faultId, faultFd } = h.faultAlloc();
    const iopf = h.hwptAlloc({ dev_id: deviceId, pt_id: parent, flags: IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID, fault_id: faultId, ...selftestData });
    expect(iopf.ret).toBe(0);
    const iopfHwpt = iopf.out.out_hwpt_id as number;
    const s2 = h.hwptAlloc({ dev_id: deviceId, pt_id: ioas, flags: IOMMU_HWPT_ALLOC_PASID }).out.out_hwpt_id as number;
    expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { flags: VFIO_DEVICE_ATTACH_PASID, pasid: 2048, pt_id: iopfHwpt }).ret).toBe(0);
    const fault = testCmdTriggerIopf(h, deviceId, faultFd, 2048);
    expect(fault).toMatchObject({ flags: 0x3, pasid: 2048, grpid: 2, perm: 3, addr: 0xdeadbeafn, cookie: 1 });
    // PASID_REPLACE to the s2 HWPT, then PASID_DETACH.
    expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { flags: VFIO_DEVICE_ATTACH_PASID, pasid: 2048, pt_id: s2 }).ret).toBe(0);
    expect(h.proc.call(vfio, 'VFIO_DEVICE_DETACH_IOMMUFD_PT', { flags: VFIO_DEVICE_DETACH_PASID, pasid: 2048 }).ret).toBe(0);
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: iopfHwpt }).ret).toBe(0);
    expect(h.proc.close(faultFd)).toBe(0);
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: faultId }).ret).toBe(0);
  });
});

describe('S-5 the v4-era selftest (v4 9/9)', () => {
  it('answers with the 32-byte v4 response carrying size, dev_id, pasid and grpid', () => {
    const h = kernelHarness({ profile: 'v4' });
    const { ioas, vfio, deviceId } = h.mockDomain();
    const parent = h.hwptAlloc({ dev_id: deviceId, pt_id: ioas, flags: IOMMU_HWPT_ALLOC_NEST_PARENT }).out.out_hwpt_id as number;
    const { ret, faultId, faultFd } = h.faultAlloc();
    expect(ret).toBe(0);
    const iopfHwpt = h.hwptAlloc({ dev_id: deviceId, pt_id: parent, flags: IOMMU_HWPT_FAULT_ID_VALID, fault_id: faultId, ...selftestData }).out.out_hwpt_id as number;
    expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: iopfHwpt }).ret).toBe(0);
    expect(h.trigger(deviceId)).toBe(0);
    const r = h.proc.read(faultFd, 40);
    expect(r.ret).toBe(40);
    const [fault] = h.records(r.bytes);
    expect(fault).toMatchObject({ size: 40, flags: 3, dev_id: deviceId, pasid: 1, grpid: 2, perm: 3, addr: 0xdeadbeafn, length: 0, cookie: 1 });
    const rsp = h.response({ cookie: 1, code: 0, dev_id: deviceId, pasid: 1, grpid: 2 });
    expect(rsp.length).toBe(32);
    expect(new DataView(rsp.buffer).getUint32(0, true)).toBe(32);
    expect(h.proc.write(faultFd, rsp)).toBe(32);
    expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: parent }).ret).toBe(0);
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: iopfHwpt }).ret).toBe(0);
    expect(h.proc.close(faultFd)).toBe(0);
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: faultId }).ret).toBe(0);
  });

  it('refuses FAULT_ID_VALID on a paging HWPT (v4 valid_flags)', () => {
    const h = kernelHarness({ profile: 'v4' });
    const { ioas, deviceId } = h.mockDomain();
    const { faultId } = h.faultAlloc();
    expect(h.hwptAlloc({ dev_id: deviceId, pt_id: ioas, flags: IOMMU_HWPT_FAULT_ID_VALID, fault_id: faultId }).ret).toBe(-ERRNO.EOPNOTSUPP);
  });
});

describe('S-4 TEST_FAIL_NTH(basic_fail_nth, device), fault part', () => {
  /** The fault part of the fail_nth sequence; every step's failure is returned at once. */
  function sequence(h: KernelHarness): number {
    const ioas = h.proc.call(h.iommufd, 'IOMMU_IOAS_ALLOC');
    if (ioas.ret) return ioas.ret;
    const vfio = h.proc.openVfioDevice('0000:03:00.0');
    const bind = h.proc.call(vfio, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: h.iommufd });
    if (bind.ret) return bind.ret;
    const devId = bind.out.out_devid as number;
    const parent = h.hwptAlloc({ dev_id: devId, pt_id: ioas.out.out_ioas_id as number, flags: IOMMU_HWPT_ALLOC_NEST_PARENT });
    if (parent.ret) return parent.ret;
    const fa = h.proc.call(h.iommufd, h.profile.faultAllocIoctl, {});
    if (fa.ret) return fa.ret;
    // The fd is closed before the HWPT uses the fault object: the object outlives its fd.
    const closed = h.proc.close(fa.out.out_fault_fd as number);
    if (closed) return closed;
    const hwpt = h.hwptAlloc({ dev_id: devId, pt_id: parent.out.out_hwpt_id as number, flags: IOMMU_HWPT_FAULT_ID_VALID, fault_id: fa.out.out_fault_id as number, ...selftestData });
    return hwpt.ret;
  }

  // 6.11 is left out: its out_fput double put (fixed by af7f4780514f) is what this test exists to catch.
  it.each(['upstream', 'v4', '6.13', '6.14', '6.15'] as const)('%s: every injected failure gives an errno and leaves nothing behind; the clean run succeeds', (profile) => {
    let n = 1;
    for (; n < 64; n++) {
      const h = kernelHarness({ profile });
      h.inject.failNth(n);
      const rc = sequence(h);
      const reached = h.inject.reached.length;
      if (rc === 0) {
        expect(n).toBeGreaterThan(reached); // no site was left to fail: the final run is clean
        break;
      }
      expect(rc).toBeLessThan(0);
      // No fault fd may survive a failed FAULT_QUEUE_ALLOC, and closing the context destroys every object.
      expect(h.proc.faultOf(4)).toBeNull();
      const ctx = h.proc.ctxOf(h.iommufd)!;
      h.proc.close(h.iommufd);
      for (const fd of [3, 4, 5, 6]) if (h.proc.faultOf(fd) === null && fd !== h.iommufd) h.proc.close(fd);
      expect(ctx.objects.list().map((o) => o.id)).toEqual([]);
    }
    expect(n).toBeGreaterThan(5); // the sequence has injection sites to walk through
  });
});
