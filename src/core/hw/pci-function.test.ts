import { describe, expect, it } from 'vitest';
import { ERRNO } from '../../shared/errno';
import { Rng } from '../sim/rng';
import { Scheduler } from '../sim/scheduler';
import { MemorySink } from '../trace/sink';
import { Tracer } from '../trace/tracer';
import { DmaEngine } from './dma-engine';
import type { HwEnv } from './hw-env';
import { HwTrace } from './hw-trace';
import { pciDisablePri, pciEnablePasid, pciEnablePri, pciPriStopped, pciResetPri } from './pci-ats';
import { PciFunction, type PciFunctionConfig } from './pci-function';
import { PCI_PRI_STATUS_PASID, PCI_PRI_STATUS_RF, PCI_PRI_STATUS_STOPPED, PCI_PRI_STATUS_UPRGI } from './pci-regs';
import type { PageRequestMsg, UpstreamPort } from './upstream-port';

/** An IOMMU stand-in: records page requests; pages in `mapped` translate. */
class FakePort implements UpstreamPort {
  readonly requests: PageRequestMsg[] = [];
  readonly mapped = new Set<bigint>();
  atsTranslate(_rid: number, _pasid: number | null, addr: bigint, perm: number): number {
    return this.mapped.has(addr) ? perm : 0;
  }
  pageRequest(msg: PageRequestMsg): void {
    this.requests.push(msg);
  }
  untranslated(): void {}
}

function setup(config: Partial<PciFunctionConfig> = {}, capacity = 8) {
  const sched = new Scheduler();
  const sink = new MemorySink();
  const env: HwEnv = { sched, trace: new HwTrace(new Tracer(sink, sched)), rng: new Rng(7) };
  const fn = new PciFunction(env, {
    rid: 0x0300,
    pasid: { maxPasidWidth: 20, exec: false, priv: false },
    pri: { capacity, prgRespPasidRequired: true },
    ...config,
  });
  const port = new FakePort();
  fn.port = port;
  fn.kernel.atsEnabled = true;
  pciEnablePasid(fn);
  const dma = new DmaEngine(env, fn);
  const respond = (prgi: number, code: number, pasid: number | null = 5): void =>
    fn.receivePrgResponse({ prgi, code, pasid, seq: 0 });
  const kinds = (): string[] => sink.events.map((e) => e.kind);
  return { sched, sink, env, fn, port, dma, respond, kinds };
}

