/**
 * The merged kernels between the seed series and today (6.11, 6.13, 6.14,
 * 6.15): one test per knob that tells them apart, each asserting what user
 * space sees (return values, bytes, who answers a group) on every profile, so
 * a knob set wrong on any row fails here. Rules: ../shared/spec/
 * iommufd-abi-and-behaviour.md §1.4, §2.2–§2.4, §2.7, §2.11.
 */
import { describe, expect, it } from 'vitest';
import { ERRNO } from '../../shared/errno';
import { EPOLLIN, IOMMU_HWPT_ALLOC_NEST_PARENT, IOMMU_HWPT_FAULT_ID_VALID } from '../../shared/uapi/iommufd';
import { KERNEL_PROFILE_IDS, type KernelProfileId } from '../../shared/uapi/profiles';
import { IOMMU_HWPT_DATA_SELFTEST } from '../../shared/uapi/structs';
import { kernelHarness } from '../testing/kernel-harness';
import { FaultObject, PGFAULT_HOLE_OFFSET, STACK_RESIDUE } from './fault';

const selftestData = { data_type: IOMMU_HWPT_DATA_SELFTEST, data_len: 4, data_uptr: 0x1000n };
const MERGED = ['6.11', '6.13', '6.14', '6.15'] as const;

/** A device attached (RID) to a nested HWPT that reports to a fresh fault object. */
function iopfSetup(profile: KernelProfileId) {
  const h = kernelHarness({ profile });
  const { ioas, vfio, deviceId } = h.mockDomain();
  const parent = h.hwptAlloc({ dev_id: deviceId, pt_id: ioas, flags: IOMMU_HWPT_ALLOC_NEST_PARENT }).out.out_hwpt_id as number;
  const { faultId, faultFd } = h.faultAlloc();
  const iopfHwpt = h.hwptAlloc({ dev_id: deviceId, pt_id: parent, flags: IOMMU_HWPT_FAULT_ID_VALID, fault_id: faultId, ...selftestData }).out.out_hwpt_id as number;
  expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: iopfHwpt }).ret).toBe(0);
  const dev = h.devices.get('0000:03:00.0')!;
  /** A group of `n` faults (the last with LAST_PAGE), PASID 1. */
  const group = (n: number, grpid: number) => {
    for (let i = 0; i < n; i++) h.iopf.reportDeviceFault(dev, { flags: 1 | (i === n - 1 ? 2 : 0), pasid: 1, grpid, perm: 1, addr: BigInt(0x1000 * (i + 1)) }, 0);
  };
  const respond = (cookie: number, code = 0) => h.proc.write(faultFd, h.response({ cookie, code, dev_id: deviceId }));
  const cookies = (bytes: Uint8Array) => h.records(bytes).map((r) => r.cookie as number);
  return { h, ioas, vfio, deviceId, parent, faultId, faultFd, iopfHwpt, group, respond, cookies };
}

function byProfile<T>(table: Readonly<Record<KernelProfileId, T>>): [KernelProfileId, T][] {
  return KERNEL_PROFILE_IDS.map((id) => [id, table[id]]);
}

describe('fault record bytes (§1.4)', () => {
  it.each(byProfile({ v4: 0, '6.11': STACK_RESIDUE, '6.13': STACK_RESIDUE, '6.14': 0, '6.15': 0, upstream: 0 }))(
    '%s: bytes 20–23 of every record read are %i (6.11–6.13 leak stack bytes through the hole; v4 has perm there)',
    (profile, hole) => {
      const { h, faultFd, deviceId } = iopfSetup(profile);
      h.trigger(deviceId, { grpid: 1 });
      h.trigger(deviceId, { grpid: 2 });
      const r = h.proc.read(faultFd, 80);
      expect(r.ret).toBe(80);
      const view = new DataView(r.bytes.buffer, r.bytes.byteOffset);
      // v4's field at 20 is perm (3 from the selftest trigger); elsewhere it is the hole / __reserved.
      const expected = profile === 'v4' ? 3 : hole;
      expect([view.getUint32(PGFAULT_HOLE_OFFSET, true), view.getUint32(40 + PGFAULT_HOLE_OFFSET, true)]).toEqual([expected, expected]);
      expect(h.records(r.bytes).map((x) => x.addr)).toEqual([0xdeadbeafn, 0xdeadbeafn]);
    },
  );

  it('6.11–6.13 decode without __reserved and carry the i386 36-byte hazard as a layout note; 6.14+ name the field', () => {
    for (const id of ['6.11', '6.13'] as const) {
      const layout = kernelHarness({ profile: id }).profile.faultRecord;
      expect(layout.fields.map((f) => f.name)).not.toContain('__reserved');
      expect(layout.fields.find((f) => f.name === 'addr')!.offset).toBe(24);
      expect(layout.note).toMatch(/i386 this struct is 36 bytes/);
    }
    for (const id of ['6.14', '6.15', 'upstream'] as const) {
      const layout = kernelHarness({ profile: id }).profile.faultRecord;
      expect(layout.fields.find((f) => f.name === '__reserved')!.offset).toBe(20);
      expect(layout.note).toBeUndefined();
    }
  });
});

