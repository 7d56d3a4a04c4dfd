/**
 * PRG index allocation inside one function (9-bit index space, §1.2). How a
 * real device picks indices is implementation-specific, so it is a knob:
 *  - 'sequential': a rotating cursor, skipping indices still in flight (reuse
 *    of an index happens only after 511 others);
 *  - 'reuseAfterResponse': the lowest free index, so an index is reused as soon
 *    as its response arrived (maximises stale-response collisions, §5.4 #1);
 *  - 'random': any free index, drawn from the seeded RNG.
 */
import type { Rng } from '../sim/rng';
import { PRGI_COUNT } from './pci-regs';

export type PrgIndexPolicy = 'sequential' | 'reuseAfterResponse' | 'random';

export class PrgIndexAllocator {
  private readonly used = new Set<number>();
  private cursor = 0;

  constructor(
    private readonly policy: PrgIndexPolicy,
    private readonly rng: Rng,
  ) {}

  get inFlight(): number {
    return this.used.size;
  }

  isUsed(index: number): boolean {
    return this.used.has(index);
  }

  /** A free index, or null when all 512 are in flight. */
  alloc(): number | null {
    if (this.used.size >= PRGI_COUNT) return null;
    let index: number;
    if (this.policy === 'reuseAfterResponse') {
      index = 0;
      while (this.used.has(index)) index++;
    } else if (this.policy === 'random') {
      index = this.rng.int(0, PRGI_COUNT - 1);
      while (this.used.has(index)) index = (index + 1) % PRGI_COUNT;
    } else {
      index = this.cursor;
      while (this.used.has(index)) index = (index + 1) % PRGI_COUNT;
      this.cursor = (index + 1) % PRGI_COUNT;
    }
    this.used.add(index);
    return index;
  }

  free(index: number): void {
    this.used.delete(index);
  }

  /** PRI reset forgets every group in flight. */
  clear(): void {
    this.used.clear();
  }
}