describe('PRI capability registers and pci_enable_pri / disable / reset (drivers/pci/ats.c)', () => {
  it('enable writes ALLOC = min(capacity, reqs), sets ENABLE; STOPPED reads 0 while enabled; PASID-required bit is RO', () => {
    const { fn } = setup({}, 8);
    expect(fn.pri!.readStatus() & PCI_PRI_STATUS_STOPPED).toBe(PCI_PRI_STATUS_STOPPED);
    expect(pciEnablePri(fn, 2048)).toBe(0);
    expect(fn.pri!.readAllocation()).toBe(8);
    expect(fn.pri!.enabled).toBe(true);
    expect(fn.pri!.readStatus() & PCI_PRI_STATUS_STOPPED).toBe(0);
    expect(fn.pri!.readStatus() & PCI_PRI_STATUS_PASID).toBe(PCI_PRI_STATUS_PASID);
    expect(pciEnablePri(fn, 4)).toBe(-ERRNO.EBUSY); // WARN_ON(pdev->pri_enabled)
  });

  it('disable with requests outstanding: STOPPED only once the last response arrives; enable -EBUSY until then', () => {
    const { fn, dma, port, respond, sched, kinds } = setup();
    pciEnablePri(fn, 8);
    dma.issue({ pasid: 5, addr: 0x1000n, pages: 2, perm: 1 });
    sched.runUntilIdle();
    expect(port.requests).toHaveLength(2);
    pciDisablePri(fn);
    expect(fn.pri!.stopped).toBe(false);
    expect(pciPriStopped(fn)).toBe(false);
    expect(pciEnablePri(fn, 8)).toBe(-ERRNO.EBUSY); // STATUS.STOPPED clear
    respond(port.requests[1]!.prgi, 0);
    expect(fn.pri!.stopped).toBe(true);
    expect(kinds().filter((k) => k === 'PRI_STOPPED')).toHaveLength(1);
    expect(pciEnablePri(fn, 8)).toBe(0);
  });

  it('reset is refused while enabled; after disable it forgets pending groups, and a late response latches UPRGI', () => {
    const { fn, dma, port, respond, sched, sink } = setup();
    pciEnablePri(fn, 8);
    dma.issue({ pasid: 5, addr: 0x1000n, pages: 1, perm: 1 });
    sched.runUntilIdle();
    expect(pciResetPri(fn)).toBe(-ERRNO.EBUSY);
    pciDisablePri(fn);
    expect(pciResetPri(fn)).toBe(0);
    expect(fn.outstandingGroups).toBe(0);
    expect(fn.pri!.stopped).toBe(true);
    sched.runUntilIdle();
    const done = sink.events.filter((e) => e.kind === 'DMA_COMPLETE');
    expect(done).toHaveLength(1);
    expect(done[0]!.errno).toBe(ERRNO.EIO);
    respond(port.requests[0]!.prgi, 0);
    expect(fn.pri!.uprgi).toBe(true);
  });

  it('Enable 0→1 clears RF and UPRGI', () => {
    const { fn, respond } = setup();
    pciEnablePri(fn, 8);
    respond(77, 0); // no such group
    expect(fn.pri!.readStatus() & PCI_PRI_STATUS_UPRGI).toBe(PCI_PRI_STATUS_UPRGI);
    pciDisablePri(fn);
    pciEnablePri(fn, 8);
    expect(fn.pri!.readStatus() & (PCI_PRI_STATUS_UPRGI | PCI_PRI_STATUS_RF)).toBe(0);
  });
});

