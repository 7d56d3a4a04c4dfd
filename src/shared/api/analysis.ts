/**
 * What the analysis queries answer (timeline windows, event detail, fault
 * lifecycles, state at a seq, statistics, diff, replay verification, session
 * records and notes): plain JSON shapes shared by src/node/analysis, which
 * computes them, and the renderer, which shows them through the WorkbenchApi.
 */
import type { EventRow, Layer } from '../events';
import type { KernelProfileId } from '../uapi/profiles';
import type { LatencyHistogram } from '../latency-histogram';
import type { EventFilter, SessionStatus } from './workbench';

export interface TimelineRequest {
  readonly sessionId: number;
  /** What `from`/`to` count: virtual ns or event seq. */
  readonly by: 't' | 'seq';
  /** Window start (inclusive) and end (exclusive), ns or seq. */
  readonly from: number;
  readonly to: number;
  /** Wanted number of buckets across the window (≈ pixels), 1..16384. */
  readonly buckets: number;
  /** Also return the events themselves when the window holds at most this many (default 0). */
  readonly maxEvents?: number;
  /** Force the path (tests, benches). */
  readonly path?: 'raw' | 'lod';
  /**
   * Also count, per bucket, the events matching this filter (TrackCells.matched).
   * Only the raw path can: a window answered from the LOD pyramid says
   * `filtered: false` and carries whole counts.
   */
  readonly filter?: EventFilter;
}

export interface TrackCells {
  /** Track id in the session's `tracks` table (null while the session is running). */
  readonly trackId: number | null;
  readonly uri: string;
  readonly layer: Layer;
  readonly dev: number | null;
  readonly pasid: number | null;
  /** Bucket index relative to `firstBucket`, ascending; sparse. */
  readonly bucket: number[];
  /** Events of the track in the bucket. */
  readonly count: number[];
  /** Longest slice starting in the bucket, ns (0: none). */
  readonly maxSliceNs: number[];
  /** seq of that slice's first event (for hit-testing), or null. */
  readonly maxSliceSeq: (number | null)[];
  /** Events of the bucket matching the request's filter (present when the window is `filtered`). */
  readonly matched?: number[];
}

/**
 * One counter series over a window, from the LOD pyramid: PRQ occupancy of an
 * IOMMU unit or the PRI request credits a device holds. Sparse: between two
 * buckets the value stays at the earlier one's `last`.
 */
export interface CounterCells {
  /** `counter#prq/iommu#<unit>` or `counter#pri/dev#<dev>`. */
  readonly key: string;
  readonly counter: 'prq' | 'pri';
  /** IOMMU unit (prq) or device requester ID (pri). */
  readonly unit: number;
  /** Value when the window's first bucket begins. */
  readonly entry: number;
  /** Bucket index relative to the counters' `firstBucket`, ascending. */
  readonly bucket: number[];
  /** Largest value in the bucket (the value it began with included). */
  readonly max: number[];
  /** Value at the bucket's end. */
  readonly last: number[];
}

export interface CounterWindow {
  /** Bucket width, ns (a power of two; may be coarser than the window's own buckets). */
  readonly bucketNs: number;
  readonly firstBucket: number;
  readonly series: CounterCells[];
}

export interface TimelineWindow {
  readonly sessionId: number;
  /** First and last event seq in the window (toSeq < fromSeq: empty window). */
  readonly fromSeq: number;
  readonly toSeq: number;
  /** Bucket width, ns (a power of two). */
  readonly bucketNs: number;
  /** Absolute index of bucket 0: it starts at firstBucket · bucketNs ns. */
  readonly firstBucket: number;
  readonly bucketCount: number;
  /** `raw` (grouped from events) or `lod` (from the stored pyramid). */
  readonly path: 'raw' | 'lod';
  /** False when slices were not available (running session). */
  readonly slices: boolean;
  readonly tracks: TrackCells[];
  /** The window's events, when asked for and few enough. */
  readonly events?: EventRow[];
  /** With a filter in the request: true when the cells carry `matched` counts (raw path), false when they could not (LOD path). */
  readonly filtered?: boolean;
  /** Counter series in the window (absent while the session records: no pyramid yet). */
  readonly counters?: CounterWindow;
  /** The session's last event seq and its time when the window was answered (-1 and 0: no events yet); a running session grows. */
  readonly lastSeq?: number;
  readonly lastT?: number;
}

