/**
 * A recorded fault as the engine emits it (two page requests of PRG 0 on
 * 03:00.0 PASID 1, read as cookie 1, answered), plus an unrelated wake-up
 * and a failed assertion: the shapes the timeline tests draw and hit.
 */
import type { TimelineWindow } from '@shared/api/analysis';
import type { EventKind, EventRow, Layer } from '@shared/events';
import { fakeEvent } from '@renderer/testing/fake-api';

const DEV = 0x300;

function ev(seq: number, t: number, kind: EventKind, layer: Layer, parent: number | null, extra: Partial<EventRow> = {}): EventRow {
  return fakeEvent(seq, { t, kind, layer, dev: DEV, pasid: 1, grpid: null, parent, ...extra });
}

export function oneFault(): EventRow[] {
  const g = { grpid: 0 };
  const c = { grpid: 0, cookie: 1 };
  return [
    ev(0, 0, 'DMA_ISSUE', 'device', null),
    ev(1, 500, 'ATS_CPL', 'device', 0),
    ev(2, 500, 'PR_SEND', 'device', 1, g),
    ev(3, 500, 'PR_SEND', 'device', 1, g),
    ev(4, 700, 'PRQ_ENQ', 'iommu', 2, g),
    ev(5, 700, 'PRQ_ENQ', 'iommu', 3, g),
    ev(6, 2700, 'DRV_CONSUME', 'kernel', 4, g),
    ev(7, 2700, 'IOPF_PARTIAL', 'kernel', 6, g),
    ev(8, 2900, 'DRV_CONSUME', 'kernel', 5, g),
    ev(9, 2900, 'IOPF_GROUP', 'kernel', 8, g),
    ev(10, 2900, 'FAULT_QUEUED', 'iommufd', 9, g),
    ev(11, 3900, 'POLICY_WAKE', 'policy', null, { dev: null, pasid: null }),
    ev(12, 3900, 'FAULT_READ', 'iommufd', 7, c),
    ev(13, 3900, 'FAULT_READ', 'iommufd', 9, c),
    ev(14, 3900, 'POLICY_MAP', 'policy', null, c),
    ev(15, 8454, 'RESPONSE_WRITE', 'iommufd', 9, c),
    ev(16, 8454, 'PAGE_RESPONSE', 'kernel', 15, c),
    ev(17, 8454, 'CMD_RESP', 'iommu', 16, g),
    ev(18, 8954, 'PRG_RESP_RECV', 'device', 17, g),
    ev(19, 9454, 'ASSERT_FAIL', 'check', null, { dev: null, pasid: null, note: 'expected INVALID' }),
  ];
}

/** A host answer for [from, to) holding `events` (the raw path's shape, tracks without cells). */
export function rawWindow(from: number, to: number, events: readonly EventRow[], buckets = 512): TimelineWindow {
  const inside = events.filter((e) => e.t >= from && e.t < to);
  const bucketNs = (to - from) / buckets;
  return {
    sessionId: 1,
    fromSeq: inside[0]?.seq ?? 0,
    toSeq: inside.length ? inside[inside.length - 1]!.seq : -1,
    bucketNs,
    firstBucket: from / bucketNs,
    bucketCount: buckets,
    path: 'raw',
    slices: true,
    tracks: [],
    events: inside,
  };
}
