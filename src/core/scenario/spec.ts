/**
 * A declarative scenario: topology, kernel profile, a device workload, the
 * policy that answers faults, and what the run must show. Parsed from JSON and
 * validated field by field, so a malformed file gets a message that names the
 * field instead of a crash.
 */
import { KERNEL_PROFILE_LIST, isKernelProfileId, type KernelProfileId } from '../../shared/uapi/profiles';

export type VendorId = 'vtd' | 'smmuv3' | 'amd';

export interface DeviceSpec {
  /** PCI address, e.g. `0000:03:00.0` (a label; the iommufd dev_id is allocated at bind). */
  readonly name: string;
  readonly priAllocation: number;
}

export interface AccessSpec {
  /** Virtual time of the access, ns. */
  readonly atNs: number;
  /** Index into `devices`. */
  readonly device: number;
  readonly pasid: number | null;
  readonly addr: bigint;
  readonly pages: number;
  /** IOMMU_PGFAULT_PERM_* bits. */
  readonly perm: number;
}

export interface PolicySpec {
  readonly kind: 'map-then-success';
  readonly batch: number;
  readonly minLatencyNs: number;
  readonly maxLatencyNs: number;
}

export interface ExpectSpec {
  /** Number of PAGE_RESPONSE events. */
  readonly pageResponses?: number;
  /** Every PAGE_RESPONSE carries SUCCESS. */
  readonly allSuccess?: boolean;
  /** Every DMA access completes without error. */
  readonly allDmaComplete?: boolean;
}

export interface ScenarioSpec {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly seed: number;
  readonly kernelProfile: KernelProfileId;
  readonly vendor: VendorId;
  readonly prqDepth: number;
  readonly devices: readonly DeviceSpec[];
  readonly workload: readonly AccessSpec[];
  readonly policy: PolicySpec;
  readonly expect: ExpectSpec;
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function int(o: Json, key: string, where: string, min: number, max: number, dflt?: number): number {
  const v = o[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new ScenarioError(`${where}.${key}: expected an integer in ${min}..${max}, got ${JSON.stringify(o[key])}`);
  return v;
}

function str(o: Json, key: string, where: string, dflt?: string): string {
  const v = o[key] ?? dflt;
  if (typeof v !== 'string') throw new ScenarioError(`${where}.${key}: expected a string`);
  return v;
}

function address(o: Json, key: string, where: string): bigint {
  const v = o[key];
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^0x[0-9a-f]{1,16}$/i.test(v)) return BigInt(v);
  throw new ScenarioError(`${where}.${key}: expected a hex address such as "0xdeadb000"`);
}

const PERM_LETTERS: Record<string, number> = { r: 1, w: 2, x: 4, p: 8 };

function perm(o: Json, key: string, where: string): number {
  const v = o[key] ?? 'rw';
  if (typeof v !== 'string' || !/^[rwxp]+$/.test(v)) throw new ScenarioError(`${where}.${key}: expected letters of "rwxp"`);
  let bits = 0;
  for (const c of v) bits |= PERM_LETTERS[c]!;
  return bits;
}

/** Validates a parsed JSON value as a scenario; throws ScenarioError naming the bad field. */
export function parseScenario(value: unknown): ScenarioSpec {
  if (!isObj(value)) throw new ScenarioError('scenario: expected a JSON object');
  const name = str(value, 'name', 'scenario');
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(name)) throw new ScenarioError('scenario.name: lowercase letters, digits and dashes');
  const kernelProfile = value.kernelProfile ?? 'upstream';
  if (!isKernelProfileId(kernelProfile)) throw new ScenarioError(`scenario.kernelProfile: expected one of ${KERNEL_PROFILE_LIST}`);
  const vendor = value.vendor ?? 'vtd';
  if (vendor !== 'vtd' && vendor !== 'smmuv3' && vendor !== 'amd')
    throw new ScenarioError('scenario.vendor: expected "vtd", "smmuv3" or "amd"');
  if (!Array.isArray(value.devices) || value.devices.length === 0)
    throw new ScenarioError('scenario.devices: expected a non-empty array');
  const devices = value.devices.map((d, i): DeviceSpec => {
    const w = `scenario.devices[${i}]`;
    if (!isObj(d)) throw new ScenarioError(`${w}: expected an object`);
    return { name: str(d, 'name', w), priAllocation: int(d, 'priAllocation', w, 1, 0xffff, 32) };
  });
  if (!Array.isArray(value.workload)) throw new ScenarioError('scenario.workload: expected an array');
  const workload = value.workload.map((a, i): AccessSpec => {
    const w = `scenario.workload[${i}]`;
    if (!isObj(a)) throw new ScenarioError(`${w}: expected an object`);
    const pasid = a.pasid === undefined || a.pasid === null ? null : int(a, 'pasid', w, 0, 0xfffff);
    return {
      atNs: int(a, 'atNs', w, 0, Number.MAX_SAFE_INTEGER),
      device: int(a, 'device', w, 0, devices.length - 1, 0),
      pasid,
      addr: address(a, 'addr', w),
      pages: int(a, 'pages', w, 1, 512, 1),
      perm: perm(a, 'perm', w),
    };
  });
  const p = isObj(value.policy) ? value.policy : {};
  if ((p.kind ?? 'map-then-success') !== 'map-then-success')
    throw new ScenarioError('scenario.policy.kind: only "map-then-success" is built in');
  const minLatencyNs = int(p, 'minLatencyNs', 'scenario.policy', 0, 1e12, 2000);
  const policy: PolicySpec = {
    kind: 'map-then-success',
    batch: int(p, 'batch', 'scenario.policy', 1, 4096, 16),
    minLatencyNs,
    maxLatencyNs: int(p, 'maxLatencyNs', 'scenario.policy', minLatencyNs, 1e12, Math.max(minLatencyNs, 8000)),
  };
  const e = isObj(value.expect) ? value.expect : {};
  const expect: { -readonly [K in keyof ExpectSpec]: ExpectSpec[K] } = {};
  if (e.pageResponses !== undefined) expect.pageResponses = int(e, 'pageResponses', 'scenario.expect', 0, 1e9);
  if (e.allSuccess !== undefined) expect.allSuccess = e.allSuccess === true;
  if (e.allDmaComplete !== undefined) expect.allDmaComplete = e.allDmaComplete === true;
  return {
    name,
    title: str(value, 'title', 'scenario', name),
    description: str(value, 'description', 'scenario', ''),
    seed: int(value, 'seed', 'scenario', 0, 0xffff_ffff, 1),
    kernelProfile,
    vendor,
    prqDepth: int(value, 'prqDepth', 'scenario', 1, 1 << 19, 2048),
    devices,
    workload,
    policy,
    expect,
  };
}
