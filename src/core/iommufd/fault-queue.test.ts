/**
 * The fault fd against the upstream selftest's `_test_cmd_trigger_iopf`
 * (tools/testing/selftests/iommu/iommufd_utils.h) and the read/write rules of
 * drivers/iommu/iommufd/fault.c, for both kernel profiles.
 */
import { describe, expect, it } from 'vitest';
import { ERRNO } from '../../shared/errno';
import {
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDNORM,
  IOMMU_PGFAULT_FLAGS_LAST_PAGE,
  IOMMU_PGFAULT_FLAGS_PASID_VALID,
} from '../../shared/uapi/iommufd';
import { decodeStruct, encodeStruct } from '../../shared/uapi/layout';
import { KERNEL_PROFILES, type KernelProfileId } from '../../shared/uapi/profiles';
import { IoPageFaultCore } from '../kernel/legacy-io-pgfault';
import type { IopfFault } from '../kernel/legacy-iopf-types';
import { Scheduler } from '../sim/scheduler';
import { MemorySink } from '../trace/sink';
import { Tracer } from '../trace/tracer';
import { FaultQueue } from './fault-queue';

const DEV_ID = 2;

function setup(profileId: KernelProfileId) {
  const profile = KERNEL_PROFILES[profileId];
  const sink = new MemorySink();
  const tracer = new Tracer(sink, new Scheduler());
  const responses: { devId: number; fault: IopfFault; code: number }[] = [];
  const iopf = new IoPageFaultCore(tracer, {
    pageResponse: (devId, fault, code) => responses.push({ devId, fault, code }),
  });
  const fq = new FaultQueue(1, profile, iopf, tracer);
  iopf.addDevice(DEV_ID);
  iopf.setHandler(DEV_ID, 1, fq);
  /** IOMMU_TEST_OP_TRIGGER_IOPF: a single-fault group, LAST_PAGE | PASID_VALID. */
  const trigger = (grpid = 2, last = true, addr = 0xdeadbeafn) =>
    iopf.reportFault(
      DEV_ID,
      { flags: (last ? IOMMU_PGFAULT_FLAGS_LAST_PAGE : 0) | IOMMU_PGFAULT_FLAGS_PASID_VALID, pasid: 1, grpid, perm: 3, addr },
      0,
    );
  const respond = (cookie: number, code = 0) =>
    encodeStruct(profile.responseRecord, { size: profile.responseRecord.size, dev_id: DEV_ID, pasid: 1, grpid: 2, cookie, code });
  return { profile, sink, fq, responses, trigger, respond };
}

