/**
 * A minimal protobuf encoder for writing Perfetto traces without an SDK:
 * varint, zigzag-free int64 (two's complement), fixed64, double, strings,
 * bytes and nested messages. Nested messages are written in place: one length
 * byte is reserved and the content shifted when it turns out longer than 127
 * bytes, so there is no per-message allocation.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;

const encoder = new TextEncoder();
const TWO_32 = 4_294_967_296;

export class ProtoWriter {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(initial = 1 << 16) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Unsigned varint of a non-negative integer ≤ 2^53, or any u64 as bigint. */
  varint(v: number | bigint): void {
    this.ensure(10);
    if (typeof v === 'bigint') {
      let x = BigInt.asUintN(64, v);
      while (x >= 0x80n) {
        this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
        x >>= 7n;
      }
      this.buf[this.pos++] = Number(x);
      return;
    }
    if (v < 0) {
      this.varint(BigInt(v));
      return;
    }
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /**
   * A length-delimited field whose content is `prefix` followed by one varint
   * field (`valueTag`, one byte) holding `v` — the shape of a debug annotation
   * with a number value — written without begin/end bookkeeping.
   */
  prefixedVarint(field: number, prefix: Uint8Array, valueTag: number, v: number): void {
    let size = 1;
    for (let x = v; x >= 0x80; x = Math.floor(x / 0x80)) size++;
    const len = prefix.length + 1 + size;
    if (len >= 0x80 || v < 0) {
      const m = this.begin(field);
      this.raw(prefix);
      this.buf[this.pos++] = valueTag;
      this.varint(v);
      this.end(m);
      return;
    }
    this.tag(field, WIRE_LEN);
    this.ensure(len + 1);
    const b = this.buf;
    let p = this.pos;
    b[p++] = len;
    for (let i = 0; i < prefix.length; i++) b[p++] = prefix[i]!;
    b[p++] = valueTag;
    let x = v;
    while (x >= 0x80) {
      b[p++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    b[p++] = x;
    this.pos = p;
  }

  /** uint32/uint64/int32/int64/enum/bool field (negative numbers as 10-byte two's complement). */
  uint(field: number, v: number | bigint): void {
    this.tag(field, WIRE_VARINT);
    this.varint(v);
  }

  bool(field: number, v: boolean): void {
    this.uint(field, v ? 1 : 0);
  }

  fixed64(field: number, v: number | bigint): void {
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    if (typeof v === 'bigint') this.view.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
    else {
      this.view.setUint32(this.pos, v % TWO_32, true);
      this.view.setUint32(this.pos + 4, Math.floor(v / TWO_32), true);
    }
    this.pos += 8;
  }

  double(field: number, v: number): void {
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  string(field: number, s: string): void {
    this.tag(field, WIRE_LEN);
    const n = s.length;
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    this.ensure(5 + n * 3);
    const start = this.pos;
    if (n < 0x80) {
      // Short ASCII (notes, names) is copied by hand: cheaper than a subarray and encodeInto.
      const buf = this.buf;
      let p = start + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        buf[start] = n;
        this.pos = p;
        return;
      }
    }
    this.pos += 1;
    const { written } = encoder.encodeInto(s, this.buf.subarray(this.pos));
    this.pos += written;
    this.finishLength(start, written);
  }

  bytesField(field: number, b: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A nested message: `fill` writes its fields. */
  message(field: number, fill: () => void): void {
    const m = this.begin(field);
    fill();
    this.end(m);
  }

  /** Opens a nested message; write its fields, then call end() with the returned mark. */
  begin(field: number): number {
    this.tag(field, WIRE_LEN);
    this.ensure(1);
    const start = this.pos;
    this.pos += 1;
    return start;
  }

  end(mark: number): void {
    this.finishLength(mark, this.pos - mark - 1);
  }

  /** Appends bytes encoded beforehand (see `encodeStringField`). */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    // A byte loop beats TypedArray#set's call only for the shortest fragments.
    if (n > 12) this.buf.set(bytes, this.pos);
    else for (let i = 0; i < n; i++) this.buf[this.pos + i] = bytes[i]!;
    this.pos += n;
  }

  /** u64 from `0x…` hex without a BigInt when it fits in 52 bits. */
  uintHex(field: number, hex: string): void {
    this.tag(field, WIRE_VARINT);
    if (hex.length <= 15) this.varint(parseInt(hex.slice(2), 16));
    else this.varint(BigInt(hex));
  }

  /** Writes `len` at `start` (one reserved byte), moving the content if the varint needs more. */
  private finishLength(start: number, len: number): void {
    if (len < 0x80) {
      this.buf[start] = len;
      return;
    }
    let size = 1;
    for (let x = len; x >= 0x80; x = Math.floor(x / 0x80)) size++;
    this.ensure(size - 1);
    this.buf.copyWithin(start + size, start + 1, this.pos);
    this.pos += size - 1;
    let x = len;
    let at = start;
    while (x >= 0x80) {
      this.buf[at++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[at] = x;
  }
}

/** A complete string field (tag, length, UTF-8), for strings written over and over. */
export function encodeStringField(field: number, s: string): Uint8Array {
  const w = new ProtoWriter(16 + s.length * 3);
  w.string(field, s);
  return w.bytes().slice();
}