export interface DecodedField {
  readonly name: string;
  /** Byte offset in the struct. */
  readonly offset: number;
  readonly size: number;
  /** Decimal, or `0x…` for addresses. */
  readonly value: string;
  /** Spelled meaning (flag names, permission names, response code). */
  readonly meaning?: string;
}

export interface DecodedStruct {
  /** C struct name, e.g. `iommu_hwpt_pgfault`. */
  readonly struct: string;
  readonly profile: KernelProfileId;
  readonly size: number;
  readonly fields: readonly DecodedField[];
  /** An ABI caveat of this layout in this profile (e.g. 6.11–6.13's uninitialised hole and 36-byte i386 size). */
  readonly note?: string;
}

export interface EventDetail {
  readonly event: EventRow;
  readonly parent: EventRow | null;
  /** Column meanings: perm bits, response code, errno name. */
  readonly meanings: Readonly<Record<string, string>>;
  /** The raw bytes decoded, when their size matches a layout of the profile. */
  readonly decoded: DecodedStruct | null;
  /** The fault (page request group) the event belongs to, if any. */
  readonly fault: FaultRow | null;
}

export type ResponseKind = 'write' | 'auto' | 'kernel' | 'hardware';

export type FaultOutcome = 'completed' | 'response-sent' | 'responded' | 'read' | 'queued' | 'pending' | 'superseded';

export interface FaultRow {
  /** 1-based, in order of the fault's first event. */
  readonly id: number;
  readonly dev: number;
  readonly pasid: number | null;
  /** PRG index. */
  readonly grpid: number;
  /** IOVA of the first page request, `0x…`. */
  readonly addr: string | null;
  /** IOMMU_PGFAULT_PERM_* bits requested. */
  readonly perm: number | null;
  /** Page requests in the group. */
  readonly requests: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Virtual ns of the first and last event. */
  readonly firstT: number;
  readonly lastT: number;
  readonly prSeq: number | null;
  readonly prT: number | null;
  readonly queuedSeq: number | null;
  readonly queuedT: number | null;
  readonly readSeq: number | null;
  readonly readT: number | null;
  readonly cookie: number | null;
  readonly responseSeq: number | null;
  readonly responseT: number | null;
  readonly responseCode: number | null;
  readonly responseKind: ResponseKind | null;
  readonly pageRespSeq: number | null;
  readonly pageRespT: number | null;
  readonly pageCode: number | null;
  readonly prgRespSeq: number | null;
  readonly prgRespT: number | null;
  readonly prgCode: number | null;
  readonly outcome: FaultOutcome;
  /** The code the fault ended with: user space's (or the kernel's) response, else what reached the device. */
  readonly code: number | null;
  /** FAULT_QUEUED → first response, ns. */
  readonly latencyNs: number | null;
  /** First PR_SEND → PRG_RESP_RECV, ns. */
  readonly deviceLatencyNs: number | null;
}

export type LifecycleQuery =
  | { readonly faultId: number }
  | { readonly seq: number }
  | { readonly cookie: number; readonly dev?: number; readonly atSeq?: number }
  | { readonly dev: number; readonly grpid: number; readonly atSeq?: number };

export type LifecycleRole = 'member' | 'cause' | 'effect';

export interface LifecycleEvent extends EventRow {
  readonly role: LifecycleRole;
}

export interface Lifecycle {
  readonly fault: FaultRow;
  /** In seq order. */
  readonly events: readonly LifecycleEvent[];
}

export interface QueuedGroup {
  readonly dev: number;
  readonly pasid: number | null;
  readonly grpid: number;
  /** IOVA of the group's last fault, `0x…`. */
  readonly addr: string | null;
  /** seq of FAULT_QUEUED. */
  readonly seq: number;
}

export interface OutstandingCookie {
  readonly dev: number | null;
  readonly cookie: number;
  readonly pasid: number | null;
  readonly grpid: number | null;
  /** seq of the FAULT_READ that handed it out. */
  readonly seq: number;
}

