/**
 * The iommufd fault object and its fd: drivers/iommu/iommufd/fault.c (v4 as in
 * the seed patch, 6.11–6.14), eventq.c (6.15+), with the 2026 read/write
 * fixes for the upstream profile (../shared/spec/iommufd-abi-and-behaviour.md
 * §2.2–§2.9). Groups from io-pgfault go on `deliver`; read() hands out whole
 * groups as fault records and gives each group a cookie (lowest free id ≥ 1,
 * per fault object upstream, per device in v4); write() takes response
 * records and answers the group behind each cookie. Every entry point returns
 * what the syscall returns: a byte count, or -errno.
 */
import { ERRNO } from '../../shared/errno';
import { EPOLLIN, EPOLLOUT, EPOLLRDNORM } from '../../shared/uapi/iommufd';
import { formatObjectNoteHead } from '../../shared/uapi/iommufd-object-notes';
import { encodeStruct } from '../../shared/uapi/layout';
import type { KernelProfile } from '../../shared/uapi/profiles';
import { Emitter } from '../base/emitter';
import type { FaultInjection } from '../base/fault-injection';
import { IdAllocator } from '../base/id-allocator';
import { IOMMU_PAGE_RESP_INVALID, type IommuAttachHandle, type IopfCore, type IopfHandler } from '../kernel/iommu-core';
import type { IopfGroup } from '../kernel/iopf-types';
import type { Tracer } from '../trace/tracer';
import { IommufdObjectType, type IommufdObject } from './object-table';

/** A user buffer: `badAt` models an address where copy_to/from_user faults (bytes from its start). */
export interface UserBuffer {
  readonly badAt?: number;
}

/** Offset of the 6.11–6.13 record's implicit padding hole (between perm and addr). */
export const PGFAULT_HOLE_OFFSET = 20;
/**
 * What the emulator puts in that hole: the upper half of an x86-64 direct-map
 * kernel pointer (0xffff8880…), the kind of stack residue the leak exposed.
 * Real bytes vary; a fixed value keeps runs deterministic.
 */
export const STACK_RESIDUE = 0xffff8880;

export interface ReadResult {
  /** Bytes copied or -errno. */
  readonly ret: number;
  /** The bytes the kernel copied out (its length is `ret` when ret ≥ 0). */
  readonly bytes: Uint8Array;
}

export class FaultObject implements IommufdObject, IopfHandler {
  readonly type = IommufdObjectType.FAULT;
  users = 1;
  /** Queued groups, FIFO (`fault->deliver`). */
  private readonly deliver: IopfGroup[] = [];
  /** Read, awaiting a response: cookie-space key (device × 2^32 + cookie) → group. */
  private readonly response = new Map<number, IopfGroup>();
  /** v4: groups whose copy failed, stranded on the response list with their cookie erased. */
  private readonly stranded = new Set<IopfGroup>();
  private readonly cookieSpaces = new Map<number, IdAllocator>();
  private readonly queuedEmitter = new Emitter<void>();
  /** Wake-up of the poll wait queue: fires when a group is queued (only then). */
  readonly onReadable = this.queuedEmitter.event;
  /** True while the fd is open. */
  fdOpen = true;
  /** Offsets of the response fields write() reads, from the profile's layout. */
  private readonly responseFields: { cookie: number; code: number; dev_id: number };
  /** Offsets of the fault record's fields (`size` is -1 when the layout has none). */
  private readonly recordFields: Record<'size' | 'flags' | 'dev_id' | 'pasid' | 'grpid' | 'perm' | 'addr' | 'cookie', number>;
  /** `fault <id>`: names this fault object on its events (the oracle keys cookies by it). */
  private readonly traceNote: string;

