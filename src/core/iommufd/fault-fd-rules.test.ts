/**
 * Black-box cases derived from the rules of ../shared/spec/
 * iommufd-abi-and-behaviour.md §1–§3, for each kernel profile: return values,
 * errno, bytes and fields as user space sees them.
 */
import { describe, expect, it } from 'vitest';
import { ERRNO } from '../../shared/errno';
import {
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDNORM,
  IOMMU_HWPT_ALLOC_NEST_PARENT,
  IOMMU_HWPT_FAULT_ID_VALID,
} from '../../shared/uapi/iommufd';
import { encodeStruct } from '../../shared/uapi/layout';
import { KERNEL_PROFILE_IDS } from '../../shared/uapi/profiles';
import { IOMMU_HWPT_ALLOC_STRUCT, IOMMU_HWPT_DATA_SELFTEST } from '../../shared/uapi/structs';
import { kernelHarness, type HarnessOptions } from '../testing/kernel-harness';

const selftestData = { data_type: IOMMU_HWPT_DATA_SELFTEST, data_len: 4, data_uptr: 0x1000n };
/** Rules every profile shares run on all of them; the ones that differ are below and in merged-kernel-profiles.test.ts. */
const PROFILES = KERNEL_PROFILE_IDS;

/** A device attached (RID) to a nested HWPT that reports to a fresh fault object. */
function iopfSetup(options: HarnessOptions = {}) {
  const h = kernelHarness(options);
  const { ioas, vfio, deviceId } = h.mockDomain();
  const parent = h.hwptAlloc({ dev_id: deviceId, pt_id: ioas, flags: IOMMU_HWPT_ALLOC_NEST_PARENT }).out.out_hwpt_id as number;
  const { faultId, faultFd } = h.faultAlloc();
  const iopfHwpt = h.hwptAlloc({ dev_id: deviceId, pt_id: parent, flags: IOMMU_HWPT_FAULT_ID_VALID, fault_id: faultId, ...selftestData }).out.out_hwpt_id as number;
  expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: iopfHwpt }).ret).toBe(0);
  const cookiesOf = (bytes: Uint8Array) => h.records(bytes).map((r) => r.cookie as number);
  const respond = (cookie: number, code = 0) => h.proc.write(faultFd, h.response({ cookie, code, dev_id: deviceId }));
  return { h, ioas, vfio, deviceId, parent, faultId, faultFd, iopfHwpt, cookiesOf, respond };
}

describe('generic ioctl rules (§1.1)', () => {
  it('answers ENOTTY for an unknown request and for an iommufd ioctl on a VFIO fd', () => {
    const h = kernelHarness();
    expect(h.proc.ioctl(h.iommufd, 0x3bff, new Uint8Array(8)).ret).toBe(-ERRNO.ENOTTY);
    const vfio = h.proc.openVfioDevice('0000:03:00.0');
    expect(h.proc.ioctl(vfio, 'IOMMU_IOAS_ALLOC', new Uint8Array(12)).ret).toBe(-ERRNO.ENOTTY);
    expect(h.proc.ioctl(99, 'IOMMU_IOAS_ALLOC', new Uint8Array(12)).ret).toBe(-ERRNO.EBADF);
  });

  it('checks size: EFAULT without room for it, EINVAL below min_size, E2BIG for a non-zero tail, zero tail accepted', () => {
    const h = kernelHarness();
    expect(h.proc.ioctl(h.iommufd, 'IOMMU_IOAS_ALLOC', new Uint8Array(2)).ret).toBe(-ERRNO.EFAULT);
    expect(h.proc.call(h.iommufd, 'IOMMU_IOAS_ALLOC', { size: 8 }).ret).toBe(-ERRNO.EINVAL);
    const big = new Uint8Array(16);
    new DataView(big.buffer).setUint32(0, 16, true);
    expect(h.proc.ioctl(h.iommufd, 'IOMMU_IOAS_ALLOC', big).ret).toBe(0);
    big[15] = 1;
    expect(h.proc.ioctl(h.iommufd, 'IOMMU_IOAS_ALLOC', big).ret).toBe(-ERRNO.E2BIG);
    const lie = new Uint8Array(12);
    new DataView(lie.buffer).setUint32(0, 64, true);
    expect(h.proc.ioctl(h.iommufd, 'IOMMU_IOAS_ALLOC', lie).ret).toBe(-ERRNO.EFAULT);
  });

  it('zero-extends a short struct: HWPT_ALLOC with the 24-byte pre-fault size works and leaves fault fields alone', () => {
    const h = kernelHarness();
    const { ioas, deviceId } = h.mockDomain();
    const arg = encodeStruct(IOMMU_HWPT_ALLOC_STRUCT, { size: 24, dev_id: deviceId, pt_id: ioas });
    const r = h.proc.ioctl(h.iommufd, 'IOMMU_HWPT_ALLOC', arg.subarray(0, 24).slice());
    expect(r.ret).toBe(0);
    expect(r.arg.length).toBe(24);
    expect(new DataView(r.arg.buffer).getUint32(16, true)).toBeGreaterThan(0); // out_hwpt_id copied back
  });

  it('hands out object ids as the lowest free id ≥ 1; DESTROY of an unknown id is ENOENT', () => {
    const h = kernelHarness();
    const ids = [0, 1, 2].map(() => h.proc.call(h.iommufd, 'IOMMU_IOAS_ALLOC').out.out_ioas_id);
    expect(ids).toEqual([1, 2, 3]);
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: 2 }).ret).toBe(0);
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: 2 }).ret).toBe(-ERRNO.ENOENT);
    expect(h.proc.call(h.iommufd, 'IOMMU_IOAS_ALLOC').out.out_ioas_id).toBe(2);
  });
});

