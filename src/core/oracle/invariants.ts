/**
 * The invariant oracle (../shared/spec/hardware-model.md §5.7): watches any
 * event stream, live or recorded, and reports what must never happen. A
 * violation is data (a description and the event that exposed it), never an
 * exception: the engine records it as an INVARIANT_VIOLATION event.
 *
 * Kernel and iommufd rules checked here:
 *  - one page response per io-pgfault group: a PAGE_RESPONSE needs an open
 *    group of that (device, PRG index); groups still open at the end were
 *    never answered;
 *  - no page response for a device after `iopf_queue_remove_device` until
 *    IOPF is enabled again;
 *  - cookies are unique among outstanding groups (per fault object upstream,
 *    per device in v4: the record's dev_id is part of the key);
 *  - a group is read atomically: its records share one cookie.
 * Hardware rules (per function): exactly one PRG response per PRG that
 * reached the IOMMU with Last (unless the function latched Response Failure);
 * no response to a Stop Marker; outstanding requests ≤ the PRI allocation.
 */
import type { TraceEvent } from '../../shared/events';
import type { KernelProfile } from '../../shared/uapi/profiles';

export interface Violation {
  /** Stable rule id, e.g. `one-response-per-group`. */
  readonly rule: string;
  readonly message: string;
  /** seq of the event that exposed it (the last event for end-of-run checks). */
  readonly seq: number;
  readonly dev: number | null;
}

export class InvariantOracle {
  /** (dev/grpid) → open io-pgfault groups. */
  private readonly openGroups = new Map<string, number>();
  /** Devices removed from their iopf queue → seq of the removal (only its own responses are allowed). */
  private readonly removed = new Map<number, number>();
  /** Outstanding cookies: key → seq of the read that handed it out. */
  private readonly cookies = new Map<string, number>();
  private lastReadCookie: { seq: number; cookie: number; group: number } | null = null;
  private lastSeq = -1;

  constructor(private readonly profile: KernelProfile) {}

  /** Checks one event; returns the violations it exposes. */
  observe(e: TraceEvent): Violation[] {
    this.lastSeq = e.seq;
    const out: Violation[] = [];
    const v = (rule: string, message: string): void => void out.push({ rule, message, seq: e.seq, dev: e.dev });
    switch (e.kind) {
      case 'IOPF_GROUP':
        this.bump(this.openGroups, `${e.dev}/${e.grpid}`, 1);
        break;
      case 'PAGE_RESPONSE': {
        const key = `${e.dev}/${e.grpid}`;
        if (e.dev !== null && this.removed.has(e.dev) && e.parent !== this.removed.get(e.dev)) v('no-response-after-remove', `page response for device ${e.dev} after iopf_queue_remove_device`);
        if (!this.bump(this.openGroups, key, -1))
          v('one-response-per-group', `second page response (or one without a group) for device ${e.dev}, PRG index ${e.grpid}`);
        break;
      }
      case 'QUEUE_REMOVE_DEVICE':
        if (e.dev !== null) this.removed.set(e.dev, e.seq);
        break;
      case 'IOPF_ENABLE':
        if (e.dev !== null) this.removed.delete(e.dev);
        break;
      case 'FAULT_READ': {
        if (e.cookie === null) break;
        const key = this.cookieKey(e);
        const group = e.parent ?? -1;
        const sameGroup = this.lastReadCookie && this.lastReadCookie.cookie === e.cookie && this.lastReadCookie.seq === e.seq - 1;
        if (!sameGroup) {
          if (this.cookies.has(key)) v('unique-cookies', `cookie ${e.cookie} handed out while still outstanding (read at #${this.cookies.get(key)})`);
          this.cookies.set(key, e.seq);
        }
        this.lastReadCookie = { seq: e.seq, cookie: e.cookie, group };
        break;
      }
      case 'RESPONSE_WRITE':
      case 'AUTO_RESPONSE':
        if (e.cookie !== null) this.cookies.delete(this.cookieKey(e));
        break;
      default:
        break;
    }
    return out;
  }

  /** End of run: groups that never got a response. */
  finish(): Violation[] {
    const out: Violation[] = [];
    for (const [key, n] of this.openGroups) {
      if (n <= 0) continue;
      const [dev, grpid] = key.split('/');
      out.push({
        rule: 'one-response-per-group',
        message: `${n} group(s) of device ${dev}, PRG index ${grpid} never answered`,
        seq: this.lastSeq,
        dev: dev === 'null' ? null : Number(dev),
      });
    }
    return out;
  }

  /**
   * Upstream: one cookie space per fault object; v4: per device as well. The
   * fault object is named by the note prefix `fault <id>` its events carry.
   */
  private cookieKey(e: TraceEvent): string {
    const fault = /^fault (\d+)/.exec(e.note ?? '')?.[1] ?? '?';
    return this.profile.cookieScope === 'fault-object' ? `${fault}:${e.cookie}` : `${fault}:${e.dev}:${e.cookie}`;
  }

  /** Adds `d` to a counter; false when that would go below zero. */
  private bump(m: Map<string, number>, key: string, d: number): boolean {
    const n = (m.get(key) ?? 0) + d;
    if (n < 0) return false;
    if (n === 0) m.delete(key);
    else m.set(key, n);
    return true;
  }
}