export interface PrqEntry {
  readonly dev: number;
  readonly pasid: number | null;
  readonly grpid: number;
  /** seq of PRQ_ENQ. */
  readonly seq: number;
}

export interface PrqState {
  readonly iommu: number;
  readonly entries: readonly PrqEntry[];
  readonly overflow: boolean;
  /** Most entries seen at once so far. */
  readonly highWater: number;
}

export interface DevicePrg {
  readonly grpid: number;
  readonly pasid: number | null;
  /** Page requests of the group (credits it holds). */
  readonly requests: number;
  /** seq of its first PR_SEND. */
  readonly seq: number;
}

export interface DeviceState {
  readonly dev: number;
  /** PRGs sent and not yet answered, oldest first. */
  readonly prgs: readonly DevicePrg[];
  /** Page requests in flight = request credits in use. */
  readonly requests: number;
}

export interface PartialGroup {
  readonly dev: number;
  readonly pasid: number | null;
  readonly grpid: number;
  readonly faults: number;
  readonly seq: number;
}

export interface PathTotals {
  readonly faultsQueued: number;
  readonly groupsRead: number;
  readonly responses: number;
  readonly autoResponses: number;
  readonly pageResponses: number;
  readonly prgResponses: number;
  readonly prqDrops: number;
  readonly fdErrors: number;
}

/** A live object of an iommufd context's table, as its OBJ_ALLOC announced it (docs/trace-format.md §1, OBJ_ALLOC / OBJ_DESTROY notes). */
export interface IommufdObjectState {
  /** Its id in its context's table. */
  readonly id: number;
  /** `enum iommufd_object_type` name without `IOMMUFD_OBJ_`: DEVICE, HWPT_PAGING, HWPT_NESTED, IOAS, FAULT, VIOMMU, VDEVICE… */
  readonly type: string;
  /** The /dev/iommu context: 1 for the process's first, 2 for the next… */
  readonly ctx: number;
  /** PCI requester ID of the device a DEVICE or VDEVICE object stands for; null for other objects. */
  readonly dev: number | null;
  /** The OBJ_ALLOC note after its `<TYPE> <id>` head ('' when none). */
  readonly detail: string;
  /** seq of its OBJ_ALLOC. */
  readonly seq: number;
}

export interface PathState {
  readonly version: number;
  /** Last event applied (−1: none). */
  readonly seq: number;
  /** Virtual ns of that event. */
  readonly t: number;
  readonly deliver: readonly QueuedGroup[];
  readonly cookies: readonly OutstandingCookie[];
  readonly prq: readonly PrqState[];
  readonly devices: readonly DeviceState[];
  readonly partial: readonly PartialGroup[];
  readonly totals: PathTotals;
  /** The iommufd object tables: live objects by context, then id. */
  readonly objects: readonly IommufdObjectState[];
}

/** Every stored column of a session except its id: what export/import carry. */
export interface SessionRecord {
  readonly name: string;
  readonly status: SessionStatus;
  readonly scenarioName: string;
  readonly scenarioSource: string;
  readonly scenarioHash: string;
  readonly scenarioFormat: string;
  readonly seed: number;
  readonly kernelProfile: KernelProfileId;
  readonly vendor: string;
  readonly appVersion: string;
  /** ISO wall-clock times (metadata only). */
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly eventCount: number;
  /** Virtual ns of the last event. */
  readonly endNs: number;
  readonly passed: number;
  readonly failed: number;
  readonly summary: string | null;
}

export interface SessionDetails extends SessionRecord {
  readonly id: number;
  readonly writerPid: number | null;
  /** The trace file a session was imported from; null when recorded here. */
  readonly importedFrom: string | null;
}

export interface SessionNote {
  readonly id: number;
  readonly sessionId: number;
  /** Event the note is attached to, if any. */
  readonly seq: number | null;
  /** Virtual ns the note is attached to, if any. */
  readonly t: number | null;
  readonly text: string;
  readonly createdAt: string;
}

export interface EngineCheckpoint {
  readonly seq: number;
  /** Virtual ns. */
  readonly t: number;
  /** The emulator state as the engine serialised it (JSON text). */
  readonly state: string;
}