describe.each(PROFILES)('fault object and fd, %s', (profile) => {
  it('FAULT_ALLOC refuses flags with EOPNOTSUPP and returns the lowest free fd', () => {
    const h = kernelHarness({ profile });
    expect(h.proc.call(h.iommufd, h.profile.faultAllocIoctl, { flags: 1 }).ret).toBe(-ERRNO.EOPNOTSUPP);
    const a = h.faultAlloc();
    expect(a).toMatchObject({ ret: 0, faultId: 1, faultFd: 4 });
  });

  it('HWPT_ALLOC: ENOENT for a fault_id that is not a fault object, EOPNOTSUPP for __reserved or unknown flags', () => {
    const { h, deviceId, parent, ioas } = iopfSetup({ profile });
    expect(h.hwptAlloc({ dev_id: deviceId, pt_id: parent, flags: IOMMU_HWPT_FAULT_ID_VALID, fault_id: ioas, ...selftestData }).ret).toBe(-ERRNO.ENOENT);
    expect(h.hwptAlloc({ dev_id: deviceId, pt_id: parent, flags: IOMMU_HWPT_FAULT_ID_VALID | (1 << 31), fault_id: 1, ...selftestData }).ret).toBe(-ERRNO.EOPNOTSUPP);
    expect(h.hwptAlloc({ dev_id: deviceId, pt_id: parent, flags: 0, __reserved: 1, ...selftestData }).ret).toBe(-ERRNO.EOPNOTSUPP);
  });

  it('read: ESPIPE for a count not a multiple of 40; 0 on an empty queue; never blocks', () => {
    const { h, faultFd } = iopfSetup({ profile });
    expect(h.proc.read(faultFd, 400).ret).toBe(0);
    h.trigger(2);
    expect(h.proc.read(faultFd, 41).ret).toBe(-ERRNO.ESPIPE);
    expect(h.proc.read(faultFd, 40).ret).toBe(40);
  });

  it('poll: EPOLLOUT always; EPOLLIN|EPOLLRDNORM only while groups are queued, not while read ones await answers', () => {
    const { h, faultFd, deviceId } = iopfSetup({ profile });
    expect(h.proc.poll(faultFd)).toBe(EPOLLOUT);
    h.trigger(deviceId);
    expect(h.proc.poll(faultFd)).toBe(EPOLLOUT | EPOLLIN | EPOLLRDNORM);
    h.proc.read(faultFd, 40);
    expect(h.proc.poll(faultFd)).toBe(EPOLLOUT);
  });

  it('read delivers whole groups in FIFO order, several per call, one cookie per group (lowest free ≥ 1)', () => {
    const { h, faultFd, deviceId, cookiesOf, respond } = iopfSetup({ profile });
    for (const grpid of [10, 11, 12]) h.trigger(deviceId, { grpid });
    const r = h.proc.read(faultFd, 100 - (100 % 40)); // room for two records
    expect(r.ret).toBe(80);
    expect(h.records(r.bytes).map((x) => x.grpid)).toEqual([10, 11]);
    expect(cookiesOf(r.bytes)).toEqual([1, 2]);
    expect(respond(1)).toBe(h.profile.responseRecord.size);
    expect(cookiesOf(h.proc.read(faultFd, 40).bytes)).toEqual([1]); // freed cookie reused at once
  });

  it('write: ESPIPE for a size that is not a multiple of the response record', () => {
    const { h, faultFd, deviceId } = iopfSetup({ profile });
    h.trigger(deviceId);
    h.proc.read(faultFd, 40);
    expect(h.proc.write(faultFd, new Uint8Array(h.profile.responseRecord.size + 4))).toBe(-ERRNO.ESPIPE);
  });

  it('close(): nothing is answered, faults keep queuing, DESTROY is EBUSY while the fd is open or a HWPT holds the object', () => {
    const { h, faultFd, faultId, deviceId, iopfHwpt, vfio, parent } = iopfSetup({ profile });
    h.trigger(deviceId);
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: faultId }).ret).toBe(-ERRNO.EBUSY);
    expect(h.proc.close(faultFd)).toBe(0);
    expect(h.driver.responses).toEqual([]);
    h.trigger(deviceId, { grpid: 3 });
    expect(h.proc.ctxOf(h.iommufd)!.get(faultId)).toBeDefined();
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: faultId }).ret).toBe(-ERRNO.EBUSY); // the iopf HWPT holds it
    h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: parent });
    h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: iopfHwpt });
    expect(h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: faultId }).ret).toBe(0);
    // Every group got exactly one response, INVALID (auto-response upstream, destroy in v4).
    expect(h.driver.responses.map((r) => [r.resp.grpid, r.resp.code])).toEqual([
      [2, 1],
      [3, 1],
    ]);
  });

  it('io-pgfault: a fault with no iopf-capable attachment is answered INVALID at once and never reaches the fd', () => {
    const { h, faultFd, deviceId, vfio, ioas } = iopfSetup({ profile });
    h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas });
    h.driver.responses.length = 0;
    expect(h.trigger(deviceId, { grpid: 9 })).toBe(0); // the mock ignores the report's result
    expect(h.driver.responses.map((r) => r.resp)).toEqual([{ pasid: 1, grpid: 9, code: 1 }]);
    expect(h.proc.read(faultFd, 40).ret).toBe(0);
    expect(h.sink.events.some((e) => e.kind === 'IOPF_NO_HANDLER')).toBe(true);
  });

  it('io-pgfault: partial faults are held until LAST_PAGE and delivered as one group, in arrival order, LAST at the end', () => {
    const { h, faultFd, deviceId, cookiesOf } = iopfSetup({ profile });
    const dev = h.devices.get('0000:03:00.0')!;
    const report = (addr: bigint, last: boolean, grpid = 5) => h.iopf.reportDeviceFault(dev, { flags: (last ? 2 : 0) | 1 | 4, pasid: 1, grpid, perm: 1, addr }, 0);
    report(0x1000n, false);
    report(0x9000n, false, 6); // another group's partial stays pending
    report(0x2000n, false);
    expect(h.proc.read(faultFd, 400).ret).toBe(0);
    report(0x3000n, true);
    const r = h.proc.read(faultFd, 400);
    expect(r.ret).toBe(120);
    const recs = h.records(r.bytes);
    expect(recs.map((x) => x.addr)).toEqual([0x1000n, 0x2000n, 0x3000n]);
    expect(recs.map((x) => x.flags)).toEqual([5, 5, 7]); // PASID_VALID | NEEDS_PASID (raw kernel bit 2) | LAST on the last
    expect(new Set(cookiesOf(r.bytes))).toEqual(new Set([1]));
    expect(h.iopf.partialFaults(dev)).toBe(1);
    expect(deviceId).toBeGreaterThan(0);
  });
});

