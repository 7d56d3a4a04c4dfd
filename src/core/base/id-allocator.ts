/**
 * Ids as an `XA_FLAGS_ALLOC1` xarray hands them out with `xa_alloc`: the
 * lowest free index ≥ 1, so a freed id is reused at once (not cyclically).
 * Both iommufd object ids and fault cookies follow this rule.
 */
export class IdAllocator {
  /** Min-heap of freed ids below `next`. */
  private readonly free: number[] = [];
  private next = 1;
  private readonly live = new Set<number>();

  constructor(private readonly max = 0xffff_ffff) {}

  /** The lowest free id ≥ 1, or null when the 32-bit space is exhausted. */
  alloc(): number | null {
    let id: number;
    if (this.free.length > 0) id = this.popMin();
    else if (this.next <= this.max) id = this.next++;
    else return null;
    this.live.add(id);
    return id;
  }

  release(id: number): boolean {
    if (!this.live.delete(id)) return false;
    this.pushFree(id);
    return true;
  }

  has(id: number): boolean {
    return this.live.has(id);
  }

  private pushFree(id: number): void {
    const h = this.free;
    h.push(id);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]! <= h[i]!) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private popMin(): number {
    const h = this.free;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]! < h[m]!) m = l;
        if (r < h.length && h[r]! < h[m]!) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
