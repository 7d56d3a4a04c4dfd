/**
 * Timeline tracks: every event belongs to exactly one track, keyed by
 * (layer, dev, pasid) and named by a URI such as `device#2/pasid#1`,
 * `iommufd#2/pasid#1`, `iommu` (driver events that name no device) or
 * `policy` (wake-ups). Absent parts are omitted, so the key works for any
 * event the engine will ever emit.
 */
import type { Layer } from '../../shared/events';

export function trackUri(layer: Layer, dev: number | null, pasid: number | null): string {
  return `${layer}${dev === null ? '' : `#${dev}`}${pasid === null ? '' : `/pasid#${pasid}`}`;
}

export interface TrackInfo {
  readonly id: number;
  readonly uri: string;
  readonly layer: Layer;
  readonly dev: number | null;
  readonly pasid: number | null;
  eventCount: number;
  readonly firstSeq: number;
  lastSeq: number;
}

/** Assigns dense track ids in order of first appearance. */
export class TrackRegistry {
  private readonly byKey = new Map<string, Map<number, TrackInfo>>();
  private readonly all: TrackInfo[] = [];

  /** Track of an event; counts it. */
  add(layer: Layer, dev: number | null, pasid: number | null, seq: number): TrackInfo {
    const outer = `${layer}|${dev ?? ''}`;
    let m = this.byKey.get(outer);
    if (!m) this.byKey.set(outer, (m = new Map()));
    const inner = pasid === null ? -1 : pasid;
    let t = m.get(inner);
    if (!t) {
      t = { id: this.all.length, uri: trackUri(layer, dev, pasid), layer, dev, pasid, eventCount: 0, firstSeq: seq, lastSeq: seq };
      m.set(inner, t);
      this.all.push(t);
    }
    t.eventCount++;
    t.lastSeq = seq;
    return t;
  }

  get tracks(): readonly TrackInfo[] {
    return this.all;
  }
}
