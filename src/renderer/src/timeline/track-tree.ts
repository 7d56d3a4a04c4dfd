/**
 * The track tree: which rows the timeline shows and in what order. Tracks are
 * the host's (one per layer, device and PASID: `device#768/pasid#1`), placed
 * in groups that follow a fault's journey:
 *   hardware  the PCIe function lanes (per device / PASID), the IOMMU's PRQ,
 *             and the counters: PRQ occupancy per IOMMU unit and PRI
 *             credits in use per device
 *   kernel    io-pgfault (iopf groups)
 *   iommufd   the fault object and its queue (queued, delivered, answered)
 *   policy    the VMM's handler (reads, writes, maps)
 *   checks    assertions and the invariant oracle
 * Groups collapse to their header; pinned tracks move to a fixed band at the
 * top. layoutRows() is pure, and visibleRows() picks only the rows inside the
 * scrolled viewport, so thousands of tracks cost what the visible ones cost.
 */
import { LAYERS, type Layer } from '@shared/events';
import { formatRid } from '@shared/pci';

export type GroupId = 'hardware' | 'kernel' | 'iommufd' | 'policy' | 'checks';

export const GROUPS: readonly { readonly id: GroupId; readonly title: string }[] = [
  { id: 'hardware', title: 'Hardware (device, IOMMU)' },
  { id: 'kernel', title: 'Kernel (io-pgfault)' },
  { id: 'iommufd', title: 'iommufd (fault queue)' },
  { id: 'policy', title: 'VMM policy' },
  { id: 'checks', title: 'Checks' },
];

const GROUP_OF_LAYER: Readonly<Record<Layer, GroupId>> = {
  device: 'hardware',
  iommu: 'hardware',
  kernel: 'kernel',
  iommufd: 'iommufd',
  policy: 'policy',
  check: 'checks',
};

export type CounterId = 'prq' | 'pri';

export interface TrackDef {
  /** The host's track URI, or a counter series' key (`counter#prq/iommu#0`, `counter#pri/dev#768`). */
  readonly key: string;
  readonly group: GroupId;
  readonly kind: 'events' | 'counter';
  readonly layer: Layer | null;
  readonly dev: number | null;
  readonly pasid: number | null;
  readonly counter: CounterId | null;
  /** Counter series: the IOMMU unit (prq) or device RID (pri). */
  readonly unit: number | null;
  readonly title: string;
}

const LAYER_NAME: Readonly<Record<Layer, [withDev: string, shared: string]>> = {
  device: ['PCIe fn', 'PCIe bus'],
  iommu: ['PRQ', 'IOMMU'],
  kernel: ['iopf', 'io-pgfault'],
  iommufd: ['fault queue', 'iommufd objects'],
  policy: ['reads/writes', 'policy thread'],
  check: ['checks', 'checks'],
};

export function eventTrack(layer: Layer, dev: number | null, pasid: number | null, key: string): TrackDef {
  const [withDev, shared] = LAYER_NAME[layer];
  const title = dev === null ? shared : `${withDev} ${formatRid(dev)}${pasid === null ? '' : ` · PASID ${pasid}`}`;
  return { key, group: GROUP_OF_LAYER[layer], kind: 'events', layer, dev, pasid, counter: null, unit: null, title };
}

/** Key of a counter series, as the host names it (src/node/analysis/timeline.ts). */
export const counterKey = (counter: CounterId, unit: number): string => (counter === 'prq' ? `counter#prq/iommu#${unit}` : `counter#pri/dev#${unit}`);

export function counterTrack(counter: CounterId, unit: number): TrackDef {
  const title = counter === 'prq' ? `PRQ occupancy · IOMMU ${unit}` : `PRI credits in use · ${formatRid(unit)}`;
  return { key: counterKey(counter, unit), group: 'hardware', kind: 'counter', layer: null, dev: counter === 'pri' ? unit : null, pasid: null, counter, unit, title };
}

/** Host URI of the track of (layer, dev, pasid), as src/node/analysis/tracks.ts names it. */
export function trackUriOf(layer: Layer, dev: number | null, pasid: number | null): string {
  return `${layer}${dev === null ? '' : `#${dev}`}${pasid === null ? '' : `/pasid#${pasid}`}`;
}

const nullsFirst = (a: number | null, b: number | null): number => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a - b);

