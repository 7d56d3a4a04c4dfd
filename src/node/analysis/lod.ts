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
 *
 * Counter series (PRQ occupancy per IOMMU unit, PRI credits in use per
 * device) share the chunks: their records have the top bit of the track id
 * set (`counterTrackId`), and their u32 count and u32 seq fields hold the
 * series' largest value in the bucket (the value it entered with included)
 * and its value at the bucket's end; the f64 is zero. A series has a record
 * in every bucket where it changes and, while it is not zero, one at the
 * first bucket of every chunk, so a window's value at its start is known
 * from the chunks the window reads.
 */

export const CHUNK_BUCKETS = 256;
const CELL_BYTES = 24;
const NO_SEQ = 0xffff_ffff;

/** The counters the pyramid stores: PRQ occupancy of an IOMMU unit, PRI request credits a device holds. */
export type CounterKind = 'prq' | 'pri';
const COUNTER_FLAG = 0x8000_0000;
const COUNTER_KINDS: readonly CounterKind[] = ['prq', 'pri'];
const UNIT_MASK = 0xff_ffff;

/** The track id of a counter series: top bit set, the kind in bits 24..30, the unit (IOMMU or device RID) below. */
export function counterTrackId(kind: CounterKind, unit: number): number {
  if (!Number.isInteger(unit) || unit < 0 || unit > UNIT_MASK) throw new RangeError(`counter unit ${unit} is out of range`);
  return (COUNTER_FLAG | (COUNTER_KINDS.indexOf(kind) << 24) | unit) >>> 0;
}

/** The series of a counter track id, or null for an event track. */
export function counterOfTrack(track: number): { kind: CounterKind; unit: number } | null {
  if (track < COUNTER_FLAG) return null;
  const kind = COUNTER_KINDS[(track >>> 24) & 0x7f];
  return kind ? { kind, unit: track & UNIT_MASK } : null;
}

export interface CounterCell {
  readonly bucket: number;
  /** counterTrackId of the series. */
  readonly series: number;
  /** Largest value while the bucket lasts (the value it entered with included). */
  readonly max: number;
  /** Value at the bucket's end. */
  readonly last: number;
}

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
  private readonly counterIndex = new Map<number, number>();
  private readonly counterCells: { bucket: number; series: number; max: number; last: number }[] = [];
  /** Current value of each counter series. */
  private readonly counterNow = new Map<number, number>();

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

  /** A counter series takes `value` at time `t` (events in time order); unchanged values cost nothing. */
  counterValue(t: number, series: number, value: number): void {
    const before = this.counterNow.get(series) ?? 0;
    if (value === before) return;
    this.counterNow.set(series, value);
    const bucket = Math.floor(t / this.scale);
    const key = (bucket - Math.floor(this.firstT / this.scale)) * 4_294_967_296 + series;
    const i = this.counterIndex.get(key);
    if (i === undefined) {
      this.counterIndex.set(key, this.counterCells.length);
      this.counterCells.push({ bucket, series, max: Math.max(before, value), last: value });
    } else {
      const c = this.counterCells[i]!;
      c.max = Math.max(c.max, value);
      c.last = value;
    }
  }

  /** Chunks of every level, base first, ending at the level with one bucket. */
  *levels(lastT: number): Generator<{ level: number; chunks: LodChunk[] }> {
    let cells: LodCell[] = this.buckets
      .map((bucket, i) => ({ bucket, track: this.tracks[i]!, count: this.counts[i]!, maxDur: this.durs[i]!, maxSeq: this.seqs[i] === NO_SEQ ? null : this.seqs[i]! }))
      .sort((a, b) => a.bucket - b.bucket || a.track - b.track);
    let counters: CounterCell[] = this.counterCells.slice().sort((a, b) => a.series - b.series || a.bucket - b.bucket);
    for (let level = this.base; ; level++) {
      const lastBucket = Math.floor(lastT / 2 ** level);
      yield { level, chunks: packChunks(level, cells, withChunkStarts(counters, lastBucket)) };
      if (bucketSpan(this.firstT, lastT, level) <= 1 || level >= 62) return;
      cells = coarsen(cells);
      counters = coarsenCounters(counters);
    }
  }
}

/**
 * Level k → k+1 for counter cells sorted by (series, bucket): the larger max,
 * the later bucket's last value. A bucket without a cell held the value the
 * series entered the next cell with, which that cell's max already counts.
 */
export function coarsenCounters(cells: readonly CounterCell[]): CounterCell[] {
  const out: { bucket: number; series: number; max: number; last: number }[] = [];
  for (const c of cells) {
    const bucket = Math.floor(c.bucket / 2);
    const o = out[out.length - 1];
    if (o && o.series === c.series && o.bucket === bucket) {
      o.max = Math.max(o.max, c.max);
      o.last = c.last;
    } else out.push({ bucket, series: c.series, max: c.max, last: c.last });
  }
  return out;
}