describe('read(): copy_to_user failure (§2.3)', () => {
  it.each(byProfile({ v4: 0, '6.11': -ERRNO.EFAULT, '6.13': -ERRNO.EFAULT, '6.14': -ERRNO.EFAULT, '6.15': -ERRNO.EFAULT, upstream: -ERRNO.EFAULT }))(
    '%s: a buffer that faults at once returns %i; what happens to the queue depends on the kernel',
    (profile, ret) => {
      const { h, faultFd, group } = iopfSetup(profile);
      group(1, 1);
      group(1, 2);
      expect(h.proc.read(faultFd, 80, { badAt: 0 }).ret).toBe(ret);
      const mode = h.profile.readCopyFailure;
      // 6.11–6.13 (and v4) take both groups off deliver; 6.14+ restore the head and keep both.
      expect(h.proc.poll(faultFd) & EPOLLIN).toBe(mode === 'leak-and-continue' || mode === 'strand' ? 0 : EPOLLIN);
      const retry = h.proc.read(faultFd, 80);
      expect(retry.ret).toBe(mode === 'leak-and-continue' || mode === 'strand' ? 0 : 80);
    },
  );

  it('6.11 / 6.13: the lost groups are never answered by iommufd (not by detach either); only IOPF disable answers them', () => {
    for (const profile of ['6.11', '6.13'] as const) {
      const { h, faultFd, vfio, parent, group, respond } = iopfSetup(profile);
      group(1, 1);
      expect(h.proc.read(faultFd, 40, { badAt: 0 }).ret).toBe(-ERRNO.EFAULT);
      expect(respond(1)).toBe(-ERRNO.EINVAL); // its cookie was erased
      expect(h.driver.responses).toEqual([]);
      expect(h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: parent }).ret).toBe(0); // replace away
      expect(h.sink.events.filter((e) => e.kind === 'AUTO_RESPONSE')).toEqual([]);
      expect(h.sink.events.some((e) => e.kind === 'QUEUE_REMOVE_DEVICE')).toBe(true);
      expect(h.driver.responses.map((r) => [r.resp.grpid, r.resp.code])).toEqual([[1, 1]]);
    }
  });

  it('a 3-record group over a buffer that faults in its second record: 6.11–6.15 return a partial group, upstream nothing', () => {
    const partial: Record<string, number> = {};
    for (const profile of [...MERGED, 'upstream'] as const) {
      const { h, faultFd, group, cookies } = iopfSetup(profile);
      group(3, 7);
      const r = h.proc.read(faultFd, 400, { badAt: 60 });
      partial[profile] = r.ret;
      if (r.ret > 0) expect(cookies(r.bytes)).toEqual([1]); // a record whose cookie the kernel already erased
      const short = h.sink.events.filter((e) => e.kind === 'READ_SHORT');
      expect(short.length).toBeGreaterThan(0);
    }
    expect(partial).toEqual({ '6.11': 40, '6.13': 40, '6.14': 40, '6.15': 40, upstream: -ERRNO.EFAULT });
  });

  it('6.14 / 6.15: the partial group stays queued and is handed out again, whole, with the same cookie (ABA for user space)', () => {
    for (const profile of ['6.14', '6.15'] as const) {
      const { h, faultFd, group, cookies, respond } = iopfSetup(profile);
      group(3, 7);
      expect(h.proc.read(faultFd, 400, { badAt: 60 }).ret).toBe(40);
      const again = h.proc.read(faultFd, 400);
      expect(again.ret).toBe(120);
      expect(cookies(again.bytes)).toEqual([1, 1, 1]);
      expect(respond(1)).toBe(8);
      expect(h.driver.responses.map((r) => [r.resp.grpid, r.resp.code])).toEqual([[7, 0]]);
    }
  });

  it('6.14 / 6.15: a retry that copies nothing is the livelock of 3d49020a327c, reported on the trace; 6.11 and upstream do not loop', () => {
    for (const profile of KERNEL_PROFILE_IDS) {
      const { h, faultFd, group } = iopfSetup(profile);
      group(1, 1);
      h.proc.read(faultFd, 40, { badAt: 0 });
      const livelock = h.sink.events.some((e) => e.kind === 'READ_SHORT' && /livelock/.test(e.note ?? ''));
      expect(livelock, profile).toBe(profile === '6.14' || profile === '6.15');
    }
  });
});

describe('read(): count too small for the head group (§2.3, 47916a54eeb2)', () => {
  it.each(byProfile({ v4: 0, '6.11': 0, '6.13': 0, '6.14': 0, '6.15': 0, upstream: -ERRNO.EINVAL }))('%s: read(fd, 40) before a 2-record group returns %i', (profile, ret) => {
    const { h, faultFd, group } = iopfSetup(profile);
    group(2, 4);
    expect(h.proc.read(faultFd, 40).ret).toBe(ret);
    expect(h.proc.poll(faultFd) & EPOLLIN).toBe(EPOLLIN);
  });
});

