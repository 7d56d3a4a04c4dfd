/**
 * The trace event: the recorder's logical schema. Every step of a fault's
 * life, in every layer, is one of these. Kinds follow the event catalogue of
 * ../shared/spec/hardware-model.md §5.2.
 */
import type { Ns } from './time';

/** Which layer emitted the event; the timeline groups tracks by layer. */
export type Layer = 'device' | 'iommu' | 'kernel' | 'iommufd' | 'policy' | 'check';

export const LAYERS: readonly Layer[] = ['device', 'iommu', 'kernel', 'iommufd', 'policy', 'check'];

/**
 * Every kind of event the engine emits (../shared/spec/hardware-model.md §5.2).
 * APPEND ONLY: a kind's index is what the recorder stores, so reordering or
 * removing a kind would change the meaning of recorded sessions.
 */
export const EVENT_KINDS = [
  // device (PCIe function): DMA, ATS, PRI
  'DMA_ISSUE',
  'ATS_CPL',
  'PR_SEND',
  'PRG_RESP_RECV',
  'DMA_COMPLETE',
  // IOMMU hardware and its driver
  'PRQ_ENQ',
  'DRV_CONSUME',
  'PAGE_RESPONSE',
  // io-pgfault core
  'IOPF_PARTIAL',
  'IOPF_GROUP',
  'IOPF_NO_HANDLER',
  // iommufd fault object and fd
  'FAULT_QUEUED',
  'FAULT_READ',
  'RESPONSE_WRITE',
  'FD_ERRNO',
  // user-space policy
  'POLICY_WAKE',
  'POLICY_MAP',
  // scenario checks and the invariant oracle
  'ASSERT_PASS',
  'ASSERT_FAIL',
  'INVARIANT_VIOLATION',
  // --- device, continued
  'ATS_TREQ',
  'STOP_MARKER_SEND',
  'RETRY',
  'WORK_ERROR',
  'RF_LATCH',
  'UPRGI_LATCH',
  'PRI_ENABLE',
  'PRI_DISABLE',
  'PRI_STOPPED',
  'CREDIT_EXHAUSTED',
  // --- IOMMU hardware, continued
  'PRQ_FULL',
  'PRQ_OVF_SET',
  'PRQ_OVF_CLEAR',
  'PRQ_DROP',
  'AUTO_RESP',
  'PR_EVENT_IRQ',
  'IMPLICIT_INV',
  'EVTQ_ENQ',
  'EVTQ_OVF',
  'STALL_HOLD',
  'STALL_RETRY',
  'STALL_TERM',
  'FRCD_RECORD',
  'PFO_SET',
  'CMD_RESP',
  // --- IOMMU driver and io-pgfault, continued
  'DRV_REJECT',
  'IOPF_ABORT',
  'HANDLER_DISPATCH',
  'RESPONSE_DROPPED',
  'DISCARD_PARTIAL',
  'QUEUE_FLUSH',
  'QUEUE_REMOVE_DEVICE',
  'IOPF_ENABLE',
  'IOPF_DISABLE',
  'UNRECOV_FAULT',
  'UNRECOV_REPORT',
  'GROUP_NOTIFY',
  // --- iommufd, continued
  'IOCTL',
  'OBJ_ALLOC',
  'OBJ_DESTROY',
  'ATTACH',
  'DETACH',
  'REPLACE',
  'AUTO_RESPONSE',
  'FD_CLOSED',
  'READ_SHORT',
  // --- user-space syscalls on the fault fd, as the policy made them
  'SYS_POLL',
  'SYS_READ',
  'SYS_WRITE',
  'SYS_CLOSE',
] as const;

export type EventKind = (typeof EVENT_KINDS)[number];

/** Numeric code of a kind as stored in SQLite (index into EVENT_KINDS). */
export const kindCode = (kind: EventKind): number => EVENT_KINDS.indexOf(kind);
export const kindFromCode = (code: number): EventKind | undefined => EVENT_KINDS[code];
export const layerCode = (layer: Layer): number => LAYERS.indexOf(layer);
export const layerFromCode = (code: number): Layer | undefined => LAYERS[code];

/** One event as the engine emits it. Absent fields are `null`, never `undefined`. */
export interface TraceEvent {
  /** 0-based position in the session's stream; also the causal-parent key. */
  readonly seq: number;
  /** Virtual time of the event. */
  readonly t: Ns;
  readonly kind: EventKind;
  readonly layer: Layer;
  /**
   * PCI requester ID (bus << 8 | devfn) of the function the event concerns,
   * the same in every layer; the iommufd `dev_id` travels in the uAPI records.
   */
  readonly dev: number | null;
  readonly pasid: number | null;
  /** PRI Page Request Group index (9 bits on the wire). */
  readonly grpid: number | null;
  /** iommufd fault cookie. */
  readonly cookie: number | null;
  /** IOVA, bytes. */
  readonly addr: bigint | null;
  /** IOMMU_PGFAULT_PERM_* bits. */
  readonly perm: number | null;
  /** Response code (IOMMUFD_PAGE_RESP_* / PCIe PRG response code). */
  readonly code: number | null;
  /** Positive errno when a uAPI call failed. */
  readonly errno: number | null;
  /** seq of the event that caused this one. */
  readonly parent: number | null;
  /** The uAPI struct bytes when one crossed the user/kernel boundary. */
  readonly raw: Uint8Array | null;
  /** Short human text (assertion message, violation description). */
  readonly note: string | null;
  /**
   * 1-based line of the scenario source whose call caused the event (its own
   * call, or the call its causal chain started from); null when no scenario
   * line did. Schema v3.
   */
  readonly line: number | null;
  /** Index of the IOMMU unit a hardware or driver event concerns; null for other layers. Schema v3. */
  readonly iommu: number | null;
}

/** The JSON-safe form of an event for IPC and the web host (bigints as numbers/strings). */
export interface EventRow {
  readonly seq: number;
  /** Virtual ns; exact up to 2^53 ns (≈104 days of virtual time). */
  readonly t: number;
  readonly kind: EventKind;
  readonly layer: Layer;
  readonly dev: number | null;
  readonly pasid: number | null;
  readonly grpid: number | null;
  readonly cookie: number | null;
  /** IOVA as `0x…` hex. */
  readonly addr: string | null;
  readonly perm: number | null;
  readonly code: number | null;
  readonly errno: number | null;
  readonly parent: number | null;
  /** Raw struct bytes as lowercase hex. */
  readonly raw: string | null;
  readonly note: string | null;
  /** Scenario source line that caused the event (TraceEvent.line). */
  readonly line: number | null;
  /** IOMMU unit index (TraceEvent.iommu). */
  readonly iommu: number | null;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toEventRow(e: TraceEvent): EventRow {
  return {
    seq: e.seq,
    t: Number(e.t),
    kind: e.kind,
    layer: e.layer,
    dev: e.dev,
    pasid: e.pasid,
    grpid: e.grpid,
    cookie: e.cookie,
    addr: e.addr === null ? null : `0x${e.addr.toString(16)}`,
    perm: e.perm,
    code: e.code,
    errno: e.errno,
    parent: e.parent,
    raw: e.raw === null ? null : toHex(e.raw),
    note: e.note,
    line: e.line,
    iommu: e.iommu,
  };
}