describe('read and write errors by profile', () => {
  it('a count too small for the head group: upstream EINVAL (2026 fix), v4 0; the group stays queued', () => {
    for (const [profile, expected] of [['upstream', -ERRNO.EINVAL], ['v4', 0]] as const) {
      const { h, faultFd, deviceId } = iopfSetup({ profile });
      h.trigger(deviceId);
      expect(h.proc.read(faultFd, 0).ret).toBe(expected);
      expect(h.proc.poll(faultFd) & EPOLLIN).toBe(EPOLLIN);
    }
  });

  it('copy_to_user failure: upstream restores the group and returns EFAULT; v4 returns 0 and strands it until destroy', () => {
    const up = iopfSetup({ profile: 'upstream' });
    up.h.trigger(up.deviceId);
    expect(up.h.proc.read(up.faultFd, 40, { badAt: 0 }).ret).toBe(-ERRNO.EFAULT);
    expect(up.cookiesOf(up.h.proc.read(up.faultFd, 40).bytes)).toEqual([1]); // delivered whole on retry

    const v4 = iopfSetup({ profile: 'v4' });
    v4.h.trigger(v4.deviceId);
    expect(v4.h.proc.read(v4.faultFd, 40, { badAt: 0 }).ret).toBe(0);
    expect(v4.h.proc.poll(v4.faultFd) & EPOLLIN).toBe(0); // gone from deliver…
    expect(v4.respond(1)).toBe(0); // …and unanswerable: its cookie was erased
    expect(v4.h.sink.events.some((e) => e.kind === 'READ_SHORT' && /stranded/.test(e.note ?? ''))).toBe(true);
  });

  it('upstream write: bad code is EINVAL before the cookie lookup; unknown or answered cookie EINVAL; a batch returns the bytes done', () => {
    const { h, faultFd, deviceId, respond } = iopfSetup({ profile: 'upstream' });
    h.trigger(deviceId, { grpid: 1 });
    h.trigger(deviceId, { grpid: 2 });
    h.proc.read(faultFd, 80);
    expect(respond(1, 2)).toBe(-ERRNO.EINVAL); // FAILURE is not uAPI upstream
    expect(respond(7)).toBe(-ERRNO.EINVAL);
    const batch = new Uint8Array(24);
    batch.set(h.response({ cookie: 1 }), 0);
    batch.set(h.response({ cookie: 1 }), 8); // already answered by the first record
    batch.set(h.response({ cookie: 2 }), 16);
    expect(h.proc.write(faultFd, batch)).toBe(8);
    expect(respond(2)).toBe(8);
    expect(h.proc.write(faultFd, h.response({ cookie: 2 }), { badAt: 0 })).toBe(-ERRNO.EFAULT);
    expect(h.driver.responses.map((r) => [r.resp.grpid, r.resp.code])).toEqual([
      [1, 0],
      [2, 0],
    ]);
  });

  it('v4 write: any code reaches the driver (FAILURE = 2 included), errors are swallowed, nothing outstanding returns 0 unread', () => {
    const { h, faultFd, deviceId, respond } = iopfSetup({ profile: 'v4' });
    expect(h.proc.write(faultFd, new Uint8Array(32).fill(0xff))).toBe(0);
    h.trigger(deviceId);
    h.proc.read(faultFd, 40);
    expect(h.proc.write(faultFd, h.response({ cookie: 1, code: 0, dev_id: deviceId + 40 }))).toBe(0); // wrong dev_id
    expect(respond(5)).toBe(0);
    expect(respond(1, 2)).toBe(32);
    expect(h.driver.responses.map((r) => r.resp.code)).toEqual([2]);
  });
});