describe('write(): copy_from_user failure (§2.4, aaca2aa92785)', () => {
  it.each(byProfile({ v4: 0, '6.11': 8, '6.13': 8, '6.14': 8, '6.15': 8, upstream: -ERRNO.EFAULT }))(
    '%s: a response buffer that faults at once returns %i, and the group stays outstanding',
    (profile, ret) => {
      const { h, faultFd, deviceId, respond } = iopfSetup(profile);
      h.trigger(deviceId);
      h.proc.read(faultFd, 40);
      expect(h.proc.write(faultFd, h.response({ cookie: 1, dev_id: deviceId }), { badAt: 0 })).toBe(ret);
      expect(h.driver.responses).toEqual([]);
      expect(respond(1)).toBe(h.profile.responseRecord.size);
      expect(h.driver.responses.map((r) => r.resp.code)).toEqual([0]);
    },
  );

  it('6.11–6.15 return the bytes copy_from_user left: 4 for a fault half-way through the record', () => {
    for (const profile of MERGED) {
      const { h, faultFd, deviceId } = iopfSetup(profile);
      h.trigger(deviceId);
      h.proc.read(faultFd, 40);
      expect(h.proc.write(faultFd, h.response({ cookie: 1 }), { badAt: 4 }), profile).toBe(4);
    }
  });
});

describe('HWPT_ALLOC on an IOAS with FAULT_ID_VALID (§1.3, 11534b4de2a1)', () => {
  it.each(byProfile({ v4: -ERRNO.EOPNOTSUPP, '6.11': -ERRNO.EOPNOTSUPP, '6.13': -ERRNO.EOPNOTSUPP, '6.14': 0, '6.15': 0, upstream: 0 }))('%s: a paging HWPT with a fault object → %i', (profile, ret) => {
    const h = kernelHarness({ profile });
    const { ioas, deviceId } = h.mockDomain();
    const { faultId } = h.faultAlloc();
    expect(h.hwptAlloc({ dev_id: deviceId, pt_id: ioas, flags: IOMMU_HWPT_FAULT_ID_VALID, fault_id: faultId }).ret).toBe(ret);
  });
});

describe('fault object destroy (§2.7, 3f4818ec1390)', () => {
  it.each(byProfile({ v4: [[1, 1]], '6.11': [], '6.13': [], '6.14': [[1, 1]], '6.15': [[1, 1]], upstream: [[1, 1]] }))(
    '%s: destroy with a read, unanswered group answers %j',
    (profile, answered) => {
      const { h, faultFd, faultId, deviceId } = iopfSetup(profile);
      h.trigger(deviceId, { grpid: 1 });
      expect(h.proc.read(faultFd, 40).ret).toBe(40);
      // The HWPT and fd keep DESTROY away while the attachment lives; the destroy callback is what differs.
      const fault = h.proc.ctxOf(h.iommufd)!.get(faultId);
      expect(fault).toBeInstanceOf(FaultObject);
      (fault as FaultObject).destroy();
      expect(h.driver.responses.map((r) => [r.resp.grpid, r.resp.code])).toEqual(answered);
    },
  );
});

describe('FAULT_QUEUE_ALLOC error path: out_fput (§2.2, af7f4780514f)', () => {
  /** FAULT_QUEUE_ALLOC with its copy-back of out_fault_id / out_fault_fd failing. */
  function failCopyBack(profile: KernelProfileId) {
    const h = kernelHarness({ profile });
    const ioas = h.proc.call(h.iommufd, 'IOMMU_IOAS_ALLOC').out.out_ioas_id as number;
    let rc = 0;
    for (let n = 1; n < 8; n++) {
      h.inject.failNth(n);
      rc = h.proc.call(h.iommufd, h.profile.faultAllocIoctl, {}).ret;
      if (h.inject.reached.at(-1) === 'fault.copy_to_user') break;
      if (rc === 0) throw new Error('copy-back site not reached');
      h.inject.failNth(0);
    }
    return { h, ioas, rc };
  }

  it.each(byProfile({ v4: false, '6.11': true, '6.13': false, '6.14': false, '6.15': false, upstream: false }))(
    '%s: EFAULT; the /dev/iommu context torn down under its open fd: %s',
    (profile, tornDown) => {
      const { h, ioas, rc } = failCopyBack(profile);
      expect(rc).toBe(-ERRNO.EFAULT);
      expect(h.proc.faultOf(4)).toBeNull();
      const ctx = h.proc.ctxOf(h.iommufd)!;
      expect(ctx.released).toBe(tornDown);
      expect(ctx.get(ioas) !== undefined).toBe(!tornDown);
      expect(h.sink.events.some((e) => e.kind === 'FD_ERRNO' && /out_fput/.test(e.note ?? ''))).toBe(tornDown);
    },
  );
});
