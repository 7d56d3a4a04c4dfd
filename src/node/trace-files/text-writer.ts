/**
 * Writes text formats (JSON lines) straight into a byte buffer: integers as
 * ASCII digits, repeated strings from a cache of encoded bytes, other strings
 * encoded in place. Building a string per event and encoding it afterwards
 * spent most of an export in the garbage collector.
 */
import type { ByteSink } from './byte-sink';

const encoder = new TextEncoder();
const FLUSH_AT = 1 << 20;

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

  /** Text that repeats (keys, kinds, punctuation): encoded once. */
  lit(s: string): this {
    let b = this.cache.get(s);
    if (!b) {
      b = encoder.encode(s);
      if (this.cache.size < 4096) this.cache.set(s, b);
    }
    const n = b.length;
    this.ensure(n);
    if (n > 32) this.buf.set(b, this.pos);
    else for (let i = 0; i < n; i++) this.buf[this.pos + i] = b[i]!;
    this.pos += n;
    return this;
  }

  /** Any text, encoded as is (no quoting). */
  text(s: string): this {
    this.ensure(s.length * 3);
    this.pos += encoder.encodeInto(s, this.buf.subarray(this.pos)).written;
    return this;
  }

  /** A JSON string literal. */
  json(s: string): this {
    return this.text(JSON.stringify(s));
  }

  /** A safe integer in decimal. */
  int(n: number): this {
    this.ensure(24);
    if (n < 0) {
      this.buf[this.pos++] = 0x2d;
      n = -n;
    }
    if (n < 10) {
      this.buf[this.pos++] = 0x30 + n;
      return this;
    }
    let digits = 0;
    for (let x = n; x >= 1; x = Math.floor(x / 10)) digits++;
    let at = this.pos + digits - 1;
    for (let x = n; at >= this.pos; x = Math.floor(x / 10)) this.buf[at--] = 0x30 + (x % 10);
    this.pos += digits;
    return this;
  }

  /** Integer ns as µs with three exact decimals (Chrome `ts`). */
  micros(ns: number): this {
    if (ns < 0) {
      this.lit('-');
      ns = -ns;
    }
    const whole = Math.floor(ns / 1000);
    const frac = ns - whole * 1000;
    this.int(whole);
    this.ensure(4);
    this.buf[this.pos++] = 0x2e;
    this.buf[this.pos++] = 0x30 + Math.floor(frac / 100);
    this.buf[this.pos++] = 0x30 + (Math.floor(frac / 10) % 10);
    this.buf[this.pos++] = 0x30 + (frac % 10);
    return this;
  }

  /** null, an integer, or a JSON string. */
  value(v: number | string | null): this {
    if (v === null) return this.lit('null');
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
