/**
 * Property test: many random interleavings of triggers (whole and partial
 * groups), reads (valid, odd sizes, faulting buffers), writes (valid, garbage,
 * wrong cookies, bad codes, faulting buffers), polls, detaches, replaces and
 * closes, for each kernel profile. Whatever user space does, the kernel answers
 * with return values (never a throw) and the oracle sees no violation; after
 * teardown every group has had exactly one response.
 */
import { describe, expect, it } from 'vitest';
import { IOMMU_HWPT_ALLOC_NEST_PARENT, IOMMU_HWPT_FAULT_ID_VALID } from '../../shared/uapi/iommufd';
import { IOMMU_HWPT_DATA_SELFTEST } from '../../shared/uapi/structs';
import { KERNEL_PROFILE_IDS, type KernelProfileId } from '../../shared/uapi/profiles';
import { Rng } from '../sim/rng';
import { kernelHarness } from '../testing/kernel-harness';
import { InvariantOracle, type Violation } from './invariants';

const selftestData = { data_type: IOMMU_HWPT_DATA_SELFTEST, data_len: 4, data_uptr: 0x1000n };

function runOnce(profile: KernelProfileId, seed: number, steps: number): { violations: Violation[]; events: number; responses: number } {
  const rng = new Rng(seed);
  const h = kernelHarness({ profile, devices: ['0000:03:00.0', '0000:04:00.0'] });
  const names = [...h.devices.keys()];
  const ioas = h.proc.call(h.iommufd, 'IOMMU_IOAS_ALLOC').out.out_ioas_id as number;
  const { faultId, faultFd } = h.faultAlloc();
  const devs = names.map((name) => {
    const vfio = h.proc.openVfioDevice(name);
    const id = h.proc.call(vfio, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: h.iommufd }).out.out_devid as number;
    const parent = h.hwptAlloc({ dev_id: id, pt_id: ioas, flags: IOMMU_HWPT_ALLOC_NEST_PARENT }).out.out_hwpt_id as number;
    const iopf = h.hwptAlloc({ dev_id: id, pt_id: parent, flags: IOMMU_HWPT_FAULT_ID_VALID, fault_id: faultId, ...selftestData }).out.out_hwpt_id as number;
    h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: iopf });
    return { name, vfio, id, parent, iopf, dev: h.devices.get(name)! };
  });
  let fdOpen = true;
  const cookiesSeen: number[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)]!;

  for (let i = 0; i < steps; i++) {
    const d = pick(devs);
    const r = rng.int(0, 99);
    if (r < 25) {
      h.trigger(d.id, { pasid: rng.int(0, 2), grpid: rng.int(0, 3), perm: rng.int(1, 3), addr: BigInt(rng.int(0, 15)) << 12n });
    } else if (r < 32) {
      const pasid = rng.int(1, 2);
      h.iopf.reportDeviceFault(d.dev, { flags: 1 | 4, pasid, grpid: rng.int(0, 3), perm: 1, addr: BigInt(rng.int(0, 15)) << 12n }, 0);
    } else if (r < 50) {
      const count = pick([0, 39, 40, 80, 120, 400]);
      const res = h.proc.read(faultFd, count, rng.int(0, 9) === 0 ? { badAt: rng.int(0, 80) } : {});
      expect(typeof res.ret).toBe('number');
      if (res.ret > 0) for (const rec of h.records(res.bytes)) cookiesSeen.push(rec.cookie as number);
    } else if (r < 72) {
      const cookie = cookiesSeen.length && rng.int(0, 4) ? pick(cookiesSeen) : rng.int(0, 9);
      const code = rng.int(0, 9) === 0 ? rng.int(2, 5) : rng.int(0, 1);
      const rsp = h.response({ cookie, code, dev_id: d.id, pasid: 1, grpid: 2 });
      const w = h.proc.write(faultFd, rsp, rng.int(0, 12) === 0 ? { badAt: rng.int(0, 8) } : {});
      expect(typeof w).toBe('number');
    } else if (r < 78) {
      const garbage = new Uint8Array(pick([1, 7, 8, 16, 32, 33]));
      for (let k = 0; k < garbage.length; k++) garbage[k] = rng.int(0, 255);
      h.proc.write(faultFd, garbage);
    } else if (r < 84) {
      h.proc.poll(faultFd);
    } else if (r < 90) {
      h.proc.call(d.vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: pick([d.parent, d.iopf, ioas]) });
    } else if (r < 94) {
      h.proc.call(d.vfio, 'VFIO_DEVICE_DETACH_IOMMUFD_PT', {});
    } else if (r < 96) {
      h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: pick([faultId, d.iopf, d.parent, ioas]) });
    } else if (r < 97 && fdOpen) {
      h.proc.close(faultFd);
      fdOpen = false;
    }
  }
  // Teardown: leave every fault-capable attachment, close, destroy.
  for (const d of devs) h.proc.call(d.vfio, 'VFIO_DEVICE_DETACH_IOMMUFD_PT', {});
  if (fdOpen) h.proc.close(faultFd);
  for (const d of devs) h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: d.iopf });
  h.proc.call(h.iommufd, 'IOMMU_DESTROY', { id: faultId });

  const oracle = new InvariantOracle(h.profile);
  const violations = h.sink.events.flatMap((e) => oracle.observe(e));
  violations.push(...oracle.finish());
  return { violations, events: h.sink.events.length, responses: h.driver.responses.length };
}