describe('page request groups, credits and responses', () => {
  it('one group per miss: k requests, only the last has L=1, one credit each; Success re-translates and completes', () => {
    const { fn, dma, port, respond, sched, sink } = setup();
    pciEnablePri(fn, 8);
    dma.issue({ pasid: 5, addr: 0x4000n, pages: 3, perm: 2 });
    sched.runUntilIdle();
    expect(port.requests.map((r) => r.last)).toEqual([false, false, true]);
    expect(new Set(port.requests.map((r) => r.prgi)).size).toBe(1);
    expect(port.requests.every((r) => r.write && !r.read && r.pasid === 5)).toBe(true);
    expect(fn.outstandingRequests).toBe(3);
    for (const r of port.requests) port.mapped.add(r.addr);
    respond(port.requests[2]!.prgi, 0);
    expect(fn.outstandingRequests).toBe(0);
    sched.runUntilIdle();
    const done = sink.events.filter((e) => e.kind === 'DMA_COMPLETE');
    expect(done).toHaveLength(1);
    expect(done[0]!.errno).toBeNull();
  });

  it('credits exhausted: the next group waits (CREDIT_EXHAUSTED) and is sent when the first response returns credits', () => {
    const { fn, dma, port, respond, sched, kinds } = setup({}, 4);
    pciEnablePri(fn, 4);
    dma.issue({ pasid: 5, addr: 0x0n, pages: 6, perm: 1 });
    sched.runUntilIdle();
    expect(port.requests).toHaveLength(4); // chunk of 4 (= allocation), the chunk of 2 waits
    expect(kinds()).toContain('CREDIT_EXHAUSTED');
    expect(fn.waitingGroups).toBe(1);
    expect(fn.outstandingRequests).toBe(4);
    respond(port.requests[3]!.prgi, 0);
    expect(port.requests).toHaveLength(6);
    expect(port.requests[5]!.last).toBe(true);
    expect(fn.outstandingRequests).toBe(2);
  });

  it('Success but still unmapped: a new group each time, then the retry cap ends the work item', () => {
    const { fn, dma, port, respond, sched, sink } = setup({ maxRetries: 2 });
    pciEnablePri(fn, 8);
    dma.issue({ pasid: 5, addr: 0x0n, pages: 1, perm: 1 });
    for (let i = 0; i < 3; i++) {
      sched.runUntilIdle();
      respond(port.requests[i]!.prgi, 0);
    }
    sched.runUntilIdle();
    expect(port.requests).toHaveLength(3); // first fault + 2 re-faults
    expect(sink.events.filter((e) => e.kind === 'RETRY')).toHaveLength(3);
    const err = sink.events.find((e) => e.kind === 'WORK_ERROR');
    expect(err?.note).toContain('retry cap');
  });

  it('Invalid Request ends the work item with an error, no retry', () => {
    const { fn, dma, port, respond, sched, sink } = setup();
    pciEnablePri(fn, 8);
    dma.issue({ pasid: 5, addr: 0x0n, pages: 1, perm: 1 });
    sched.runUntilIdle();
    respond(port.requests[0]!.prgi, 1);
    sched.runUntilIdle();
    expect(port.requests).toHaveLength(1);
    expect(sink.events.find((e) => e.kind === 'WORK_ERROR')?.note).toContain('Invalid Request');
    expect(fn.pri!.rf).toBe(false);
  });

  it('Response Failure latches RF: no new requests, but other outstanding responses are still accepted', () => {
    const { fn, dma, port, respond, sched, sink } = setup();
    pciEnablePri(fn, 8);
    dma.issue({ pasid: 5, addr: 0x0n, pages: 1, perm: 1 });
    dma.issue({ pasid: 5, addr: 0x10000n, pages: 1, perm: 1 });
    sched.runUntilIdle();
    respond(port.requests[0]!.prgi, 0xf);
    expect(fn.pri!.rf).toBe(true);
    expect(fn.outstandingRequests).toBe(1);
    respond(port.requests[1]!.prgi, 0);
    expect(fn.outstandingRequests).toBe(0);
    expect(fn.pri!.uprgi).toBe(false);
    sched.runUntilIdle();
    dma.issue({ pasid: 5, addr: 0x20000n, pages: 1, perm: 1 });
    sched.runUntilIdle();
    expect(port.requests).toHaveLength(2);
    expect(sink.events.filter((e) => e.kind === 'RF_LATCH')).toHaveLength(1);
    expect(sink.events.filter((e) => e.kind === 'DMA_COMPLETE' && e.errno === ERRNO.EIO)).toHaveLength(3);
  });

  it('a response naming no outstanding group latches UPRGI and is ignored', () => {
    const { fn, dma, port, respond, sched } = setup();
    pciEnablePri(fn, 8);
    dma.issue({ pasid: 5, addr: 0x0n, pages: 1, perm: 1 });
    sched.runUntilIdle();
    respond((port.requests[0]!.prgi + 1) & 0x1ff, 0);
    expect(fn.pri!.uprgi).toBe(true);
    expect(fn.outstandingGroups).toBe(1);
  });

  it.each([
    ['asFailure', { rf: true, uprgi: false, outstanding: 0 }],
    ['ignore', { rf: false, uprgi: false, outstanding: 1 }],
    ['asUPRGI', { rf: false, uprgi: true, outstanding: 1 }],
  ] as const)('reserved code 0010b (kernel FAILURE sent raw) with reservedCodeHandling=%s', (mode, want) => {
    const { fn, dma, port, respond, sched } = setup({ reservedCodeHandling: mode });
    pciEnablePri(fn, 8);
    dma.issue({ pasid: 5, addr: 0x0n, pages: 1, perm: 1 });
    sched.runUntilIdle();
    respond(port.requests[0]!.prgi, 0b0010);
    expect({ rf: fn.pri!.rf, uprgi: fn.pri!.uprgi, outstanding: fn.outstandingGroups }).toEqual(want);
  });

  it('Stop Marker: L=1, R=W=0 with the PASID, takes no credit, and the PASID takes no new work', () => {
    const { fn, dma, port, sched, sink } = setup({ stopPasidMode: 'stopMarker' });
    pciEnablePri(fn, 8);
    let stopped = false;
    fn.stopPasid(9, 0, () => (stopped = true));
    expect(stopped).toBe(true);
    expect(port.requests).toHaveLength(1);
    const m = port.requests[0]!;
    expect([m.last, m.read, m.write, m.pasid]).toEqual([true, false, false, 9]);
    expect(fn.outstandingRequests).toBe(0);
    dma.issue({ pasid: 9, addr: 0x0n, pages: 1, perm: 1 });
    sched.runUntilIdle();
    expect(sink.events.find((e) => e.kind === 'WORK_ERROR')?.note).toContain('PASID 9 stopped');
  });

  it("'waitResponses' PASID stop completes only when the PASID's last group is answered", () => {
    const { fn, dma, port, respond, sched } = setup();
    pciEnablePri(fn, 8);
    dma.issue({ pasid: 5, addr: 0x0n, pages: 1, perm: 1 });
    sched.runUntilIdle();
    let stopped = false;
    fn.stopPasid(5, 0, () => (stopped = true));
    expect(stopped).toBe(false);
    respond(port.requests[0]!.prgi, 1);
    expect(stopped).toBe(true);
    expect(port.requests).toHaveLength(1);
  });

  it('PRG index policy: sequential rotates, reuseAfterResponse hands the freed index out again', () => {
    for (const [policy, expected] of [
      ['sequential', [0, 1]],
      ['reuseAfterResponse', [0, 0]],
    ] as const) {
      const { fn, dma, port, respond, sched } = setup({ prgIndexPolicy: policy });
      pciEnablePri(fn, 8);
      dma.issue({ pasid: 5, addr: 0x0n, pages: 1, perm: 1 });
      sched.runUntilIdle();
      respond(port.requests[0]!.prgi, 1);
      dma.issue({ pasid: 5, addr: 0x1000n, pages: 1, perm: 1 });
      sched.runUntilIdle();
      expect(port.requests.map((r) => r.prgi)).toEqual(expected);
    }
  });
});

