/**
 * Trace files travel to the host as base64 text in chunks of at most 512 KiB
 * decoded (WorkbenchApi.uploadChunk): JSON-safe on both transports, small
 * enough that a large file never sits whole in one message.
 */

/** Largest decoded chunk uploadChunk accepts, bytes. */
export const UPLOAD_CHUNK_BYTES = 512 * 1024;

/** Bytes per String.fromCharCode call: far below engines' argument limits. */
const CHAR_BATCH = 0x8000;

/** Standard base64 (RFC 4648, with padding) of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHAR_BATCH) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHAR_BATCH));
  }
  return btoa(binary);
}

export interface ChunkRange {
  /** Byte offset of the chunk in the file. */
  readonly offset: number;
  /** Exclusive end offset. */
  readonly end: number;
}

/** Consecutive ranges covering [0, total), each at most `chunkBytes` long. */
export function chunkRanges(total: number, chunkBytes = UPLOAD_CHUNK_BYTES): ChunkRange[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`file size ${total} is not a byte count`);
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0) throw new RangeError(`chunk size ${chunkBytes} must be a positive integer`);
  const out: ChunkRange[] = [];
  for (let offset = 0; offset < total; offset += chunkBytes) out.push({ offset, end: Math.min(total, offset + chunkBytes) });
  return out;
}

export interface EncodedChunk {
  readonly offset: number;
  /** Decoded length of `data`, bytes. */
  readonly bytes: number;
  /** base64 of the chunk. */
  readonly data: string;
}

/**
 * Reads `source` (a File, any Blob, or bytes already in memory) one chunk at a
 * time and yields each as base64, so at most one chunk is decoded at once.
 */
export async function* base64Chunks(source: Blob | ArrayBuffer | Uint8Array, chunkBytes = UPLOAD_CHUNK_BYTES): AsyncGenerator<EncodedChunk> {
  const size = source instanceof Blob ? source.size : source.byteLength;
  for (const { offset, end } of chunkRanges(size, chunkBytes)) {
    const bytes =
      source instanceof Blob
        ? new Uint8Array(await source.slice(offset, end).arrayBuffer())
        : source instanceof Uint8Array
          ? source.subarray(offset, end)
          : new Uint8Array(source, offset, end - offset);
    yield { offset, bytes: bytes.length, data: bytesToBase64(bytes) };
  }
}