  constructor(
    public id: number,
    private readonly profile: KernelProfile,
    private readonly iopf: IopfCore,
    private readonly tracer: Tracer,
    private readonly inject: FaultInjection,
    /** The ordinal of the context that owns it (its OBJ_DESTROY note names it after the first). */
    private readonly ctxOrdinal = 1,
  ) {
    const at = (name: string): number => profile.responseRecord.fields.find((f) => f.name === name)?.offset ?? 0;
    this.responseFields = { cookie: at('cookie'), code: at('code'), dev_id: at('dev_id') };
    const rec = (name: string): number => profile.faultRecord.fields.find((f) => f.name === name)?.offset ?? -1;
    this.recordFields = { size: rec('size'), flags: rec('flags'), dev_id: rec('dev_id'), pasid: rec('pasid'), grpid: rec('grpid'), perm: rec('perm'), addr: rec('addr'), cookie: rec('cookie') };
    this.traceNote = `fault ${id}`;
  }

  get recordSize(): number {
    return this.profile.faultRecord.size;
  }

  get responseSize(): number {
    return this.profile.responseRecord.size;
  }

  /** Cookies of read-but-unanswered groups, ascending (state panel, oracle). */
  outstandingCookies(): number[] {
    return [...this.response.values()].map((g) => g.cookie).sort((a, b) => a - b);
  }

  /** Groups queued and not yet read. */
  get queued(): number {
    return this.deliver.length;
  }

  get outstanding(): number {
    return this.response.size;
  }

  /** `iommufd_fault_iopf_handler()`: append to deliver, wake pollers; never fails upstream. */
  handleGroup(group: IopfGroup): number {
    this.deliver.push(group);
    this.tracer.emit('iommufd', 'FAULT_QUEUED', {
      dev: group.dev.rid,
      pasid: group.lastFault.prm.pasid,
      grpid: group.lastFault.prm.grpid,
      addr: group.lastFault.prm.addr,
      parent: group.seq,
      note: `fault ${this.id}: ${group.faults.length} record(s)`,
    });
    this.queuedEmitter.fire();
    return 0;
  }

  /** `iommufd_fault_fops_poll()` */
  poll(): number {
    return EPOLLOUT | (this.deliver.length > 0 ? EPOLLIN | EPOLLRDNORM : 0);
  }

