/**
 * The device side of a scenario: DMA accesses and seeded access streams on
 * the topology's PCIe functions, and device-level controls.
 */
import { ScenarioError } from '../spec';
import type { DmaAccessSpec, DmaResult, DmaStreamResult, DmaStreamSpec, Perm } from './types';
import { run } from './run-context';
import { sample } from './time';

const PERM_LETTERS: Record<string, number> = { r: 1, w: 2, x: 4, p: 8 };

/** "rw" → READ | WRITE; numbers pass through. */
export function permBits(perm: Perm | undefined): number {
  if (perm === undefined) return 3;
  if (typeof perm === 'number') return perm;
  if (!/^[rwxp]+$/.test(perm)) throw new ScenarioError(`perm "${perm}": use letters of "rwxp" or IOMMU_PGFAULT_PERM_* bits`);
  let bits = 0;
  for (const c of perm) bits |= PERM_LETTERS[c]!;
  return bits;
}

/** Starts a DMA access on `device` now; resolves when it completes (or fails). */
export function dma(device: string, access: DmaAccessSpec): Promise<DmaResult> {
  const r = run();
  const d = r.system.device(device);
  return r.scriptPromise<DmaResult>((resolve) => {
    d.dma.issue({ pasid: access.pasid ?? null, addr: BigInt(access.addr), pages: access.pages ?? 1, perm: permBits(access.perm) }, null, (w) =>
      resolve(Object.freeze({ ok: w.ok, groups: w.groups, seq: w.seq })),
    );
  });
}

/**
 * A stream of accesses: `count` accesses, seeded inter-arrival times, each to a
 * random page of the IOVA range and a random PASID of `pasids`. Resolves when
 * every access has completed.
 */
export function dmaStream(device: string, spec: DmaStreamSpec): Promise<DmaStreamResult> {
  const r = run();
  const d = r.system.device(device);
  const sched = r.system.sched;
  const rng = r.system.rng;
  const perm = permBits(spec.perm);
  const base = BigInt(spec.iova.base);
  let issued = 0;
  let ok = 0;
  let failed = 0;
  // Later accesses are the stream call's doing: they carry its line.
  const lines = r.system.tracer.lines;
  const line = lines.current();
  return r.scriptPromise<DmaStreamResult>((resolve) => {
    if (spec.count <= 0) return resolve({ issued: 0, ok: 0, failed: 0 });
    const next = (): void => {
      const pasids = spec.pasids ?? [];
      const pasid = pasids.length ? pasids[rng.int(0, pasids.length - 1)]! : null;
      const page = rng.int(0, Math.max(0, spec.iova.pages - 1));
      const pages = Math.max(1, sample(spec.pages ?? 1));
      issued++;
      d.dma.issue({ pasid, addr: base + BigInt(page) * 4096n, pages, perm }, null, (w) => {
        if (w.ok) ok++;
        else failed++;
        if (ok + failed === spec.count) resolve(Object.freeze({ issued, ok, failed }));
      });
      if (issued < spec.count) sched.after(BigInt(Math.max(0, sample(spec.interArrivalNs))), () => lines.withLine(line, next));
    };
    next();
  });
}

/** Stops a PASID at the function (waits for responses or sends a Stop Marker, per the function). */
export function stopPasid(device: string, pasid: number): Promise<void> {
  const r = run();
  const d = r.system.device(device);
  return r.scriptPromise<void>((resolve) => d.fn.stopPasid(pasid, r.system.tracer.count - 1, () => resolve()));
}

/** Sends a Stop Marker for `pasid` (L=1, R=W=0 with a PASID prefix). */
export function sendStopMarker(device: string, pasid: number): void {
  run().system.device(device).fn.sendStopMarker(pasid, null);
}
