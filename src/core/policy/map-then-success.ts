/**
 * The built-in policy: on wake-up, poll, read up to `batch` records, map every
 * faulting page, then after a latency drawn from the seeded RNG write one
 * SUCCESS response per group (per cookie), encoded for the kernel profile.
 */
import { EPOLLIN, IOMMU_PGFAULT_FLAGS_PASID_VALID, IOMMUFD_PAGE_RESP_SUCCESS } from '../../shared/uapi/iommufd';
import { decodeStruct, encodeStruct } from '../../shared/uapi/layout';
import type { KernelProfile } from '../../shared/uapi/profiles';
import type { Policy, PolicyContext } from './policy';

export interface MapThenSuccessOptions {
  /** Records read per read() call. */
  readonly batch: number;
  /** Response latency range, ns (uniform). */
  readonly minLatencyNs: number;
  readonly maxLatencyNs: number;
  /** Time from wake-up to the read, ns. */
  readonly wakeNs: number;
}

export class MapThenSuccessPolicy implements Policy {
  readonly name = 'map-then-success';
  private busy = false;

  constructor(
    private readonly profile: KernelProfile,
    private readonly options: MapThenSuccessOptions,
  ) {}

  onReadable(ctx: PolicyContext): void {
    if (this.busy) return; // already scheduled: one reader, like a VMM's fault thread
    this.busy = true;
    ctx.after(BigInt(this.options.wakeNs), () => this.service(ctx));
  }

  private service(ctx: PolicyContext): void {
    this.busy = false;
    const mask = ctx.fd.poll();
    const wake = ctx.tracer.emit('policy', 'POLICY_WAKE', { note: `poll → 0x${mask.toString(16)}` });
    if (!(mask & EPOLLIN)) return;
    const rec = this.profile.faultRecord;
    const { ret, bytes } = ctx.fd.read(this.options.batch * rec.size);
    if (ret <= 0) return;
    const groups = new Map<number, { dev: number; pasid: number; grpid: number }>();
    for (let at = 0; at < ret; at += rec.size) {
      const f = decodeStruct(rec, bytes, at);
      const dev = Number(f.dev_id);
      const pasid = Number(f.flags) & IOMMU_PGFAULT_FLAGS_PASID_VALID ? Number(f.pasid) : null;
      ctx.map(dev, pasid, BigInt(f.addr), 1, Number(f.perm));
      ctx.tracer.emit('policy', 'POLICY_MAP', { dev, pasid, addr: BigInt(f.addr), perm: Number(f.perm), cookie: Number(f.cookie), parent: wake });
      groups.set(Number(f.cookie), { dev, pasid: Number(f.pasid), grpid: Number(f.grpid) });
    }
    for (const [cookie, g] of groups) {
      const latency = ctx.rng.int(this.options.minLatencyNs, this.options.maxLatencyNs);
      ctx.after(BigInt(latency), () => {
        const response = encodeStruct(this.profile.responseRecord, {
          size: this.profile.responseRecord.size,
          dev_id: g.dev,
          pasid: g.pasid,
          grpid: g.grpid,
          cookie,
          code: IOMMUFD_PAGE_RESP_SUCCESS,
        });
        ctx.fd.write(response);
      });
    }
    // More may be queued than one batch: come back for it.
    if (ctx.fd.poll() & EPOLLIN) this.onReadable(ctx);
  }
}
