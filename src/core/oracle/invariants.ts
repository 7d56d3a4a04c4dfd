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
 * Hardware rules (per function, from its PR_SEND / PRG_RESP_RECV events):
 * exactly one PRG response per PRG sent with Last (none owed once Response
 * Failure latched); no response to a Stop Marker; outstanding requests ≤ the
 * Allocation its PRI was enabled with.
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

const NONE: Violation[] = [];

/**
 * A (device, PRG index) counter key: a number for the usual integers (no
 * string built per event), else the `dev/grpid` text. `keyParts` reads either back.
 */
type PrgKey = number | string;
const GRP_SPAN = 1024;
const DEV_LIMIT = 2 ** 40;

function prgKey(dev: number | null, grpid: number | null): PrgKey {
  if (dev !== null && grpid !== null && Number.isInteger(dev) && Number.isInteger(grpid) && dev >= 0 && dev < DEV_LIMIT && grpid >= 0 && grpid < GRP_SPAN)
    return dev * GRP_SPAN + grpid;
  return `${dev}/${grpid}`;
}

function keyParts(key: PrgKey): [string, string] {
  if (typeof key === 'number') return [String(Math.floor(key / GRP_SPAN)), String(key % GRP_SPAN)];
  const [dev, grpid] = key.split('/');
  return [dev!, grpid!];
}

export class InvariantOracle {
  /** (dev/grpid) → open io-pgfault groups. */
  private readonly openGroups = new Map<PrgKey, number>();
  /** Devices removed from their iopf queue → seq of the removal (only its own responses are allowed). */
  private readonly removed = new Map<number, number>();
  /** Outstanding cookies: key → seq of the read that handed it out. */
  private readonly cookies = new Map<string, number>();
  private lastReadCookie: { seq: number; cookie: number; group: number } | null = null;
  private lastSeq = -1;
  /** Device side: (dev/PRG index) → PRGs whose Last request was sent and not yet answered. */
  private readonly openPrgs = new Map<PrgKey, number>();
  /** Requests sent per (dev/PRG index) since its last response (their credits). */
  private readonly prgRequests = new Map<PrgKey, number>();
  /** Outstanding page requests per function, and the Allocation its PRI was enabled with. */
  private readonly outstanding = new Map<number, number>();
  private readonly allocation = new Map<number, number>();
  /** Functions that sent a Stop Marker (a response with no open PRG is then a response to it). */
  private readonly stopMarkers = new Set<number>();
  /** Response Failure latched somewhere: unanswered PRGs are then expected. */
  private responseFailure = false;

  constructor(private readonly profile: KernelProfile) {}

  /** Checks one event; returns the violations it exposes. */
  observe(e: TraceEvent): Violation[] {
    this.lastSeq = e.seq;
    this.found = NONE;
    this.current = e;
    this.check(e);
    return this.found;
  }

  /** Violations of the event being observed (allocated only when there is one). */
  private found: Violation[] = NONE;
  private current: TraceEvent | null = null;

  private v(rule: string, message: string): void {
    if (this.found === NONE) this.found = [];
    this.found.push({ rule, message, seq: this.current!.seq, dev: this.current!.dev });
  }

  private check(e: TraceEvent): void {
    switch (e.kind) {
      case 'IOPF_GROUP':
        this.bump(this.openGroups, prgKey(e.dev, e.grpid), 1);
        break;
      case 'PAGE_RESPONSE': {
        const key = prgKey(e.dev, e.grpid);
        if (e.dev !== null && this.removed.has(e.dev) && e.parent !== this.removed.get(e.dev)) this.v('no-response-after-remove', `page response for device ${e.dev} after iopf_queue_remove_device`);
        if (!this.bump(this.openGroups, key, -1))
          this.v('one-response-per-group', `second page response (or one without a group) for device ${e.dev}, PRG index ${e.grpid}`);
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
          if (this.cookies.has(key)) this.v('unique-cookies', `cookie ${e.cookie} handed out while still outstanding (read at #${this.cookies.get(key)})`);
          this.cookies.set(key, e.seq);
        }
        this.lastReadCookie = { seq: e.seq, cookie: e.cookie, group };
        break;
      }
      case 'RESPONSE_WRITE':
      case 'AUTO_RESPONSE':
        if (e.cookie !== null) this.cookies.delete(this.cookieKey(e));
        break;
      case 'PRI_ENABLE': {
        const alloc = /allocation (\d+)/.exec(e.note ?? '');
        if (alloc && e.dev !== null) this.allocation.set(e.dev, Number(alloc[1]));
        break;
      }
      case 'PR_SEND': {
        if (e.dev === null || e.grpid === null) break;
        const key = prgKey(e.dev, e.grpid);
        this.bump(this.prgRequests, key, 1);
        const n = (this.outstanding.get(e.dev) ?? 0) + 1;
        this.outstanding.set(e.dev, n);
        const alloc = this.allocation.get(e.dev);
        if (alloc !== undefined && n > alloc) this.v('outstanding-within-allocation', `function ${e.dev} has ${n} page requests outstanding, allocation ${alloc}`);
        if (/\bL=1\b/.test(e.note ?? '')) this.bump(this.openPrgs, key, 1);
        break;
      }
      case 'STOP_MARKER_SEND':
        if (e.dev !== null) this.stopMarkers.add(e.dev);
        break;
      case 'RF_LATCH':
        this.responseFailure = true;
        break;
      case 'PRG_RESP_RECV': {
        if (e.dev === null || e.grpid === null) break;
        const key = prgKey(e.dev, e.grpid);
        const credits = this.prgRequests.get(key) ?? 0;
        this.prgRequests.delete(key);
        this.outstanding.set(e.dev, Math.max(0, (this.outstanding.get(e.dev) ?? 0) - credits));
        if (!this.bump(this.openPrgs, key, -1)) {
          if (this.stopMarkers.has(e.dev)) this.v('no-response-to-stop-marker', `function ${e.dev} received a PRG response (index ${e.grpid}) with no open group: a response to its Stop Marker`);
          else this.v('one-prg-response', `function ${e.dev} received a second (or premature) response for PRG index ${e.grpid}`);
        }
        break;
      }
      default:
        break;
    }
  }

  /** End of run: groups that never got a response. */
  finish(): Violation[] {
    const out: Violation[] = [];
    if (!this.responseFailure)
      for (const [key, n] of this.openPrgs) {
        if (n <= 0) continue;
        const [dev, grpid] = keyParts(key);
        out.push({ rule: 'one-prg-response', message: `function ${dev}: PRG index ${grpid} sent with Last and never answered`, seq: this.lastSeq, dev: Number(dev) });
      }
    for (const [key, n] of this.openGroups) {
      if (n <= 0) continue;
      const [dev, grpid] = keyParts(key);
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
  private bump<K>(m: Map<K, number>, key: K, d: number): boolean {
    const n = (m.get(key) ?? 0) + d;
    if (n < 0) return false;
    if (n === 0) m.delete(key);
    else m.set(key, n);
    return true;
  }
}
