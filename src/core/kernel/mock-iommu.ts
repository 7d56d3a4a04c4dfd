/**
 * The selftest mock IOMMU driver (drivers/iommu/iommufd/selftest.c): IOPF
 * enable adds the device to a "mock-iopfq" queue, and page_response is an
 * empty function — here it records every response so tests and the trace can
 * see the codes the real mock drops.
 */
import type { IommuDriver, IommuGroup, IommuPageResponse, IopfCore, KernelDevice } from './iommu-core';
import type { IopfFault } from './iopf-types';

export interface RecordedResponse {
  readonly dev: KernelDevice;
  readonly fault: IopfFault;
  readonly resp: IommuPageResponse;
}

export class MockIommuDriver implements IommuDriver {
  readonly vendor = 'vtd' as const;
  readonly responses: RecordedResponse[] = [];
  private iopf: IopfCore | null = null;

  constructor(
    /** `.user_pasid_table = true` since the v8 mock. */
    readonly userPasidTable = true,
  ) {}

  connect(iopf: IopfCore): void {
    this.iopf = iopf;
  }

  pageResponse(dev: KernelDevice, fault: IopfFault, resp: IommuPageResponse): void {
    this.responses.push({ dev, fault, resp });
  }

  enableIopf(dev: KernelDevice): number {
    return this.iopf?.queueAddDevice(dev) ?? 0;
  }

  disableIopf(dev: KernelDevice, parent: number): void {
    this.iopf?.queueRemoveDevice(dev, parent);
  }
}

let nextGroupId = 1;

/** A new iommu_group (one per device when ACS isolates them). */
export function newGroup(): IommuGroup {
  return { id: nextGroupId++, devices: [], handles: new Map() };
}

/** A mock PCI device in `group` (a new group of its own by default). */
export function mockDevice(name: string, rid: number, driver: MockIommuDriver, group: IommuGroup = newGroup(), isVf = false): KernelDevice {
  const dev: KernelDevice = { name, rid, group, driver, isVf };
  group.devices.push(dev);
  return dev;
}
