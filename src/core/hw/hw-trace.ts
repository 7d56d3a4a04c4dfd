/**
 * How the hardware models (src/core/hw, src/core/iommu) put events on the
 * trace. Every event that concerns one PCI function carries:
 *  - `dev`  = `devOf(rid)`: the engine maps a RID to the iommufd `dev_id` once
 *             the device is bound; until then (and by default) it is the RID.
 *  - `note` = always starts with `rid=BB:DD.F`, so the RID survives the mapping.
 * Events about the IOMMU as a whole (queue overflow, IRQ) carry `dev: null`
 * and no prefix. Optionally `raw` carries the queue entry / command bytes.
 * The trace an IOMMU unit and its driver emit through (`forIommu`) also sets
 * `iommu`, the unit's index; the PCI functions' trace leaves it null.
 */
import type { EventKind, Layer } from '../../shared/events';
import type { EventFields, Tracer } from '../trace/tracer';
import { formatRid } from './rid';

const NO_FIELDS: Omit<EventFields, 'dev'> = Object.freeze({});

export interface HwTraceOptions {
  /** RID → value of the `dev` field; default: the RID itself. */
  readonly devOf?: (rid: number) => number | null;
  /** Attach queue descriptors / commands as `raw` bytes (bigger traces). */
  readonly rawDescriptors?: boolean;
  /** Index of the IOMMU unit whose events go through this trace; null for device events. */
  readonly iommu?: number | null;
}

export class HwTrace {
  private readonly devOf: (rid: number) => number | null;
  readonly rawDescriptors: boolean;
  readonly iommu: number | null;

  constructor(
    readonly tracer: Tracer,
    private readonly options: HwTraceOptions = {},
  ) {
    this.devOf = options.devOf ?? ((r) => r);
    this.rawDescriptors = options.rawDescriptors ?? false;
    this.iommu = options.iommu ?? null;
  }

  /** The same trace for the events of IOMMU unit `index` (they carry `iommu: index`). */
  forIommu(index: number): HwTrace {
    return new HwTrace(this.tracer, { ...this.options, iommu: index });
  }

  /** `rid=BB:DD.F` and `rid=BB:DD.F ` (before a note) per RID, built once (every per-function event carries it). */
  private readonly prefixes = new Map<number, string>();
  private readonly notePrefixes = new Map<number, string>();

  /**
   * Emits an event about the function `rid` (or the whole unit when null);
   * returns its seq. `f` is the caller's own literal, read as it is (its
   * `dev` is ignored; its note gets the RID prefix).
   */
  emit(layer: Layer, kind: EventKind, rid: number | null, f: Omit<EventFields, 'dev'> = NO_FIELDS): number {
    if (rid === null) return this.tracer.emitWith(layer, kind, f, null, f.note ?? null, this.iommu);
    const note = f.note;
    let prefix: string | undefined;
    if (note) {
      prefix = this.notePrefixes.get(rid);
      if (prefix === undefined) this.notePrefixes.set(rid, (prefix = `rid=${formatRid(rid)} `));
      return this.tracer.emitWith(layer, kind, f, this.devOf(rid), prefix + note, this.iommu);
    }
    prefix = this.prefixes.get(rid);
    if (prefix === undefined) this.prefixes.set(rid, (prefix = `rid=${formatRid(rid)}`));
    return this.tracer.emitWith(layer, kind, f, this.devOf(rid), prefix, this.iommu);
  }

  /** The bytes for `raw`, built only when descriptors are recorded. */
  raw(build: () => Uint8Array): Uint8Array | null {
    return this.rawDescriptors ? build() : null;
  }
}

/** Little-endian bytes of 64-bit words (queue entries and commands are arrays of qwords). */
export function qwordsToBytes(words: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(words.length * 8);
  words.forEach((w, i) => {
    let v = BigInt.asUintN(64, w);
    for (let b = 0; b < 8; b++) {
      out[i * 8 + b] = Number(v & 0xffn);
      v >>= 8n;
    }
  });
  return out;
}
