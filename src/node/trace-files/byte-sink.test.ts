import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTempDatabases } from '../recorder/testing/fixtures';
import { FileByteSink } from './byte-sink';

useTempDatabases();

/** `n` bytes, each chunk distinct so a reordered or lost chunk shows. */
function chunks(count: number, size: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const b = new Uint8Array(size);
    for (let j = 0; j < size; j++) b[j] = (i * 31 + j) & 0xff;
    return b;
  });
}

const concat = (parts: Uint8Array[]): Buffer => Buffer.concat(parts.map((p) => Buffer.from(p)));

describe('FileByteSink', () => {
  it('writes big outputs through the writer thread, in order, with small chunks and strings in between', () => {
    const path = join(tempDir(), 'out.bin');
    const sink = new FileByteSink(path);
    const expected: Uint8Array[] = [];
    // 1 MiB chunks (what the exporters hand over), one bigger than a slot, small pieces between them.
    for (const c of [...chunks(6, 1 << 20), ...chunks(1, 9 << 20), ...chunks(3, (1 << 20) + 17)]) {
      sink.write(c);
      expected.push(c);
      const small = new TextEncoder().encode(`small ${expected.length}\n`);
      sink.write(`small ${expected.length}\n`);
      expected.push(small);
    }
    expect(sink.threaded).toBe(true);
    expect(existsSync(path)).toBe(false); // only the .partial file until commit
    sink.commit();
    expect(readFileSync(path).equals(concat(expected))).toBe(true);
    expect(sink.bytes).toBe(concat(expected).length);
    expect(existsSync(`${path}.partial`)).toBe(false);
  });

  it('writes in the calling thread when told to, with the same bytes', () => {
    const path = join(tempDir(), 'out.bin');
    const sink = new FileByteSink(path, { writerThread: false });
    const parts = chunks(4, 1 << 20);
    parts.forEach((c) => sink.write(c));
    expect(sink.threaded).toBe(false);
    sink.commit();
    expect(readFileSync(path).equals(concat(parts))).toBe(true);
  });

  it('abort after threaded writes leaves no file behind', () => {
    const path = join(tempDir(), 'out.bin');
    const sink = new FileByteSink(path);
    chunks(5, 1 << 20).forEach((c) => sink.write(c));
    expect(sink.threaded).toBe(true);
    sink.abort();
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.partial`)).toBe(false);
  });
});