export interface StateAtSeq {
  readonly sessionId: number;
  readonly seq: number;
  /** Virtual ns of that event. */
  readonly t: number;
  readonly state: PathState;
  /** seq of the derived checkpoint restored, or null (reduced from the start). */
  readonly checkpointSeq: number | null;
  /** Events re-applied after the checkpoint. */
  readonly replayed: number;
  /** The engine's nearest snapshot at or before `seq`, if it wrote any. */
  readonly engineCheckpoint: EngineCheckpoint | null;
}

export interface LatencyStats {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface StatsGroup {
  readonly dev?: number;
  readonly pasid?: number | null;
  /** Response code (null: no response yet). */
  readonly code?: number | null;
  /** `SUCCESS`, `INVALID`, … for code groups. */
  readonly codeName?: string;
  readonly faults: number;
  /** ns; null when no fault of the group has both ends. */
  readonly latency: LatencyStats | null;
  readonly deviceLatency: LatencyStats | null;
  /** The same latencies in power-of-two buckets (absent from hosts that do not count them). */
  readonly latencyHistogram?: LatencyHistogram | null;
  readonly deviceLatencyHistogram?: LatencyHistogram | null;
}

export interface SessionStats {
  readonly sessionId: number;
  readonly events: number;
  readonly kindCounts: Readonly<Record<string, number>>;
  readonly faults: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly overall: StatsGroup;
  readonly byDevice: readonly StatsGroup[];
  readonly byPasid: readonly StatsGroup[];
  readonly byCode: readonly StatsGroup[];
}

export interface FaultIdentity {
  readonly dev: number;
  readonly pasid: number | null;
  readonly grpid: number;
  readonly addr: string | null;
  readonly perm: number | null;
  /** 0 for the first fault with this identity in its session, 1 for the next… */
  readonly occurrence: number;
}

export interface FaultRef {
  readonly identity: FaultIdentity;
  readonly faultId: number;
  /** seq of the fault's first event in its session. */
  readonly seq: number;
  readonly code: number | null;
}

export interface CodeFlip {
  readonly identity: FaultIdentity;
  readonly codeA: number | null;
  readonly codeB: number | null;
  readonly seqA: number;
  readonly seqB: number;
}

export interface LatencyDelta {
  readonly identity: FaultIdentity;
  /** ns. */
  readonly latencyA: number;
  readonly latencyB: number;
  /** latencyB − latencyA, ns. */
  readonly deltaNs: number;
  readonly seqA: number;
  readonly seqB: number;
}

export interface SessionDiff {
  readonly a: number;
  readonly b: number;
  readonly faultsA: number;
  readonly faultsB: number;
  readonly matched: number;
  /** Counts before any list is cut to `limit`. */
  readonly flipCount: number;
  readonly addedCount: number;
  readonly missingCount: number;
  readonly flips: readonly CodeFlip[];
  /** Faults only in B. */
  readonly added: readonly FaultRef[];
  /** Faults only in A. */
  readonly missing: readonly FaultRef[];
  /** Distribution of the deltas (ns) over faults both sessions answered. */
  readonly latencyDelta: LatencyStats | null;
  /** Largest |delta| first. */
  readonly largestDeltas: readonly LatencyDelta[];
  /** No flips, nothing added or missing (latencies may still differ). */
  readonly sameFaults: boolean;
}

export interface ReplayDivergence {
  readonly seq: number;
  /** Kind of the recorded event (or of the replayed one where the recording has none). */
  readonly kind: string;
  /** Column that differs, or `event` when one stream has no event at this seq. */
  readonly field: string;
  /** Values as text (`null`, `(none)` when the event is missing). */
  readonly recorded: string;
  readonly replayed: string;
}

export interface ReplayVerification {
  readonly sessionId: number;
  readonly identical: boolean;
  /** Events compared equal before the divergence (or in total). */
  readonly compared: number;
  readonly recordedEvents: number;
  readonly divergence: ReplayDivergence | null;
  /** False when the stored source no longer matches its stored SHA-256. */
  readonly sourceHashMatches: boolean;
  readonly seed: number;
  readonly kernelProfile: string;
}
