/**
 * Writes text formats (JSON lines) straight into a byte buffer: integers as
 * ASCII digits, repeated strings from a cache of encoded bytes (or encoded
 * once by the caller, `bytes`), other strings encoded in place. Building a
 * string per event and encoding it afterwards spent most of an export in the
 * garbage collector.
 */
import type { ByteSink } from './byte-sink';

const encoder = new TextEncoder();
const FLUSH_AT = 1 << 20;

/** `s` as UTF-8, for `TextWriter.bytes` (fragments written over and over). */
export const utf8Bytes = (s: string): Uint8Array => encoder.encode(s);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class TextWriter {
  private buf = new Uint8Array(FLUSH_AT * 2);
  private pos = 0;
  private readonly cache = new Map<string, Uint8Array>();
  /** Bytes handed to the sink so far. */
  written = 0;

  /** `onFlush` sees every chunk before the sink does (hashing). */
  constructor(
    private readonly out: ByteSink,
    private readonly onFlush?: (chunk: Uint8Array) => void,
  ) {}

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Bytes encoded beforehand (`utf8Bytes`). */
  bytes(b: Uint8Array): this {
    const n = b.length;
    if (this.pos + n > this.buf.length) this.ensure(n);
    const p = this.pos;
    // A byte loop beats TypedArray#set's call only for the shortest fragments.
    if (n > 12) this.buf.set(b, p);
    else for (let i = 0; i < n; i++) this.buf[p + i] = b[i]!;
    this.pos = p + n;
    return this;
  }

  /** Text that repeats (keys, kinds, punctuation): encoded once. */
  lit(s: string): this {
    let b = this.cache.get(s);
    if (!b) {
      b = encoder.encode(s);
      if (this.cache.size < 4096) this.cache.set(s, b);
    }
    return this.bytes(b);
  }

  /** One ASCII character. */
  char(code: number): this {
    if (this.pos + 1 > this.buf.length) this.ensure(1);
    this.buf[this.pos++] = code;
    return this;
  }

  /** Any text, encoded as is (no quoting). */
  text(s: string): this {
    const n = s.length;
    this.ensure(n * 3);
    if (n <= 64) {
      // Short ASCII text (hex, names) is copied by hand: cheaper than a subarray and encodeInto.
      const buf = this.buf;
      let p = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        this.pos = p;
        return this;
      }
    }
    this.pos += encoder.encodeInto(s, this.buf.subarray(this.pos)).written;
    return this;
  }

  /** A JSON string literal, the same bytes as `JSON.stringify(s)` encoded. */
  json(s: string): this {
    const n = s.length;
    this.ensure(n + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = QUOTE;
    // Printable ASCII without quotes or backslashes is copied as is; anything else takes JSON.stringify's way.
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c >= 0x80 || c === QUOTE || c === BACKSLASH) return this.text(JSON.stringify(s));
      buf[p++] = c;
    }
    buf[p++] = QUOTE;
    this.pos = p;
    return this;
  }

  /** A safe integer in decimal. */
  int(n: number): this {
    if (this.pos + 24 > this.buf.length) this.ensure(24);
    const buf = this.buf;
    let p = this.pos;
    if (n < 0) {
      buf[p++] = 0x2d;
      n = -n;
    }
    if (n < 10) {
      buf[p] = 0x30 + n;
      this.pos = p + 1;
      return this;
    }
    if (n < 0x80000000) {
      let x = n | 0;
      const digits = x < 100 ? 2 : x < 1000 ? 3 : x < 10000 ? 4 : x < 100000 ? 5 : x < 1000000 ? 6 : x < 10000000 ? 7 : x < 100000000 ? 8 : x < 1000000000 ? 9 : 10;
      let at = p + digits;
      this.pos = at;
      while (x >= 10) {
        const q = (x / 10) | 0;
        buf[--at] = 0x30 + x - q * 10;
        x = q;
      }
      buf[--at] = 0x30 + x;
      return this;
    }
    let digits = 0;
    for (let x = n; x >= 1; x = Math.floor(x / 10)) digits++;
    let at = p + digits - 1;
    for (let x = n; at >= p; x = Math.floor(x / 10)) buf[at--] = 0x30 + (x % 10);
    this.pos = p + digits;
    return this;
  }

  /** Integer ns as µs with three exact decimals (Chrome `ts`). */
  micros(ns: number): this {
    if (ns < 0) {
      this.char(0x2d);
      ns = -ns;
    }
    const whole = Math.floor(ns / 1000);
    const frac = ns - whole * 1000;
    this.int(whole);
    if (this.pos + 4 > this.buf.length) this.ensure(4);
    const buf = this.buf;
    const p = this.pos;
    const hundreds = (frac / 100) | 0;
    const tens = ((frac - hundreds * 100) / 10) | 0;
    buf[p] = 0x2e;
    buf[p + 1] = 0x30 + hundreds;
    buf[p + 2] = 0x30 + tens;
    buf[p + 3] = 0x30 + frac - hundreds * 100 - tens * 10;
    this.pos = p + 4;
    return this;
  }

  /** null, an integer, or a JSON string. */
  value(v: number | string | null): this {
    if (v === null) return this.bytes(NULL);
    if (typeof v === 'number') return this.int(v);
    return this.json(v);
  }

  /** Flushes when the buffer is full; call between records. */
  maybeFlush(): void {
    if (this.pos >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.onFlush?.(chunk);
    this.out.write(chunk);
    this.written += this.pos;
    this.pos = 0;
  }
}

const NULL = utf8Bytes('null');