describe('detach and replace with outstanding faults (§2.8)', () => {
  it('upstream: queued and read groups of that attachment are answered INVALID; their cookies are then EINVAL', () => {
    const { h, faultFd, deviceId, vfio, parent, respond } = iopfSetup({ profile: 'upstream' });
    h.trigger(deviceId, { grpid: 1 });
    h.trigger(deviceId, { grpid: 2 });
    h.proc.read(faultFd, 40); // grpid 1 read (cookie 1), grpid 2 still queued
    expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: parent }).ret).toBe(0); // replace
    expect(h.driver.responses.map((r) => [r.resp.grpid, r.resp.code]).sort()).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(h.proc.poll(faultFd)).toBe(EPOLLOUT);
    expect(respond(1)).toBe(-ERRNO.EINVAL);
  });

  it('v4: replace answers nothing in iommufd; disabling IOPF then answers the pending groups INVALID in io-pgfault, and a late write is dropped', () => {
    const { h, faultFd, deviceId, vfio, parent, respond } = iopfSetup({ profile: 'v4' });
    h.trigger(deviceId, { grpid: 1 });
    h.proc.read(faultFd, 40);
    h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: parent });
    expect(h.sink.events.filter((e) => e.kind === 'AUTO_RESPONSE')).toEqual([]);
    expect(h.driver.responses.map((r) => r.resp.code)).toEqual([1]); // iopf_queue_remove_device
    expect(respond(1)).toBe(32); // iommufd still holds the group…
    expect(h.driver.responses).toHaveLength(1); // …but iopf_group_response is a no-op now
    expect(h.sink.events.some((e) => e.kind === 'RESPONSE_DROPPED')).toBe(true);
  });

  it('upstream refuses IOPF on an SR-IOV VF (EINVAL at attach); v4 allows it', () => {
    for (const [profile, expected] of [['upstream', -ERRNO.EINVAL], ['v4', 0]] as const) {
      const h = kernelHarness({ profile, vf: ['0000:03:00.0'] });
      const { ioas, vfio, deviceId } = h.mockDomain();
      const parent = h.hwptAlloc({ dev_id: deviceId, pt_id: ioas, flags: IOMMU_HWPT_ALLOC_NEST_PARENT }).out.out_hwpt_id as number;
      const { faultId } = h.faultAlloc();
      const hw = h.hwptAlloc({ dev_id: deviceId, pt_id: parent, flags: IOMMU_HWPT_FAULT_ID_VALID, fault_id: faultId, ...selftestData }).out.out_hwpt_id as number;
      expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: hw }).ret).toBe(expected);
    }
  });
});

