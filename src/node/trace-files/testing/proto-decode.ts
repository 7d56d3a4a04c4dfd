/**
 * Test support: a tiny protobuf wire decoder (varint, fixed64, length-
 * delimited, fixed32) to read exported `.pftrace` files back without any
 * Perfetto code. Messages decode to field number → list of raw values.
 */

export type ProtoValue = { wire: 0; value: bigint } | { wire: 1; value: bigint; double: number } | { wire: 2; bytes: Uint8Array } | { wire: 5; value: number };

export type ProtoMessage = Map<number, ProtoValue[]>;

export function decodeMessage(bytes: Uint8Array): ProtoMessage {
  const out: ProtoMessage = new Map();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= bytes.length) throw new Error('truncated varint');
      const b = bytes[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new Error('varint too long');
    }
  };
  while (pos < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    let v: ProtoValue;
    if (wire === 0) v = { wire: 0, value: varint() };
    else if (wire === 1) {
      v = { wire: 1, value: view.getBigUint64(pos, true), double: view.getFloat64(pos, true) };
      pos += 8;
    } else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > bytes.length) throw new Error('length past the end');
      v = { wire: 2, bytes: bytes.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === 5) {
      v = { wire: 5, value: view.getUint32(pos, true) };
      pos += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
    const list = out.get(field);
    if (list) list.push(v);
    else out.set(field, [v]);
  }
  return out;
}

const decoder = new TextDecoder();

export const num = (m: ProtoMessage, field: number): number | undefined => {
  const v = m.get(field)?.[0];
  return v && (v.wire === 0 || v.wire === 1) ? Number(v.value) : undefined;
};
export const nums = (m: ProtoMessage, field: number): number[] =>
  (m.get(field) ?? []).map((v) => (v.wire === 0 || v.wire === 1 ? Number(v.value) : Number.NaN));
export const str = (m: ProtoMessage, field: number): string | undefined => {
  const v = m.get(field)?.[0];
  return v && v.wire === 2 ? decoder.decode(v.bytes) : undefined;
};
export const strs = (m: ProtoMessage, field: number): string[] => (m.get(field) ?? []).map((v) => (v.wire === 2 ? decoder.decode(v.bytes) : ''));
export const sub = (m: ProtoMessage, field: number): ProtoMessage | undefined => {
  const v = m.get(field)?.[0];
  return v && v.wire === 2 ? decodeMessage(v.bytes) : undefined;
};
export const subs = (m: ProtoMessage, field: number): ProtoMessage[] => (m.get(field) ?? []).flatMap((v) => (v.wire === 2 ? [decodeMessage(v.bytes)] : []));
