/**
 * The 2017 fault notifier RFC on a non-ACS group: three functions behind a
 * root port without ACS share one iommu_group. The RFC stored one notifier
 * chain on the group but registered per device, so a VMM that registers for
 * each of its devices receives every fault three times — the duplicate
 * notifications Alex Williamson's review objected to. Each device does one
 * untranslated DMA to an unmapped address (an unrecoverable DMA remapping fault).
 */
import { scenario, dma, expect, registerFaultNotifier, eventCount, sleep } from 'iopf';

const devices = ['0000:05:00.0', '0000:05:00.1', '0000:05:00.2'];

export default scenario({
  name: 'non-acs-group-notifier',
  title: 'Non-ACS group: the 2017 group notifier chain notifies N times',
  topology: {
    faultReporting: 'groupNotifier',
    devices: devices.map((name) => ({ name, group: 'no-acs', ats: false, pri: false, pasid: false })),
  },
  async main() {
    const seen: string[] = [];
    for (const d of devices) expect(registerFaultNotifier(d, (f) => seen.push(`${f.device}<-${f.faultingDevice}`))).toBe(0, `registered for ${d}`);
    for (const d of devices) await dma(d, { addr: 0x10000n, perm: 'w' });
    await sleep(10_000); // the driver's IRQ thread reads the fault records
    expect(eventCount('UNRECOV_FAULT')).toBe(3, 'three unrecoverable faults, one per device');
    expect(seen.length).toBe(9, 'each fault notified all three registrations: 3 × 3');
    expect(eventCount('GROUP_NOTIFY')).toBe(9, 'nine GROUP_NOTIFY events');
  },
});
