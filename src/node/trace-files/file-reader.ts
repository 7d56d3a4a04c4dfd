/**
 * Synchronous, constant-memory readers for untrusted trace files (imports run
 * inside one SQLite transaction, which cannot span an await): a chunked byte
 * reader, a line splitter that refuses over-long lines before buffering them,
 * and strict UTF-8 decoding.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { TraceFileError } from './validate';

const CHUNK = 1 << 20;

export class ChunkReader {
  private readonly fd: number;
  readonly size: number;
  private readonly buf = new Uint8Array(CHUNK);
  private closed = false;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch (e) {
      throw new TraceFileError(`${path}: cannot open: ${(e as Error).message}`);
    }
    const st = fstatSync(this.fd);
    if (!st.isFile()) {
      closeSync(this.fd);
      throw new TraceFileError(`${path}: not a regular file`);
    }
    this.size = st.size;
  }

  /** The next chunk (a view valid until the next call), or null at the end. */
  next(): Uint8Array | null {
    if (this.closed) return null;
    const n = readSync(this.fd, this.buf, 0, CHUNK, null);
    if (n === 0) {
      this.close();
      return null;
    }
    return this.buf.subarray(0, n);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** First bytes of a file, for format detection. */
export function readHead(path: string, bytes = 256): Uint8Array {
  const r = new ChunkReader(path);
  try {
    return (r.next() ?? new Uint8Array(0)).slice(0, bytes);
  } finally {
    r.close();
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(bytes: Uint8Array, where: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new TraceFileError(`${where}: not valid UTF-8`);
  }
}

/**
 * Yields each line's bytes (without the newline) and whether it ended with
 * one. `maxLine(n)` gives the longest allowed length of line n (1-based).
 */
export function* lines(reader: ChunkReader, maxLine: (lineNo: number) => number): Generator<{ bytes: Uint8Array; lineNo: number; terminated: boolean }> {
  let carry: Uint8Array[] = [];
  let carryLen = 0;
  let lineNo = 1;
  for (let chunk = reader.next(); chunk; chunk = reader.next()) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      if (carryLen + (end - start) > maxLine(lineNo))
        throw new TraceFileError(`${reader.path}:${lineNo}: line longer than ${maxLine(lineNo)} bytes (corrupt or hostile file)`);
      if (nl < 0) {
        if (end > start) {
          carry.push(chunk.slice(start, end));
          carryLen += end - start;
        }
        break;
      }
      let bytes: Uint8Array;
      if (carryLen === 0) bytes = chunk.slice(start, nl);
      else {
        bytes = new Uint8Array(carryLen + (nl - start));
        let at = 0;
        for (const c of carry) {
          bytes.set(c, at);
          at += c.length;
        }
        bytes.set(chunk.subarray(start, nl), at);
        carry = [];
        carryLen = 0;
      }
      yield { bytes, lineNo, terminated: true };
      lineNo++;
      start = nl + 1;
    }
  }
  if (carryLen > 0) {
    const bytes = new Uint8Array(carryLen);
    let at = 0;
    for (const c of carry) {
      bytes.set(c, at);
      at += c.length;
    }
    yield { bytes, lineNo, terminated: false };
  }
}
