/**
 * Streaming a run's events from the scenario worker to its parent (verified
 * replay compares them as they come): the worker packs events into the
 * recorder's typed-array batches (PackedBatch), posts each full batch with its
 * buffers transferred, and waits while `maxInFlight` batches are not yet
 * acknowledged, so an engine faster than its consumer cannot flood the
 * parent's memory. The parent reads rows out of a batch as EventRow (the form
 * rows come back from SQLite in) and acknowledges the batch through shared
 * words.
 */
import { EVENT_KINDS, LAYERS, toHex, type EventRow, type TraceEvent } from '../../shared/events';
import { PackedBatch, PACKED_NUMBERS } from '../recorder/writer-thread';

/** One posted batch: PackedBatch's fields, its buffers moved to the receiver. */
export interface PackedEvents {
  readonly rows: number;
  readonly nums: Float64Array;
  readonly rawAt: Int32Array;
  readonly bytes: Uint8Array;
  readonly notes: readonly (string | null)[];
  readonly big: readonly (readonly [number, number, bigint])[];
}

/** Words of the stream's SharedArrayBuffer (Int32). */
const POSTED_BATCHES = 0;
const POSTED_EVENTS = 1;
const ACKED_BATCHES = 2;
const ACKED_EVENTS = 3;
const CONTROL_WORDS = 4;

export const STREAM_DEFAULTS = { batchEvents: 2048, maxInFlight: 4 } as const;

/** What the parent hands the worker to stream with. */
export interface StreamInput {
  readonly control: SharedArrayBuffer;
  readonly batchEvents: number;
  readonly maxInFlight: number;
}

export function createStreamControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT);
}

/** How long one wait for an acknowledgement blocks before the worker shows it is alive, ms. */
const WAIT_SLICE_MS = 50;

export interface StreamWriterHooks {
  /** Posts a batch, moving the listed buffers. */
  readonly post: (batch: PackedEvents, transfer: ArrayBuffer[]) => void;
  /** Called between waits for the parent: the worker is alive, only waiting (the heartbeat). */
  readonly waiting: () => void;
  /** Called after a wait with its length, ms (taken out of the script's slice time). */
  readonly waited: (ms: number) => void;
}

/** Worker side: packs events, posts full batches, waits for the parent's acknowledgements. */
export class EventStreamWriter {
  private readonly c: Int32Array;
  private batch: PackedBatch;
  private posted = 0;
  private postedEvents = 0;

  constructor(
    private readonly input: StreamInput,
    private readonly hooks: StreamWriterHooks,
  ) {
    this.c = new Int32Array(input.control);
    this.batch = new PackedBatch(input.batchEvents);
  }

  add(e: TraceEvent): void {
    // The plain u64 IOVA (not the recorder's signed storage form): the reader turns it into hex as toEventRow does.
    this.batch.add(e, EVENT_KINDS.indexOf(e.kind), LAYERS.indexOf(e.layer), e.addr);
    if (this.batch.full) this.flush();
  }

  /** Posts the events not posted yet (the last, partial batch at the end of a run). */
  flush(): void {
    const b = this.batch;
    if (b.rows === 0) return;
    this.waitForRoom();
    this.batch = new PackedBatch(this.input.batchEvents);
    const message: PackedEvents = { rows: b.rows, nums: b.nums, rawAt: b.rawAt, bytes: b.bytes, notes: b.notes, big: b.big };
    this.posted++;
    this.postedEvents += b.rows;
    Atomics.store(this.c, POSTED_BATCHES, this.posted);
    Atomics.store(this.c, POSTED_EVENTS, this.postedEvents);
    this.hooks.post(message, [b.nums.buffer as ArrayBuffer, b.rawAt.buffer as ArrayBuffer, b.bytes.buffer as ArrayBuffer]);
  }