  /** `iommufd_fault_fops_read(filep, buf, count, ppos)` */
  read(count: number, ppos = 0, buf: UserBuffer = {}): ReadResult {
    const size = this.recordSize;
    if (ppos !== 0 || count % size !== 0) return this.readFail(-ERRNO.ESPIPE, `count ${count} is not a multiple of ${size} (or *ppos ≠ 0)`);
    const out = new Uint8Array(count);
    const view = new DataView(out.buffer);
    let done = 0;
    let rc = 0;
    /** Groups copied out, for the trace once the call is over. */
    const delivered: IopfGroup[] = [];
    while (this.deliver.length > 0) {
      const group = this.deliver[0]!;
      if (done >= count || group.faults.length * size > count - done) {
        // Whole groups only: the head stays queued.
        if (done === 0 && this.profile.readTooSmallForHead === 'einval') rc = -ERRNO.EINVAL;
        break;
      }
      const devKey = this.cookieKeyDevice(group);
      const space = this.cookieSpace(devKey);
      const cookie = this.inject.shouldFail('iommufd.read.xa_alloc') ? null : space.alloc();
      if (cookie === null) {
        rc = -ERRNO.ENOMEM;
        break;
      }
      group.cookie = cookie;
      let groupDone = done;
      let copied = 0;
      for (const f of group.faults) {
        if (buf.badAt !== undefined && groupDone + size > buf.badAt) break;
        this.composeRecord(view, groupDone, group, f.prm, cookie);
        groupDone += size;
        copied++;
      }
      if (copied < group.faults.length) {
        space.release(cookie);
        group.cookie = 0;
        const mode = this.profile.readCopyFailure;
        if (mode === 'strand') {
          // v4: list_move_tail to the response list anyway; its cookie is gone, so nobody can answer it.
          this.deliver.shift();
          this.stranded.add(group);
          this.tracer.emit('iommufd', 'READ_SHORT', { dev: group.dev.rid, grpid: group.lastFault.prm.grpid, errno: ERRNO.EFAULT, parent: group.seq, note: 'v4: copy_to_user failed; group stranded with its cookie erased' });
          done += copied * size; // the records copied before the fault were counted
          continue;
        }
        if (mode === 'leak-and-continue') {
          // 6.11–6.13 (fault.c @07838f7fd529): xa_erase, rc = -EFAULT, then list_del
          // anyway: iommufd loses the group; the loop goes on at the same offset.
          rc = -ERRNO.EFAULT;
          this.deliver.shift();
          this.traceShort(out, done, copied, group, cookie, 'copy_to_user failed; cookie erased and the group dropped from deliver: iommufd never answers it (only io-pgfault still holds it)');
          done += copied * size;
          continue;
        }
        if (mode === 'restore-and-retry') {
          // 6.14–6.15 (3d49020a327c): xa_erase, restore to the head, and the
          // outer `while (fetch)` takes the same group again at the new offset.
          rc = -ERRNO.EFAULT;
          if (copied === 0) {
            // The retry is this very call again: same group, same offset, same
            // fault. The kernel spins here for ever with fault->mutex held
            // (fixed by 172fc8b19825); the emulator ends the call instead.
            this.traceShort(out, done, 0, group, cookie, 'copy_to_user failed on the first record; the group is restored and fetched again at the same offset: read() livelocks in the kernel with fault->mutex held (the emulator returns what the loop had)');
            break;
          }
          this.traceShort(out, done, copied, group, cookie, 'copy_to_user failed part-way; the group is restored to the head, but the records already copied stay counted: a partial group whose cookie is erased');
          done += copied * size;
          continue;
        }
        // upstream: restore to the head, EFAULT, stop.
        rc = -ERRNO.EFAULT;
        this.tracer.emit('iommufd', 'READ_SHORT', { dev: group.dev.rid, grpid: group.lastFault.prm.grpid, errno: ERRNO.EFAULT, parent: group.seq, note: 'copy_to_user failed; group restored to the head of deliver' });
        break;
      }
      this.deliver.shift();
      this.response.set(this.responseKey(devKey, cookie), group);
      delivered.push(group);
      done = groupDone;
    }
    if (delivered.length) this.traceReads(out, delivered, size);
    if (done === 0 && rc !== 0 && this.profile.returnsErrnoWhenNothingDone) return this.readFail(rc, 'nothing delivered');
    return { ret: done, bytes: out.subarray(0, done) };
  }

  /** FAULT_READ per record; one copy of the delivered bytes backs every event's raw view. */
  private traceReads(out: Uint8Array, groups: readonly IopfGroup[], size: number): void {
    let records = 0;
    for (const g of groups) records += g.faults.length;
    const copy = out.slice(0, records * size);
    let at = 0;
    for (const group of groups) {
      for (const f of group.faults) {
        this.tracer.emit('iommufd', 'FAULT_READ', {
          dev: group.dev.rid,
          pasid: group.lastFault.prm.pasid,
          grpid: group.lastFault.prm.grpid,
          addr: f.prm.addr,
          perm: group.lastFault.prm.perm,
          cookie: group.cookie,
          parent: f.seq,
          raw: copy.subarray(at, at + size),
          note: this.traceNote,
        });
        at += size;
      }
    }
  }

  /**
   * READ_SHORT for a group whose copy failed; the records copied before the
   * fault (which user space receives, carrying the erased cookie) ride along
   * as its raw bytes.
   */
  private traceShort(out: Uint8Array, at: number, copied: number, group: IopfGroup, cookie: number, note: string): void {
    const size = this.recordSize;
    this.tracer.emit('iommufd', 'READ_SHORT', {
      dev: group.dev.rid,
      grpid: group.lastFault.prm.grpid,
      cookie: copied ? cookie : null,
      errno: ERRNO.EFAULT,
      parent: group.seq,
      raw: copied ? out.slice(at, at + copied * size) : null,
      note: `${this.traceNote}: ${note}${copied ? ` (${copied} of ${group.faults.length} record(s) returned, cookie ${cookie})` : ''}`,
    });
  }

