/**
 * Failure injection in the style of the kernel's fail_nth
 * (tools/testing/selftests/iommu/iommufd_fail_nth.c): every allocation or
 * user copy the emulator models is a named site; with `failNth = n` the n-th
 * site reached (1-based) fails once. Sites reached are listed for tests.
 */
export class FaultInjection {
  private count = 0;
  private target = 0;
  readonly reached: string[] = [];

  /** Arm: the n-th site reached from now fails (0 disarms). */
  failNth(n: number): void {
    this.count = 0;
    this.target = n;
    this.reached.length = 0;
  }

  /** True when this site must fail. Sites are listed only while armed (no cost otherwise). */
  shouldFail(site: string): boolean {
    if (this.target === 0) return false;
    this.reached.push(site);
    this.count++;
    if (this.count === this.target) {
      this.target = 0;
      return true;
    }
    return false;
  }
}