describe('SR-IOV: VFs share the PF PRI capability', () => {
  it('pci_enable_pri on a VF: -EINVAL while the PF is disabled, 0 (nothing written) once it is; disable on a VF is a no-op', () => {
    const { fn: pf } = setup();
    const vf = pf.createVf({ rid: 0x0302 });
    expect(vf.pri).toBe(pf.pri);
    expect(pciEnablePri(vf, 8)).toBe(-ERRNO.EINVAL);
    pciEnablePri(pf, 8);
    expect(pciEnablePri(vf, 8)).toBe(0);
    pciDisablePri(vf);
    expect(pf.pri!.enabled).toBe(true);
  });

  it('a Response Failure at one VF stops PRI for the PF and every VF', () => {
    const { fn: pf, env, sched, respond: _r, port: pfPort } = setup();
    const vf1 = pf.createVf({ rid: 0x0302 });
    const vf2 = pf.createVf({ rid: 0x0303 });
    const ports = [pfPort, new FakePort(), new FakePort()];
    [pf, vf1, vf2].forEach((f, i) => {
      f.port = ports[i]!;
      f.kernel.atsEnabled = true;
      pciEnablePasid(f);
    });
    pciEnablePri(pf, 8);
    const dmas = [pf, vf1, vf2].map((f) => new DmaEngine(env, f));
    dmas[1]!.issue({ pasid: 5, addr: 0x0n, pages: 1, perm: 1 });
    sched.runUntilIdle();
    vf1.receivePrgResponse({ prgi: ports[1]!.requests[0]!.prgi, code: 0xf, pasid: 5, seq: 0 });
    expect(pf.pri!.rf).toBe(true);
    expect([pf.priUsable, vf1.priUsable, vf2.priUsable]).toEqual([false, false, false]);
    dmas[0]!.issue({ pasid: 5, addr: 0x0n, pages: 1, perm: 1 });
    dmas[2]!.issue({ pasid: 5, addr: 0x0n, pages: 1, perm: 1 });
    sched.runUntilIdle();
    expect(ports[0]!.requests).toHaveLength(0);
    expect(ports[2]!.requests).toHaveLength(0);
    // Recovery is PF-wide too: Enable 0→1 on the PF clears RF for every function.
    pciDisablePri(pf);
    pciEnablePri(pf, 8);
    expect(vf2.priUsable).toBe(true);
  });
});