  /** Blocks while `maxInFlight` batches wait for the parent. */
  private waitForRoom(): void {
    let acked = Atomics.load(this.c, ACKED_BATCHES);
    if (this.posted - acked < this.input.maxInFlight) return;
    const t0 = performance.now();
    while (this.posted - acked >= this.input.maxInFlight) {
      // Timed waits: a terminated worker notices at the next slice, and the watchdog sees a beat each time.
      Atomics.wait(this.c, ACKED_BATCHES, acked, WAIT_SLICE_MS);
      this.hooks.waiting();
      acked = Atomics.load(this.c, ACKED_BATCHES);
    }
    this.hooks.waited(performance.now() - t0);
  }
}

/** Parent side: the stream's shared words. */
export class EventStreamControl {
  private readonly c: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.c = new Int32Array(buffer);
  }

  /** Events the worker posted that the parent has not acknowledged (all held in the parent's memory). */
  get unacknowledgedEvents(): number {
    return Atomics.load(this.c, POSTED_EVENTS) - Atomics.load(this.c, ACKED_EVENTS);
  }

  /** The parent is done with a batch: the worker may post another. */
  acknowledge(batch: PackedEvents): void {
    Atomics.add(this.c, ACKED_EVENTS, batch.rows);
    Atomics.add(this.c, ACKED_BATCHES, 1);
    Atomics.notify(this.c, ACKED_BATCHES);
  }
}

// Column positions in PackedBatch.nums (PACKED_NUMBERS order).
const col = (name: (typeof PACKED_NUMBERS)[number]): number => PACKED_NUMBERS.indexOf(name);
const W = PACKED_NUMBERS.length;
const [SEQ, T, KIND, LAYER, DEV, PASID, GRPID, COOKIE, ADDR, PERM, CODE, ERRNO, PARENT, LINE, IOMMU] = (
  ['seq', 't', 'kind', 'layer', 'dev', 'pasid', 'grpid', 'cookie', 'addr', 'perm', 'code', 'errno', 'parent', 'line', 'iommu'] as const
).map(col) as [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];

/** Reads rows of a received batch as EventRow, equal to toEventRow of the event that was packed. */
export class PackedEventReader {
  private readonly bigAt: Map<number, bigint> | undefined;

  constructor(private readonly b: PackedEvents) {
    if (b.big.length > 0) this.bigAt = new Map(b.big.map(([r, c, v]) => [r * W + c, v]));
  }

  get rows(): number {
    return this.b.rows;
  }

  row(r: number): EventRow {
    const n = this.b.nums;
    const o = r * W;
    const num = (c: number): number | null => {
      const v = n[o + c]!;
      return v === v ? v : null;
    };
    const kind = EVENT_KINDS[n[o + KIND]!];
    const layer = LAYERS[n[o + LAYER]!];
    if (kind === undefined || layer === undefined) throw new Error(`replayed event ${n[o + SEQ]}: unknown kind ${n[o + KIND]} or layer ${n[o + LAYER]}`);
    const t = n[o + T]!;
    const addr = n[o + ADDR]!;
    const bigAddr = this.bigAt?.get(o + ADDR);
    const rawLen = this.b.rawAt[r * 2 + 1]!;
    const rawStart = this.b.rawAt[r * 2]!;
    return {
      seq: n[o + SEQ]!,
      t: t === t ? t : Number(this.bigAt?.get(o + T) ?? NaN),
      kind,
      layer,
      dev: num(DEV),
      pasid: num(PASID),
      grpid: num(GRPID),
      cookie: num(COOKIE),
      addr: bigAddr !== undefined ? `0x${bigAddr.toString(16)}` : addr === addr ? `0x${addr.toString(16)}` : null,
      perm: num(PERM),
      code: num(CODE),
      errno: num(ERRNO),
      parent: num(PARENT),
      raw: rawLen < 0 ? null : toHex(this.b.bytes.subarray(rawStart, rawStart + rawLen)),
      note: this.b.notes[r] ?? null,
      line: num(LINE),
      iommu: num(IOMMU),
    };
  }
}