/**
 * Adds, for every series, a cell at the first bucket of each chunk the series
 * enters with a value other than zero (up to the chunk of `lastBucket`), so
 * any window can read its starting value from its own chunks. Input and
 * output sorted by (series, bucket).
 */
export function withChunkStarts(cells: readonly CounterCell[], lastBucket: number): CounterCell[] {
  const out: CounterCell[] = [];
  const lastChunk = Math.floor(lastBucket / CHUNK_BUCKETS);
  const fill = (series: number, value: number, fromChunk: number, toChunk: number): void => {
    if (value === 0) return;
    for (let chunk = fromChunk; chunk <= toChunk; chunk++) out.push({ bucket: chunk * CHUNK_BUCKETS, series, max: value, last: value });
  };
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    out.push(c);
    const next = cells[i + 1];
    const chunk = Math.floor(c.bucket / CHUNK_BUCKETS);
    if (next && next.series === c.series) {
      const nextChunk = Math.floor(next.bucket / CHUNK_BUCKETS);
      // The next cell's chunk needs a start cell only when that cell is not at its first bucket.
      fill(c.series, c.last, chunk + 1, next.bucket % CHUNK_BUCKETS === 0 ? nextChunk - 1 : nextChunk);
    } else fill(c.series, c.last, chunk + 1, lastChunk);
  }
  return out;
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

/** One chunk's records: event cells, then counter cells, each in bucket order. */
function packChunks(level: number, cells: readonly LodCell[], counters: readonly CounterCell[]): LodChunk[] {
  const byChunk = new Map<number, { cells: LodCell[]; counters: CounterCell[] }>();
  const entry = (bucket: number): { cells: LodCell[]; counters: CounterCell[] } => {
    const chunk = Math.floor(bucket / CHUNK_BUCKETS);
    let e = byChunk.get(chunk);
    if (!e) byChunk.set(chunk, (e = { cells: [], counters: [] }));
    return e;
  };
  for (const c of cells) entry(c.bucket).cells.push(c);
  for (const c of counters) entry(c.bucket).counters.push(c);
  const u32 = (n: number): number => Math.min(Math.max(0, n), 0xffff_ffff);
  const chunks: LodChunk[] = [];
  for (const chunk of [...byChunk.keys()].sort((a, b) => a - b)) {
    const e = byChunk.get(chunk)!;
    const counterCells = e.counters.sort((a, b) => a.bucket - b.bucket || a.series - b.series);
    const bytes = new Uint8Array((e.cells.length + counterCells.length) * CELL_BYTES);
    const view = new DataView(bytes.buffer);
    let at = 0;
    for (const c of e.cells) {
      view.setFloat64(at, c.maxDur, true);
      view.setUint32(at + 8, u32(c.count), true);
      view.setUint32(at + 12, c.maxSeq === null ? NO_SEQ : Math.min(c.maxSeq, NO_SEQ - 1), true);
      view.setUint32(at + 16, c.track, true);
      view.setUint16(at + 20, c.bucket - chunk * CHUNK_BUCKETS, true);
      at += CELL_BYTES;
    }
    for (const c of counterCells) {
      view.setUint32(at + 8, u32(c.max), true);
      view.setUint32(at + 12, u32(c.last), true);
      view.setUint32(at + 16, c.series, true);
      view.setUint16(at + 20, c.bucket - chunk * CHUNK_BUCKETS, true);
      at += CELL_BYTES;
    }
    chunks.push({ level, chunk, cells: bytes });
  }
  return chunks;
}

/** Decodes one stored chunk, calling `visit` for each event cell (null: skip them) and `visitCounter` for each counter cell (each in bucket order). */
export function decodeChunk(chunk: number, cells: Uint8Array, visit: ((c: LodCell) => void) | null, visitCounter?: (c: CounterCell) => void): void {
  const view = new DataView(cells.buffer, cells.byteOffset, cells.byteLength);
  for (let at = 0; at + CELL_BYTES <= cells.byteLength; at += CELL_BYTES) {
    const track = view.getUint32(at + 16, true);
    const bucket = chunk * CHUNK_BUCKETS + view.getUint16(at + 20, true);
    if (track >= COUNTER_FLAG) {
      visitCounter?.({ bucket, series: track, max: view.getUint32(at + 8, true), last: view.getUint32(at + 12, true) });
      continue;
    }
    if (!visit) continue;
    const seq = view.getUint32(at + 12, true);
    visit({ maxDur: view.getFloat64(at, true), count: view.getUint32(at + 8, true), maxSeq: seq === NO_SEQ ? null : seq, track, bucket });
  }
}
