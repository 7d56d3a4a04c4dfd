/**
 * Level-of-detail pyramid for the timeline (a per-track mipmap, as Perfetto's
 * slice mipmap does per pixel). Level k has buckets of 2^k ns, absolute:
 * bucket b covers [b·2^k, (b+1)·2^k). A cell is one (bucket, track) with at
 * least one event: how many events of the track fall in the bucket, and the
 * longest slice that *starts* in it (duration and the seq of its first event).
 *
 * The base level is the finest whose bucket count over the session stays
 * ≤ `maxBaseBuckets` (about one bucket per 16 events); each level above halves
 * the resolution, up to the level where the session is one bucket. Cells are
 * stored per (level, chunk of 256 buckets) as a packed blob of 24-byte records:
 * f64 longest slice ns · u32 count · u32 seq of that slice (0xffffffff: none) ·
 * u32 track id · u16 bucket within the chunk · u16 zero.
 */

export const CHUNK_BUCKETS = 256;
const CELL_BYTES = 24;
const NO_SEQ = 0xffff_ffff;

export interface LodCell {
  /** Absolute bucket index at the cell's level. */
  readonly bucket: number;
  readonly track: number;
  readonly count: number;
  /** Longest slice starting in the bucket, ns (0 when none). */
  readonly maxDur: number;
  /** seq of that slice's first event, or null. */
  readonly maxSeq: number | null;
}

export interface LodChunk {
  readonly level: number;
  readonly chunk: number;
  readonly cells: Uint8Array;
}

/** Bucket count of [firstT, lastT] at level k. */
export const bucketSpan = (firstT: number, lastT: number, k: number): number => Math.floor(lastT / 2 ** k) - Math.floor(firstT / 2 ** k) + 1;

/** The base level for a session of `events` events over [firstT, lastT]. */
export function lodBaseLevel(events: number, firstT: number, lastT: number): number {
  const target = Math.min(131_072, Math.max(256, 2 ** Math.ceil(Math.log2(Math.max(1, events / 16)))));
  let k = 0;
  while (bucketSpan(firstT, lastT, k) > target) k++;
  return k;
}

/** Accumulates the base level in memory and derives the coarser ones. */
export class LodBuilder {
  private readonly index = new Map<number, number>();
  private readonly buckets: number[] = [];
  private readonly tracks: number[] = [];
  private readonly counts: number[] = [];
  private readonly durs: number[] = [];
  private readonly seqs: number[] = [];
  private readonly scale: number;

  constructor(
    readonly base: number,
    private readonly firstT: number,
  ) {
    this.scale = 2 ** base;
  }

  private cell(t: number, track: number): number {
    const bucket = Math.floor(t / this.scale);
    const key = (bucket - Math.floor(this.firstT / this.scale)) * 4_294_967_296 + track;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.buckets.length;
      this.index.set(key, i);
      this.buckets.push(bucket);
      this.tracks.push(track);
      this.counts.push(0);
      this.durs.push(0);
      this.seqs.push(NO_SEQ);
    }
    return i;
  }

  countEvent(t: number, track: number): void {
    this.counts[this.cell(t, track)]!++;
  }

  addSlice(startT: number, track: number, dur: number, startSeq: number): void {
    const i = this.cell(startT, track);
    if (dur > this.durs[i]! || this.seqs[i] === NO_SEQ) {
      this.durs[i] = dur;
      this.seqs[i] = startSeq;
    }
  }

  /** Chunks of every level, base first, ending at the level with one bucket. */
  *levels(lastT: number): Generator<{ level: number; chunks: LodChunk[] }> {
    let cells: LodCell[] = this.buckets
      .map((bucket, i) => ({ bucket, track: this.tracks[i]!, count: this.counts[i]!, maxDur: this.durs[i]!, maxSeq: this.seqs[i] === NO_SEQ ? null : this.seqs[i]! }))
      .sort((a, b) => a.bucket - b.bucket || a.track - b.track);
    for (let level = this.base; ; level++) {
      yield { level, chunks: packChunks(level, cells) };
      if (bucketSpan(this.firstT, lastT, level) <= 1 || level >= 62) return;
      cells = coarsen(cells);
    }
  }
}

/** Level k → k+1: buckets pair up, counts add, the longest slice wins. Input sorted by (bucket, track). */
export function coarsen(cells: readonly LodCell[]): LodCell[] {
  const out: LodCell[] = [];
  let i = 0;
  while (i < cells.length) {
    const bucket = Math.floor(cells[i]!.bucket / 2);
    const group = new Map<number, { bucket: number; track: number; count: number; maxDur: number; maxSeq: number | null }>();
    for (; i < cells.length && Math.floor(cells[i]!.bucket / 2) === bucket; i++) {
      const c = cells[i]!;
      const o = group.get(c.track);
      if (!o) group.set(c.track, { bucket, track: c.track, count: c.count, maxDur: c.maxDur, maxSeq: c.maxSeq });
      else {
        o.count += c.count;
        if (c.maxSeq !== null && (o.maxSeq === null || c.maxDur > o.maxDur)) {
          o.maxDur = c.maxDur;
          o.maxSeq = c.maxSeq;
        }
      }
    }
    out.push(...[...group.values()].sort((a, b) => a.track - b.track));
  }
  return out;
}

function packChunks(level: number, cells: readonly LodCell[]): LodChunk[] {
  const chunks: LodChunk[] = [];
  let i = 0;
  while (i < cells.length) {
    const chunk = Math.floor(cells[i]!.bucket / CHUNK_BUCKETS);
    let j = i;
    while (j < cells.length && Math.floor(cells[j]!.bucket / CHUNK_BUCKETS) === chunk) j++;
    const bytes = new Uint8Array((j - i) * CELL_BYTES);
    const view = new DataView(bytes.buffer);
    for (let k = i; k < j; k++) {
      const c = cells[k]!;
      const at = (k - i) * CELL_BYTES;
      view.setFloat64(at, c.maxDur, true);
      view.setUint32(at + 8, Math.min(c.count, 0xffff_ffff), true);
      view.setUint32(at + 12, c.maxSeq === null ? NO_SEQ : Math.min(c.maxSeq, NO_SEQ - 1), true);
      view.setUint32(at + 16, c.track, true);
      view.setUint16(at + 20, c.bucket - chunk * CHUNK_BUCKETS, true);
    }
    chunks.push({ level, chunk, cells: bytes });
    i = j;
  }
  return chunks;
}

/** Decodes one stored chunk, calling `visit` for each cell. */
export function decodeChunk(chunk: number, cells: Uint8Array, visit: (c: LodCell) => void): void {
  const view = new DataView(cells.buffer, cells.byteOffset, cells.byteLength);
  for (let at = 0; at + CELL_BYTES <= cells.byteLength; at += CELL_BYTES) {
    const seq = view.getUint32(at + 12, true);
    visit({
      maxDur: view.getFloat64(at, true),
      count: view.getUint32(at + 8, true),
      maxSeq: seq === NO_SEQ ? null : seq,
      track: view.getUint32(at + 16, true),
      bucket: chunk * CHUNK_BUCKETS + view.getUint16(at + 20, true),
    });
  }
}
