/**
 * Ids as an `XA_FLAGS_ALLOC1` xarray hands them out with `xa_alloc`: the
 * lowest free index ≥ 1, so a freed id is reused at once (not cyclically).
 * Both iommufd object ids and fault cookies follow this rule.
 */
import { MinHeap } from './min-heap';
export class IdAllocator {
  /** Min-heap of freed ids below `next`. */
  private readonly free = new MinHeap<number>((a, b) => a < b);
  private next = 1;
  private readonly live = new Set<number>();

  constructor(private readonly max = 0xffff_ffff) {}

  /** The lowest free id ≥ 1, or null when the 32-bit space is exhausted. */
  alloc(): number | null {
    let id: number;
    if (this.free.size > 0) id = this.free.pop()!;
    else if (this.next <= this.max) id = this.next++;
    else return null;
    this.live.add(id);
    return id;
  }

  release(id: number): boolean {
    if (!this.live.delete(id)) return false;
    this.free.push(id);
    return true;
  }

  has(id: number): boolean {
    return this.live.has(id);
  }
}