describe.each(['upstream', 'v4'] as const)('fault fd, %s profile', (id) => {
  it('delivers the selftest record byte for byte and accepts the response (read 40, write n)', () => {
    const { profile, fq, responses, trigger, respond } = setup(id);
    expect(fq.poll()).toBe(EPOLLOUT);
    trigger();
    expect(fq.poll()).toBe(EPOLLOUT | EPOLLIN | EPOLLRDNORM);
    const { ret, bytes } = fq.read(40);
    expect(ret).toBe(40);
    const rec = decodeStruct(profile.faultRecord, bytes);
    expect(rec).toMatchObject({ flags: 3, dev_id: DEV_ID, pasid: 1, grpid: 2, perm: 3, addr: 0xdeadbeafn, length: 0, cookie: 1 });
    if (id === 'v4') expect(rec.size).toBe(40);
    else expect(rec.__reserved).toBe(0);
    // Upstream layout: flags at 0, dev_id at 4, addr at 24, cookie at 36.
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(36, true)).toBe(1);
    expect(view.getBigUint64(24, true)).toBe(0xdeadbeafn);
    expect(fq.poll()).toBe(EPOLLOUT); // read but unanswered groups do not raise EPOLLIN
    expect(fq.write(respond(1))).toBe(profile.responseRecord.size);
    expect(responses).toHaveLength(1);
    expect(responses[0]).toMatchObject({ devId: DEV_ID, code: 0 });
    expect(responses[0]!.fault.prm).toMatchObject({ pasid: 1, grpid: 2 });
  });

  it('returns ESPIPE for a read count that is not a multiple of 40 or a non-zero offset', () => {
    const { fq, trigger } = setup(id);
    trigger();
    expect(fq.read(39).ret).toBe(-ERRNO.ESPIPE);
    expect(fq.read(40, 40).ret).toBe(-ERRNO.ESPIPE);
    expect(fq.read(40).ret).toBe(40);
  });

  it('returns 0 on an empty queue (read never blocks)', () => {
    expect(setup(id).fq.read(400).ret).toBe(0);
  });

  it('delivers whole groups only: a buffer too small for the head group returns 0 and keeps it queued', () => {
    const { fq, trigger } = setup(id);
    trigger(7, false, 0x1000n);
    trigger(7, true, 0x2000n);
    expect(fq.read(40).ret).toBe(0);
    expect(fq.queued).toBe(1);
    const { ret, bytes } = fq.read(80);
    expect(ret).toBe(80);
    const view = new DataView(bytes.buffer);
    expect(view.getBigUint64(24, true)).toBe(0x1000n); // arrival order, LAST at the end
    expect(view.getBigUint64(40 + 24, true)).toBe(0x2000n);
    expect(view.getUint32(36, true)).toBe(view.getUint32(40 + 36, true)); // one cookie per group
  });

  it('hands out cookies as the lowest free id >= 1', () => {
    const { fq, trigger, respond } = setup(id);
    trigger(1);
    trigger(2);
    trigger(3);
    const cookies = (b: Uint8Array) => Array.from({ length: b.length / 40 }, (_, i) => new DataView(b.buffer).getUint32(i * 40 + 36, true));
    expect(cookies(fq.read(120).bytes)).toEqual([1, 2, 3]);
    expect(fq.write(respond(2))).toBeGreaterThan(0);
    trigger(4);
    expect(cookies(fq.read(40).bytes)).toEqual([2]);
  });

  it('refuses a write whose size is not a multiple of the response record', () => {
    const { fq, profile } = setup(id);
    expect(fq.write(new Uint8Array(profile.responseRecord.size + 1))).toBe(-ERRNO.ESPIPE);
  });
});

describe('fault fd write errors differ between profiles', () => {
  it('upstream: an unknown cookie is EINVAL', () => {
    const { fq, trigger, respond } = setup('upstream');
    trigger();
    fq.read(40);
    expect(fq.write(respond(9))).toBe(-ERRNO.EINVAL);
    expect(fq.outstanding).toBe(1);
  });

  it('upstream: a response code other than SUCCESS/INVALID is EINVAL and leaves the group outstanding', () => {
    const { fq, trigger, respond, responses } = setup('upstream');
    trigger();
    fq.read(40);
    expect(fq.write(respond(1, 2))).toBe(-ERRNO.EINVAL);
    expect(responses).toHaveLength(0);
    expect(fq.write(respond(1, 1))).toBe(8);
    expect(responses[0]!.code).toBe(1);
  });

  it('upstream: a batch stops at the first bad record and returns the bytes done', () => {
    const { fq, trigger, respond } = setup('upstream');
    trigger(1);
    fq.read(40);
    const batch = new Uint8Array(16);
    batch.set(respond(1), 0);
    batch.set(respond(5), 8);
    expect(fq.write(batch)).toBe(8);
  });

  it('v4: errors are swallowed (0 bytes) and FAILURE (2) is passed to the driver unchecked', () => {
    const { fq, trigger, respond, responses } = setup('v4');
    trigger();
    fq.read(40);
    expect(fq.write(respond(9))).toBe(0);
    expect(fq.write(respond(1, 2))).toBe(32);
    expect(responses[0]!.code).toBe(2);
  });
});