  /** `iommufd_fault_fops_write(filep, buf, count, ppos)` */
  write(data: Uint8Array, ppos = 0, buf: UserBuffer = {}): number {
    const size = this.responseSize;
    if (ppos !== 0 || data.length % size !== 0) return this.writeFail(-ERRNO.ESPIPE, `count ${data.length} is not a multiple of ${size} (or *ppos ≠ 0)`);
    if (this.profile.writeZeroWhenNoneOutstanding && this.response.size === 0) return 0;
    let done = 0;
    let rc = 0;
    // copy_from_user: one copy backs every record's view (and the events' raw bytes).
    const copy = data.slice();
    const view = new DataView(copy.buffer);
    while (done < data.length) {
      if (buf.badAt !== undefined && done + size > buf.badAt) {
        if (this.profile.writeCopyFailure === 'efault') rc = -ERRNO.EFAULT;
        // 6.11–6.15: `rc = copy_from_user(...)` is the count of bytes left
        // uncopied, so a failure on the first record returns it as a
        // positive byte count (fixed by aaca2aa92785).
        else if (this.profile.writeCopyFailure === 'positive-remainder') rc = done + size - Math.max(buf.badAt, done);
        break;
      }
      const raw = copy.subarray(done, done + size);
      const cookie = view.getUint32(done + this.responseFields.cookie, true);
      const code = view.getUint32(done + this.responseFields.code, true);
      const accepted = this.profile.acceptedResponseCodes;
      if (accepted && !accepted.includes(code)) {
        rc = -ERRNO.EINVAL; // checked before the cookie lookup: the group stays outstanding
        this.tracer.emit('iommufd', 'FD_ERRNO', { cookie, code, errno: ERRNO.EINVAL, raw, note: `response code ${code} is neither SUCCESS nor INVALID` });
        break;
      }
      const devKey = this.profile.cookieScope === 'device' ? view.getUint32(done + this.responseFields.dev_id, true) : 0;
      const key = this.responseKey(devKey, cookie);
      const group = this.response.get(key);
      if (!group) {
        rc = -ERRNO.EINVAL;
        this.tracer.emit('iommufd', 'FD_ERRNO', {
          cookie,
          code,
          errno: ERRNO.EINVAL,
          raw,
          note:
            this.profile.cookieScope === 'device'
              ? `v4: no group with cookie ${cookie} for dev_id ${devKey} (the device reference taken for the lookup leaks)`
              : `no outstanding group with cookie ${cookie}`,
        });
        break;
      }
      this.response.delete(key);
      this.cookieSpace(devKey).release(cookie);
      const seq = this.tracer.emit('iommufd', 'RESPONSE_WRITE', {
        dev: group.dev.rid,
        pasid: group.lastFault.prm.pasid,
        grpid: group.lastFault.prm.grpid,
        cookie,
        code,
        raw,
        parent: group.seq,
        note: this.traceNote,
      });
      this.iopf.groupResponse(group, code, seq);
      done += size;
    }
    if (done === 0 && rc !== 0 && this.profile.returnsErrnoWhenNothingDone) return rc;
    return done;
  }

  /**
   * `iommufd_auto_response_faults(hwpt, handle)`: every queued or read group
   * of this attach handle is answered INVALID (detach / replace, v5+).
   */
  autoRespond(handle: IommuAttachHandle, parent: number): number {
    let n = 0;
    for (const g of [...this.deliver]) {
      if (g.handle !== handle) continue;
      this.deliver.splice(this.deliver.indexOf(g), 1);
      this.answerAuto(g, parent, 'detach/replace: queued group');
      n++;
    }
    for (const [key, g] of [...this.response]) {
      if (g.handle !== handle) continue;
      this.response.delete(key);
      this.cookieSpace(this.cookieKeyDevice(g)).release(g.cookie);
      this.answerAuto(g, parent, 'detach/replace: read, unanswered group');
      n++;
    }
    return n;
  }

