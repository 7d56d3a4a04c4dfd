/**
 * A hardware ring in memory: hardware writes at the tail, software consumes
 * from the head. Two full rules exist (hardware-model §2):
 *  - 'tailPlusOneIsHead' (VT-d PRQ, AMD PPR log): one slot always stays empty,
 *    so depth-1 entries fit;
 *  - 'wrapBit' (SMMUv3 queues): PROD/CONS carry a wrap bit, all depth slots fit.
 */
export type RingFullRule = 'tailPlusOneIsHead' | 'wrapBit';

export class HwRing<T> {
  private readonly slots: (T | undefined)[];
  private headIdx = 0;
  private tailIdx = 0;
  private used = 0;

  constructor(
    readonly depth: number,
    private readonly rule: RingFullRule,
  ) {
    if (depth < 2) throw new RangeError('HwRing: depth < 2'); // configuration bug
    this.slots = new Array<T | undefined>(depth);
  }

  get head(): number {
    return this.headIdx;
  }

  get tail(): number {
    return this.tailIdx;
  }

  get count(): number {
    return this.used;
  }

  get capacity(): number {
    return this.rule === 'wrapBit' ? this.depth : this.depth - 1;
  }

  get full(): boolean {
    return this.used >= this.capacity;
  }

  get empty(): boolean {
    return this.used === 0;
  }

  /** Hardware write at the tail; the slot index, or null when full. */
  push(entry: T): number | null {
    if (this.full) return null;
    const at = this.tailIdx;
    this.slots[at] = entry;
    this.tailIdx = (at + 1) % this.depth;
    this.used++;
    return at;
  }

  /** The entry in slot `index` (software reads between head and tail). */
  at(index: number): T | undefined {
    return this.slots[index % this.depth];
  }

  /** Software consumes the entry at the head (per-entry head update). */
  pop(): T | undefined {
    if (this.used === 0) return undefined;
    const e = this.slots[this.headIdx];
    this.slots[this.headIdx] = undefined;
    this.headIdx = (this.headIdx + 1) % this.depth;
    this.used--;
    return e;
  }

  /** Software writes the head register (VT-d: PQH = tail after a whole batch). */
  setHead(index: number): void {
    while (this.used > 0 && this.headIdx !== index % this.depth) this.pop();
  }

  /** Index after `index`, wrapping. */
  next(index: number): number {
    return (index + 1) % this.depth;
  }
}
