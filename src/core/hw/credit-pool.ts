/**
 * Outstanding Page Request credits (../shared/spec/hardware-model.md §1.5):
 * a function may not have more individual page requests outstanding than the
 * Allocation register grants; credits come back only with the PRG Response of
 * the request's group. Stop Markers take no credit.
 */
export class CreditPool {
  private used = 0;

  /** `capacity` is read on every use: software may rewrite the Allocation register. */
  constructor(private readonly capacity: () => number) {}

  get inUse(): number {
    return this.used;
  }

  get available(): number {
    return Math.max(0, this.capacity() - this.used);
  }

  take(n: number): void {
    this.used += n;
  }

  give(n: number): void {
    this.used = Math.max(0, this.used - n);
  }

  /** PRI reset: the credit counter is cleared with the pending request state. */
  clear(): void {
    this.used = 0;
  }
}