  /** `iommufd_fault_destroy()`: queued groups (and read ones, per profile) are answered INVALID. */
  destroy(): void {
    const parent = this.tracer.emit('iommufd', 'OBJ_DESTROY', { note: `${formatObjectNoteHead('FAULT', this.id, this.ctxOrdinal)}: ${this.deliver.length} queued, ${this.response.size} outstanding` });
    for (const g of this.deliver.splice(0)) this.answerAuto(g, parent, 'fault object destroyed: queued group');
    if (this.profile.destroyAnswersOutstanding) {
      for (const g of this.response.values()) this.answerAuto(g, parent, 'fault object destroyed: read, unanswered group');
      for (const g of this.stranded) this.answerAuto(g, parent, 'fault object destroyed: stranded group');
      this.response.clear();
      this.stranded.clear();
    }
    this.queuedEmitter.dispose();
  }

  private answerAuto(g: IopfGroup, parent: number, note: string): void {
    const seq = this.tracer.emit('iommufd', 'AUTO_RESPONSE', {
      dev: g.dev.rid,
      pasid: g.lastFault.prm.pasid,
      grpid: g.lastFault.prm.grpid,
      cookie: g.cookie || null,
      code: IOMMU_PAGE_RESP_INVALID,
      parent,
      note: `fault ${this.id}: ${note}`,
    });
    this.iopf.groupResponse(g, IOMMU_PAGE_RESP_INVALID, seq);
  }

  /**
   * `iommufd_compose_fault_message()` straight into the user buffer: flags and
   * perm copied raw, length always 0, `__reserved` zero (the buffer starts zeroed).
   */
  private composeRecord(view: DataView, at: number, group: IopfGroup, prm: IopfGroup['lastFault']['prm'], cookie: number): void {
    const o = this.recordFields;
    if (o.size >= 0) view.setUint32(at + o.size, this.recordSize, true);
    // 6.11–6.13: `struct iommu_hwpt_pgfault data;` is not zeroed and nothing
    // writes the hole at 20, so stack bytes reach user space.
    if (this.profile.recordHoleLeaksStack) view.setUint32(at + PGFAULT_HOLE_OFFSET, STACK_RESIDUE, true);
    view.setUint32(at + o.flags, prm.flags, true);
    view.setUint32(at + o.dev_id, group.handle.idevId ?? 0, true);
    view.setUint32(at + o.pasid, prm.pasid, true);
    view.setUint32(at + o.grpid, prm.grpid, true);
    view.setUint32(at + o.perm, prm.perm, true);
    view.setBigUint64(at + o.addr, prm.addr, true);
    view.setUint32(at + o.cookie, cookie, true);
  }

  /** v4 keys cookies by the attach handle's device (`idev->faults`); upstream has one space. */
  private cookieKeyDevice(group: IopfGroup): number {
    return this.profile.cookieScope === 'device' ? group.handle.idevId ?? 0 : 0;
  }

  private cookieSpace(key: number): IdAllocator {
    let a = this.cookieSpaces.get(key);
    if (!a) this.cookieSpaces.set(key, (a = new IdAllocator()));
    return a;
  }

  private responseKey(devKey: number, cookie: number): number {
    return devKey * 0x1_0000_0000 + cookie;
  }

  private readFail(rc: number, note: string): ReadResult {
    this.tracer.emit('iommufd', 'FD_ERRNO', { errno: -rc, note: `read: ${note}` });
    return { ret: rc, bytes: new Uint8Array(0) };
  }

  private writeFail(rc: number, note: string): number {
    this.tracer.emit('iommufd', 'FD_ERRNO', { errno: -rc, note: `write: ${note}` });
    return rc;
  }
}

/** For tests and encoders: the response bytes for a profile. */
export function encodeResponse(profile: KernelProfile, fields: { cookie: number; code: number; dev_id?: number; pasid?: number; grpid?: number }): Uint8Array {
  return encodeStruct(profile.responseRecord, { size: profile.responseRecord.size, flags: 0, ...fields });
}
