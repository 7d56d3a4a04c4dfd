/**
 * Where exporters write: a sink of byte chunks. `FileByteSink` buffers about
 * 1 MiB and writes it with one syscall, into `<file>.partial` first and renamed
 * over the target when the export completes, so a failed export never leaves a
 * truncated file behind. Memory stays constant whatever the session size.
 *
 * From the second big chunk on, the writes move to a writer thread: the
 * exporter copies each chunk into one of a few shared slots and goes on
 * formatting while the thread hands the previous one to the kernel (a write
 * into fresh page cache costs about as much as formatting the bytes). The
 * sink stays synchronous: `commit` waits until every slot is written, and a
 * write error is thrown by the next `write` or by `commit`.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

export interface ByteSink {
  write(chunk: Uint8Array | string): void;
}

const encoder = new TextEncoder();
const FLUSH_AT = 1 << 20;

export interface FileByteSinkOptions {
  /** Write through a writer thread once the output passes one big chunk (default true). */
  readonly writerThread?: boolean;
}

export class FileByteSink implements ByteSink {
  private readonly fd: number;
  private readonly tmp: string;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private done = false;
  private bigChunks = 0;
  private writer: WriterThread | undefined;
  /** Bytes written so far. */
  bytes = 0;

  constructor(
    private readonly path: string,
    private readonly options: FileByteSinkOptions = {},
  ) {
    this.tmp = `${path}.partial`;
    this.fd = openSync(this.tmp, 'w');
  }

  /** True once writes go through the writer thread. */
  get threaded(): boolean {
    return this.writer !== undefined;
  }

  write(chunk: Uint8Array | string): void {
    const b = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    this.bytes += b.length;
    if (b.length >= FLUSH_AT / 4) {
      // Big chunks (the writers hand over about 1 MiB at a time) go straight to the file.
      this.flush();
      this.writeBig(b);
      return;
    }
    this.pending.push(typeof chunk === 'string' ? b : b.slice());
    this.pendingBytes += b.length;
    if (this.pendingBytes >= FLUSH_AT) this.flush();
  }

  private writeBig(b: Uint8Array): void {
    if (!this.writer && ++this.bigChunks >= 2 && this.options.writerThread !== false) this.writer = WriterThread.start(this.fd);
    if (this.writer?.write(b)) return;
    this.writer?.drain(); // keep the order when a chunk is too big for a slot
    writeAll(this.fd, b);
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const all = new Uint8Array(this.pendingBytes);
    let at = 0;
    for (const p of this.pending) {
      all.set(p, at);
      at += p.length;
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.writeBig(all);
  }

  /** Flushes, closes and moves the file into place. */
  commit(): void {
    if (this.done) return;
    this.flush();
    this.writer?.drain();
    this.done = true;
    this.writer?.stop();
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }

  /** Closes and deletes the partial file (after an error). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    // The thread must be done with the descriptor before it is closed (its number can be reused at once).
    try {
      this.writer?.drain();
    } catch {
      /* the export failed already; this error adds nothing */
    }
    this.writer?.stop();
    try {
      closeSync(this.fd);
    } finally {
      rmSync(this.tmp, { force: true });
    }
  }
}

function writeAll(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off);
}

// The writer thread's shared state: control words, then the slots.
const SLOTS = 4;
const SLOT_BYTES = 4 << 20;
const FILLED = 0; // slots handed over (exporter)
const WRITTEN = 1; // slots written (writer thread)
const STOP = 2;
const FAILED = 3;
const LENGTHS = 4; // SLOTS words

/** Plain CommonJS, started with `eval: true` so no build step has to ship a file for it. */
const WRITER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { fd, shared, port } = workerData;
const c = new Int32Array(shared, 0, ${LENGTHS + SLOTS});
const data = new Uint8Array(shared, ${(LENGTHS + SLOTS) * 4});
let written = 0;
for (;;) {
  const filled = Atomics.load(c, ${FILLED});
  if (written === filled) {
    if (Atomics.load(c, ${STOP})) break;
    Atomics.wait(c, ${FILLED}, filled, 1000);
    continue;
  }
  const slot = written % ${SLOTS};
  const len = c[${LENGTHS} + slot];
  try {
    let off = 0;
    while (off < len) off += writeSync(fd, data, slot * ${SLOT_BYTES} + off, len - off);
  } catch (e) {
    port.postMessage(e && e.message ? String(e.message) : String(e));
    Atomics.store(c, ${FAILED}, 1);
    Atomics.store(c, ${WRITTEN}, filled);
    Atomics.notify(c, ${WRITTEN});
    break;
  }
  written++;
  Atomics.store(c, ${WRITTEN}, written);
  Atomics.notify(c, ${WRITTEN});
}
`;

class WriterThread {
  private filled = 0;

  private constructor(
    private readonly c: Int32Array,
    private readonly data: Uint8Array,
    private readonly port: MessagePort,
  ) {}

  /** A writer thread on `fd`, or undefined where none can start (the sink then writes in place). */
  static start(fd: number): WriterThread | undefined {
    const shared = new SharedArrayBuffer((LENGTHS + SLOTS) * 4 + SLOTS * SLOT_BYTES);
    const { port1, port2 } = new MessageChannel();
    try {
      const worker = new Worker(WRITER_SOURCE, { eval: true, workerData: { fd, shared, port: port2 }, transferList: [port2] });
      // The exporter never yields to the event loop while it writes: nothing must keep the process alive afterwards.
      worker.unref();
      return new WriterThread(new Int32Array(shared, 0, LENGTHS + SLOTS), new Uint8Array(shared, (LENGTHS + SLOTS) * 4), port1);
    } catch {
      port1.close();
      return undefined;
    }
  }

  /** Copies `b` into the next free slot; false when it does not fit one. */
  write(b: Uint8Array): boolean {
    if (b.length > SLOT_BYTES) return false;
    this.waitUntilWritten(this.filled - SLOTS + 1);
    const slot = this.filled % SLOTS;
    this.data.set(b, slot * SLOT_BYTES);
    this.c[LENGTHS + slot] = b.length;
    Atomics.store(this.c, FILLED, ++this.filled);
    Atomics.notify(this.c, FILLED);
    return true;
  }

  /** Waits until every slot handed over is in the file. */
  drain(): void {
    this.waitUntilWritten(this.filled);
  }

  private waitUntilWritten(n: number): void {
    for (;;) {
      const written = Atomics.load(this.c, WRITTEN);
      if (Atomics.load(this.c, FAILED)) {
        const m = receiveMessageOnPort(this.port);
        throw new Error(`writing the export: ${m ? String(m.message) : 'the writer thread failed'}`);
      }
      if (written >= n) return;
      Atomics.wait(this.c, WRITTEN, written, 1000);
    }
  }

  /** Ends the thread; call after drain(): it then never touches the descriptor again. */
  stop(): void {
    Atomics.store(this.c, STOP, 1);
    Atomics.notify(this.c, FILLED);
    this.port.close();
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