describe('two devices sharing one fault queue', () => {
  function twoDevices(profile: 'upstream' | 'v4', sameGroup: boolean) {
    const h = kernelHarness({ profile, devices: sameGroup ? [['0000:03:00.0', '0000:03:00.1']] : ['0000:03:00.0', '0000:04:00.0'] });
    const names = [...h.devices.keys()];
    const ioas = h.proc.call(h.iommufd, 'IOMMU_IOAS_ALLOC').out.out_ioas_id as number;
    const { faultId, faultFd } = h.faultAlloc();
    const ids: number[] = [];
    let parent = 0;
    let iopfHwpt = 0;
    for (const name of names) {
      const vfio = h.proc.openVfioDevice(name);
      const id = h.proc.call(vfio, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: h.iommufd }).out.out_devid as number;
      ids.push(id);
      if (!parent) {
        parent = h.hwptAlloc({ dev_id: id, pt_id: ioas, flags: IOMMU_HWPT_ALLOC_NEST_PARENT }).out.out_hwpt_id as number;
        iopfHwpt = h.hwptAlloc({ dev_id: id, pt_id: parent, flags: IOMMU_HWPT_FAULT_ID_VALID, fault_id: faultId, ...selftestData }).out.out_hwpt_id as number;
      }
      expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: iopfHwpt }).ret).toBe(0);
    }
    for (const id of ids) h.trigger(id);
    const recs = h.records(h.proc.read(faultFd, 80).bytes);
    return { ids, recs };
  }

  it('upstream: one cookie space per fault object (1, 2); v4: one per device (1, 1)', () => {
    expect(twoDevices('upstream', false).recs.map((r) => r.cookie)).toEqual([1, 2]);
    const v4 = twoDevices('v4', false);
    expect(v4.recs.map((r) => r.cookie)).toEqual([1, 1]);
    expect(v4.recs.map((r) => r.dev_id)).toEqual(v4.ids);
  });

  it('devices of one iommu_group share the first device\'s attach handle, so both faults carry its dev_id', () => {
    const { ids, recs } = twoDevices('upstream', true);
    expect(recs.map((r) => r.dev_id)).toEqual([ids[0], ids[0]]);
  });
});
