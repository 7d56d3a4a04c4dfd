/**
 * Unrecoverable faults reported per device (what upstream chose instead of
 * the RFC's group chain): each consumer hears only its own device's faults.
 * Two isolated functions without ATS/PRI write to unmapped addresses; VT-d
 * records DMA remapping faults (fault recording registers), the driver reports
 * each to the consumer registered for that device. A fault from a source whose
 * previous record is still unread is collapsed, as the VT-d spec allows.
 */
import { scenario, dma, expect, registerFaultConsumer, eventCount, sleep } from 'iopf';

export default scenario({
  name: 'unrecoverable-faults',
  title: 'Unrecoverable faults to per-device consumers',
  topology: {
    devices: [
      { name: '0000:06:00.0', ats: false, pri: false, pasid: false },
      { name: '0000:07:00.0', ats: false, pri: false, pasid: false },
    ],
  },
  async main() {
    const got: Record<string, number> = { '0000:06:00.0': 0, '0000:07:00.0': 0 };
    for (const d of Object.keys(got)) registerFaultConsumer(d, (f) => (got[f.device] = (got[f.device] ?? 0) + 1));
    // The driver reads fault records in its IRQ thread; a second fault from the same
    // source while its first record is unread would be collapsed (not recorded).
    await dma('0000:06:00.0', { addr: 0x20000n, perm: 'w' });
    await sleep(10_000);
    await dma('0000:06:00.0', { addr: 0x21000n, perm: 'r' });
    await dma('0000:07:00.0', { addr: 0x30000n, perm: 'w' });
    await sleep(10_000);
    expect(got['0000:06:00.0']).toBe(2, 'the first consumer heard its device twice');
    expect(got['0000:07:00.0']).toBe(1, 'the second consumer heard its device once');
    expect(eventCount('GROUP_NOTIFY')).toBe(0, 'no group-wide notifications');
  },
});
