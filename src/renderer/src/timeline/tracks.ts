/**
 * The track model: which row of the timeline an event lands on. One track
 * per layer per device (`device#3`, `iommufd#3`); events of a layer that
 * concern no device go to that layer's shared track (`iommufd#fault-queue`).
 * Order follows the fault's journey: device → IOMMU → kernel → iommufd →
 * policy → checks.
 */
import { formatRid } from '@shared/pci';
import { LAYERS, type EventRow, type Layer } from '@shared/events';

interface LayerInfo {
  /** Row label. */
  readonly title: string;
  /** Name of the track for events without a device. */
  readonly sharedTrack: string;
}

export const LAYER_INFO: Readonly<Record<Layer, LayerInfo>> = {
  device: { title: 'PCIe function', sharedTrack: 'bus' },
  iommu: { title: 'IOMMU', sharedTrack: 'prq' },
  kernel: { title: 'io-pgfault', sharedTrack: 'iopf-queue' },
  iommufd: { title: 'iommufd', sharedTrack: 'fault-queue' },
  policy: { title: 'VMM policy', sharedTrack: 'handler' },
  check: { title: 'checks', sharedTrack: 'oracle' },
};

export interface TrackSpec {
  /** e.g. `device#1`, `iommufd#fault-queue`. */
  readonly key: string;
  readonly layer: Layer;
  /** PCI requester ID of the function, or null for the layer's shared track. */
  readonly dev: number | null;
  readonly title: string;
  readonly subtitle: string;
}

export function trackKeyOf(e: Pick<EventRow, 'layer' | 'dev'>): string {
  return e.dev === null ? `${e.layer}#${LAYER_INFO[e.layer].sharedTrack}` : `${e.layer}#${e.dev}`;
}

export function trackSpecOf(e: Pick<EventRow, 'layer' | 'dev'>): TrackSpec {
  const info = LAYER_INFO[e.layer];
  return {
    key: trackKeyOf(e),
    layer: e.layer,
    dev: e.dev,
    title: info.title,
    subtitle: e.dev === null ? info.sharedTrack : formatRid(e.dev),
  };
}

/** Layer order first; within a layer the shared track, then devices by id. */
export function compareTracks(a: TrackSpec, b: TrackSpec): number {
  const byLayer = LAYERS.indexOf(a.layer) - LAYERS.indexOf(b.layer);
  if (byLayer !== 0) return byLayer;
  if (a.dev === b.dev) return 0;
  if (a.dev === null) return -1;
  if (b.dev === null) return 1;
  return a.dev - b.dev;
}