/** The two long-standing profiles walk 150 seeds; the merged-kernel ones 40 each, to keep the run short. */
const SEEDS: Readonly<Record<KernelProfileId, number>> = { v4: 150, upstream: 150, '6.11': 40, '6.13': 40, '6.14': 40, '6.15': 40 };

describe.each(KERNEL_PROFILE_IDS)('random interleavings, %s', (profile) => {
  const seeds = SEEDS[profile];
  it(`never throw, and the oracle reports no violation over ${seeds} seeds × 150 steps`, () => {
    let events = 0;
    let responses = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const r = runOnce(profile, seed, 150);
      expect(r.violations, `seed ${seed}`).toEqual([]);
      events += r.events;
      responses += r.responses;
    }
    // The walk really exercised the fault path.
    expect(events).toBeGreaterThan((20_000 * seeds) / 150);
    expect(responses).toBeGreaterThan((500 * seeds) / 150);
  });
});

describe('the oracle catches what the rules forbid', () => {
  it('a second page response for one group, a response after remove-device, and a duplicate outstanding cookie', () => {
    const h = kernelHarness();
    const oracle = new InvariantOracle(h.profile);
    const base = { t: 0n as never, layer: 'kernel' as const, pasid: 1, addr: null, perm: null, code: 0, errno: null, parent: null, raw: null };
    const ev = (seq: number, kind: string, extra: Record<string, unknown> = {}) =>
      oracle.observe({ ...base, seq, kind: kind as never, dev: 0x300, grpid: 2, cookie: null, note: null, ...extra } as never);
    expect(ev(0, 'IOPF_GROUP')).toEqual([]);
    expect(ev(1, 'PAGE_RESPONSE')).toEqual([]);
    expect(ev(2, 'PAGE_RESPONSE').map((v) => v.rule)).toEqual(['one-response-per-group']);
    expect(ev(3, 'IOPF_GROUP')).toEqual([]);
    ev(4, 'QUEUE_REMOVE_DEVICE');
    expect(ev(5, 'PAGE_RESPONSE').map((v) => v.rule)).toEqual(['no-response-after-remove']);
    expect(ev(6, 'FAULT_READ', { cookie: 1, note: 'fault 1' })).toEqual([]);
    expect(ev(8, 'FAULT_READ', { cookie: 1, note: 'fault 1' }).map((v) => v.rule)).toEqual(['unique-cookies']);
    expect(ev(9, 'FAULT_READ', { cookie: 1, note: 'fault 2' })).toEqual([]); // another fault object's cookie space
    ev(10, 'IOPF_GROUP', { grpid: 7 });
    expect(oracle.finish().map((v) => v.message)).toEqual(['1 group(s) of device 768, PRG index 7 never answered']);
  });

  it('device rules: one PRG response per Last PRG, none to a Stop Marker, outstanding within the allocation', () => {
    const h = kernelHarness();
    const oracle = new InvariantOracle(h.profile);
    const base = { t: 0n as never, layer: 'device' as const, pasid: 1, addr: null, perm: null, code: 0, errno: null, parent: null, raw: null, cookie: null };
    const ev = (seq: number, kind: string, extra: Record<string, unknown> = {}) =>
      oracle.observe({ ...base, seq, kind: kind as never, dev: 0x300, grpid: 4, note: null, ...extra } as never).map((v) => v.rule);
    ev(0, 'PRI_ENABLE', { note: 'rid=03:00.0 allocation 2/32' });
    expect(ev(1, 'PR_SEND', { note: 'rid=03:00.0 L=0 1/2' })).toEqual([]);
    expect(ev(2, 'PR_SEND', { note: 'rid=03:00.0 L=1 2/2' })).toEqual([]);
    expect(ev(3, 'PR_SEND', { grpid: 5, note: 'rid=03:00.0 L=1 1/1' })).toEqual(['outstanding-within-allocation']);
    expect(ev(4, 'PRG_RESP_RECV')).toEqual([]);
    expect(ev(5, 'PRG_RESP_RECV')).toEqual(['one-prg-response']);
    ev(6, 'STOP_MARKER_SEND', { grpid: 0 });
    expect(ev(7, 'PRG_RESP_RECV', { grpid: 0 })).toEqual(['no-response-to-stop-marker']);
    expect(oracle.finish().map((v) => v.message)).toEqual(['function 768: PRG index 5 sent with Last and never answered']);
  });
});
