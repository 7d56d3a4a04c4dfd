/**
 * The SMMU's bookkeeping of stalled transactions (Arm SMMUv3 §3.12, §4.7):
 * each stall gets a STAG that is not reused until the stall is resumed or
 * terminated; held transactions occupy stall slots, and when none is free the
 * SMMU back-pressures every stream (transactions wait, FIFO). A duplicate stall
 * of an already-stalled page may join the existing STAG (suppression).
 */
import type { StallProfile } from '../vendor-profiles';

export interface Stall<T> {
  readonly sid: number;
  readonly stag: number;
  readonly ssid: number | null;
  readonly page: bigint;
  readonly txns: T[];
  /** seq of the EVTQ_ENQ record. */
  readonly seq: number;
}

export class StallTable<T> {
  private readonly stalls = new Map<string, Stall<T>>();
  private readonly waiting: T[] = [];
  private heldTxns = 0;
  private nextStag = 0;

  constructor(private readonly cfg: StallProfile) {}

  /** Transactions held under a STAG. */
  get held(): number {
    return this.heldTxns;
  }

  /** Transactions waiting for a slot. */
  get backPressured(): number {
    return this.waiting.length;
  }

  get slotFree(): boolean {
    return this.heldTxns < this.cfg.slots;
  }

  find(sid: number, stag: number): Stall<T> | undefined {
    return this.stalls.get(key(sid, stag));
  }

  findPage(sid: number, ssid: number | null, page: bigint): Stall<T> | undefined {
    for (const s of this.stalls.values()) if (s.sid === sid && s.ssid === ssid && s.page === page) return s;
    return undefined;
  }

  ofStream(sid: number): Stall<T>[] {
    return [...this.stalls.values()].filter((s) => s.sid === sid);
  }

  /** A new stall: the next STAG not in use on this stream. */
  open(sid: number, ssid: number | null, page: bigint, txn: T, seqOf: (stag: number) => number): Stall<T> {
    const space = 1 << this.cfg.stagBits;
    let stag = this.nextStag;
    for (let i = 0; i < space && this.stalls.has(key(sid, stag)); i++) stag = (stag + 1) % space;
    this.nextStag = (stag + 1) % space;
    const s: Stall<T> = { sid, stag, ssid, page, txns: [txn], seq: seqOf(stag) };
    this.stalls.set(key(sid, stag), s);
    this.heldTxns++;
    return s;
  }

  join(s: Stall<T>, txn: T): void {
    s.txns.push(txn);
    this.heldTxns++;
  }

  /** CMD_RESUME / CMD_STALL_TERM: the stall ends, its slots free up. */
  close(s: Stall<T>): void {
    if (this.stalls.delete(key(s.sid, s.stag))) this.heldTxns -= s.txns.length;
  }

  wait(txn: T): void {
    this.waiting.push(txn);
  }

  /** Waiting transactions that may try again now that slots freed (FIFO). */
  nextWaiting(): T | undefined {
    return this.slotFree ? this.waiting.shift() : undefined;
  }
}

const key = (sid: number, stag: number): string => `${sid}:${stag}`;
