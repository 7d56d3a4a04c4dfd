/**
 * Where exporters write: a sink of byte chunks. `FileByteSink` buffers about
 * 1 MiB and writes it with one syscall, into `<file>.partial` first and renamed
 * over the target when the export completes, so a failed export never leaves a
 * truncated file behind. Memory stays constant whatever the session size.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export interface ByteSink {
  write(chunk: Uint8Array | string): void;
}

const encoder = new TextEncoder();
const FLUSH_AT = 1 << 20;

export class FileByteSink implements ByteSink {
  private readonly fd: number;
  private readonly tmp: string;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private done = false;
  /** Bytes written so far. */
  bytes = 0;

  constructor(private readonly path: string) {
    this.tmp = `${path}.partial`;
    this.fd = openSync(this.tmp, 'w');
  }

  write(chunk: Uint8Array | string): void {
    const b = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    this.bytes += b.length;
    if (b.length >= FLUSH_AT / 4) {
      // Big chunks (the writers hand over about 1 MiB at a time) go straight to the file.
      this.flush();
      this.writeAll(b);
      return;
    }
    this.pending.push(typeof chunk === 'string' ? b : b.slice());
    this.pendingBytes += b.length;
    if (this.pendingBytes >= FLUSH_AT) this.flush();
  }

  private writeAll(b: Uint8Array): void {
    let off = 0;
    while (off < b.length) off += writeSync(this.fd, b, off, b.length - off);
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const all = new Uint8Array(this.pendingBytes);
    let at = 0;
    for (const p of this.pending) {
      all.set(p, at);
      at += p.length;
    }
    this.writeAll(all);
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Flushes, closes and moves the file into place. */
  commit(): void {
    if (this.done) return;
    this.flush();
    closeSync(this.fd);
    this.done = true;
    renameSync(this.tmp, this.path);
  }

  /** Closes and deletes the partial file (after an error). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    try {
      closeSync(this.fd);
    } finally {
      rmSync(this.tmp, { force: true });
    }
  }
}

/** Collects everything in memory (tests). */
export class MemoryByteSink implements ByteSink {
  private readonly parts: Uint8Array[] = [];
  write(chunk: Uint8Array | string): void {
    this.parts.push(typeof chunk === 'string' ? encoder.encode(chunk) : chunk.slice());
  }
  bytes(): Uint8Array {
    const n = this.parts.reduce((a, p) => a + p.length, 0);
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}
