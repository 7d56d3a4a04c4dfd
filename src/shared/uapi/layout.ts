/**
 * Byte layouts of uAPI structs as field tables, so one codec encodes and
 * decodes every profile's variant and the inspector can print any record with
 * its field names. Little-endian, as on x86-64 and arm64.
 */
export type FieldSize = 4 | 8;

export interface FieldSpec {
  readonly name: string;
  readonly offset: number;
  readonly size: FieldSize;
}

export interface StructLayout {
  /** The C struct name, e.g. `iommu_hwpt_pgfault`. */
  readonly name: string;
  /** sizeof() on LP64. */
  readonly size: number;
  readonly fields: readonly FieldSpec[];
  /** An ABI caveat the inspector prints under the decoded struct (holes, other-ABI sizes). */
  readonly note?: string;
}

/** Field values: u32 as number, u64 as bigint. */
export type StructValues = Record<string, number | bigint>;

export function encodeStruct(layout: StructLayout, values: StructValues): Uint8Array {
  const bytes = new Uint8Array(layout.size);
  const view = new DataView(bytes.buffer);
  for (const f of layout.fields) {
    const v = values[f.name];
    if (v === undefined || v === 0) continue; // the buffer starts zeroed
    if (f.size === 8) view.setBigUint64(f.offset, typeof v === 'bigint' ? v : BigInt(v), true);
    else view.setUint32(f.offset, Number(v) >>> 0, true);
  }
  return bytes;
}

export function decodeStruct(layout: StructLayout, bytes: Uint8Array, at = 0): StructValues {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, layout.size);
  const out: StructValues = {};
  for (const f of layout.fields) {
    out[f.name] = f.size === 8 ? view.getBigUint64(f.offset, true) : view.getUint32(f.offset, true);
  }
  return out;
}