/** Group order, then layer order, the layer's shared track first, then devices and PASIDs ascending; counters close the hardware group. */
export function compareTracks(a: TrackDef, b: TrackDef): number {
  const g = GROUPS.findIndex((x) => x.id === a.group) - GROUPS.findIndex((x) => x.id === b.group);
  if (g !== 0) return g;
  if (a.kind !== b.kind) return a.kind === 'counter' ? 1 : -1;
  if (a.kind === 'counter') return (a.counter === b.counter ? 0 : a.counter === 'prq' ? -1 : 1) || a.unit! - b.unit!;
  return LAYERS.indexOf(a.layer!) - LAYERS.indexOf(b.layer!) || nullsFirst(a.dev, b.dev) || nullsFirst(a.pasid, b.pasid);
}

/** The session's tracks, accumulated as windows reveal them (rows never vanish while panning). */
export class TrackSet {
  private readonly byKey = new Map<string, TrackDef>();
  private sorted: TrackDef[] | null = null;
  /** Bumped on every change, so layouts can be cached on it. */
  version = 0;

  clear(): void {
    this.byKey.clear();
    this.sorted = null;
    this.version++;
  }

  add(layer: Layer, dev: number | null, pasid: number | null, key = trackUriOf(layer, dev, pasid)): void {
    if (this.byKey.has(key)) return;
    this.byKey.set(key, eventTrack(layer, dev, pasid, key));
    this.sorted = null;
    this.version++;
  }

  /** A counter series (PRQ of an IOMMU unit, PRI credits of a device). */
  addCounter(counter: CounterId, unit: number): void {
    const key = counterKey(counter, unit);
    if (this.byKey.has(key)) return;
    this.byKey.set(key, counterTrack(counter, unit));
    this.sorted = null;
    this.version++;
  }

  get(key: string): TrackDef | undefined {
    return this.byKey.get(key);
  }

  /** Every track in display order. */
  all(): readonly TrackDef[] {
    if (!this.sorted) this.sorted = [...this.byKey.values()].sort(compareTracks);
    return this.sorted;
  }
}

/** Row heights, CSS px. */
export const ROW = { group: 22, track: 26 } as const;

export interface Row {
  readonly type: 'group' | 'track';
  readonly group: GroupId;
  readonly track: TrackDef | null;
  /** y inside its band (the pinned band or the scrolling list), CSS px. */
  readonly top: number;
  readonly height: number;
  readonly pinned: boolean;
  /** For group rows: collapsed, and how many tracks the group holds. */
  readonly collapsed: boolean;
  readonly trackCount: number;
}

export interface RowLayout {
  readonly pinned: readonly Row[];
  readonly pinnedHeight: number;
  readonly rows: readonly Row[];
  readonly contentHeight: number;
}

export interface TreeState {
  readonly collapsed: ReadonlySet<GroupId>;
  readonly pinned: ReadonlySet<string>;
}

export function layoutRows(tracks: readonly TrackDef[], state: TreeState): RowLayout {
  const pinned: Row[] = [];
  let pinnedHeight = 0;
  for (const t of tracks) {
    if (!state.pinned.has(t.key)) continue;
    pinned.push({ type: 'track', group: t.group, track: t, top: pinnedHeight, height: ROW.track, pinned: true, collapsed: false, trackCount: 1 });
    pinnedHeight += ROW.track;
  }
  const rows: Row[] = [];
  let y = 0;
  for (const g of GROUPS) {
    const members = tracks.filter((t) => t.group === g.id && !state.pinned.has(t.key));
    if (members.length === 0) continue;
    const collapsed = state.collapsed.has(g.id);
    rows.push({ type: 'group', group: g.id, track: null, top: y, height: ROW.group, pinned: false, collapsed, trackCount: members.length });
    y += ROW.group;
    if (collapsed) continue;
    for (const t of members) {
      rows.push({ type: 'track', group: g.id, track: t, top: y, height: ROW.track, pinned: false, collapsed: false, trackCount: 1 });
      y += ROW.track;
    }
  }
  return { pinned, pinnedHeight, rows, contentHeight: y };
}

/** Rows of the scrolling list that intersect [scrollY, scrollY + height) (binary search: rows are sorted by top). */
export function visibleRows(rows: readonly Row[], scrollY: number, height: number): readonly Row[] {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = rows[mid]!;
    if (r.top + r.height <= scrollY) lo = mid + 1;
    else hi = mid;
  }
  const out: Row[] = [];
  for (let i = lo; i < rows.length && rows[i]!.top < scrollY + height; i++) out.push(rows[i]!);
  return out;
}
