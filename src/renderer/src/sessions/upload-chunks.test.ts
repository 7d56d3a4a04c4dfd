import { describe, expect, it } from 'vitest';
import { base64Chunks, bytesToBase64, chunkRanges, UPLOAD_CHUNK_BYTES } from './upload-chunks';

const decode = (b64: string): Uint8Array => Uint8Array.from(Buffer.from(b64, 'base64'));

describe('upload chunks', () => {
  it('encodes bytes as standard padded base64', () => {
    const bytes = new TextEncoder().encode('iopf\u00e9');
    expect(bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    expect(bytesToBase64(new Uint8Array([0xff, 0x00]))).toBe('/wA=');
    expect(bytesToBase64(new Uint8Array())).toBe('');
  });

  it('encodes more bytes than one String.fromCharCode batch', () => {
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);
    expect(bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
  });

  it('cuts a size into consecutive ranges of at most the chunk size', () => {
    expect(chunkRanges(0)).toEqual([]);
    expect(chunkRanges(10, 4)).toEqual([
      { offset: 0, end: 4 },
      { offset: 4, end: 8 },
      { offset: 8, end: 10 },
    ]);
    expect(chunkRanges(2 * UPLOAD_CHUNK_BYTES)).toHaveLength(2);
    expect(() => chunkRanges(-1)).toThrow(/not a byte count/);
    expect(() => chunkRanges(5, 0)).toThrow(/positive/);
  });

  it('reads a Blob chunk by chunk and the chunks decode back to the file', async () => {
    const bytes = Uint8Array.from({ length: 2 * UPLOAD_CHUNK_BYTES + 123 }, (_, i) => (i * 31 + 5) & 0xff);
    const chunks = [];
    for await (const c of base64Chunks(new Blob([bytes]))) chunks.push(c);
    expect(chunks.map((c) => c.offset)).toEqual([0, UPLOAD_CHUNK_BYTES, 2 * UPLOAD_CHUNK_BYTES]);
    expect(chunks.every((c) => decode(c.data).length === c.bytes && c.bytes <= UPLOAD_CHUNK_BYTES)).toBe(true);
    const joined = new Uint8Array(bytes.length);
    for (const c of chunks) joined.set(decode(c.data), c.offset);
    expect(Buffer.compare(joined, bytes)).toBe(0);
  });

  it('reads ArrayBuffers and byte views the same way as Blobs', async () => {
    const bytes = Uint8Array.from({ length: 10 }, (_, i) => i);
    const fromBuffer = [];
    for await (const c of base64Chunks(bytes.buffer, 4)) fromBuffer.push(c.data);
    const fromView = [];
    for await (const c of base64Chunks(bytes.subarray(0), 4)) fromView.push(c.data);
    const fromBlob = [];
    for await (const c of base64Chunks(new Blob([bytes]), 4)) fromBlob.push(c.data);
    expect(fromBuffer).toEqual(fromBlob);
    expect(fromView).toEqual(fromBlob);
    expect(fromBlob.map((d) => [...decode(d)])).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  });
});
