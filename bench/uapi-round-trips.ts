/**
 * Fault round trips through the emulated uAPI with an in-memory sink: the
 * selftest's trigger → read → write, in batches as a VMM's fault thread
 * would (read many records per call, answer them in one write).
 */
import { performance } from 'node:perf_hooks';
import { IOMMU_HWPT_ALLOC_NEST_PARENT, IOMMU_HWPT_FAULT_ID_VALID } from '../src/shared/uapi/iommufd';
import { IOMMU_HWPT_DATA_SELFTEST } from '../src/shared/uapi/structs';
import { kernelHarness } from '../src/core/testing/kernel-harness';

export function runUapiRoundTrips(total: number, batch: number): { roundTripsPerSec: number; events: number } {
  const h = kernelHarness({ profile: 'upstream' });
  const { ioas, vfio, deviceId } = h.mockDomain();
  const parent = h.hwptAlloc({ dev_id: deviceId, pt_id: ioas, flags: IOMMU_HWPT_ALLOC_NEST_PARENT }).out.out_hwpt_id as number;
  const { faultId, faultFd } = h.faultAlloc();
  const iopf = h.hwptAlloc({ dev_id: deviceId, pt_id: parent, flags: IOMMU_HWPT_FAULT_ID_VALID, fault_id: faultId, data_type: IOMMU_HWPT_DATA_SELFTEST, data_len: 4 }).out.out_hwpt_id as number;
  h.proc.call(vfio, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: iopf });
  const dev = h.devices.get('0000:03:00.0')!;
  const rsp = new Uint8Array(batch * 8);
  const start = performance.now();
  let done = 0;
  while (done < total) {
    for (let i = 0; i < batch; i++) h.iopf.reportDeviceFault(dev, { flags: 3, pasid: 1, grpid: i & 0x1ff, perm: 3, addr: BigInt(i) << 12n }, 0);
    const r = h.proc.read(faultFd, batch * 40);
    const view = new DataView(r.bytes.buffer, r.bytes.byteOffset);
    const out = new DataView(rsp.buffer);
    for (let i = 0; i < batch; i++) out.setUint32(i * 8, view.getUint32(i * 40 + 36, true), true); // {cookie, code = SUCCESS}
    if (h.proc.write(faultFd, rsp) !== rsp.length) throw new Error('bench: write failed');
    done += batch;
    h.sink.events.length = 0; // keep memory flat; the sink still received every event
  }
  const ms = performance.now() - start;
  return { roundTripsPerSec: (done / ms) * 1000, events: h.tracer.count };
}
