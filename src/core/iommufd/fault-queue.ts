/**
 * The iommufd fault object and its fd (drivers/iommu/iommufd/fault.c, later
 * eventq.c; v4 as in the seed patch). Groups from the io-pgfault core go on the
 * `deliver` list; read() hands out whole groups as 40-byte
 * `struct iommu_hwpt_pgfault` records and gives each group a cookie (lowest
 * free id ≥ 1); write() takes `struct iommu_hwpt_page_response` records and
 * answers the group behind each cookie. Return values are the syscall's:
 * a byte count, or -errno.
 */
import { ERRNO } from '../../shared/errno';
import {
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDNORM,
} from '../../shared/uapi/iommufd';
import { decodeStruct, encodeStruct } from '../../shared/uapi/layout';
import type { KernelProfile } from '../../shared/uapi/profiles';
import { Emitter } from '../base/emitter';
import { IdAllocator } from '../base/id-allocator';
import type { IoPageFaultCore } from '../kernel/legacy-io-pgfault';
import type { IopfGroup, IopfHandler } from '../kernel/legacy-iopf-types';
import type { Tracer } from '../trace/tracer';

export interface ReadResult {
  /** Bytes copied (a multiple of the record size) or -errno. */
  readonly ret: number;
  readonly bytes: Uint8Array;
}

interface Outstanding {
  readonly group: IopfGroup;
  readonly cookie: number;
}

export class FaultQueue implements IopfHandler {
  private readonly deliver: IopfGroup[] = [];
  /** Read but unanswered groups, by cookie space key (`cookie` or `dev:cookie` in v4). */
  private readonly response = new Map<string, Outstanding>();
  /** Cookie allocators: one per fault object upstream, one per device in v4. */
  private readonly cookies = new Map<number, IdAllocator>();
  private readonly onDidQueue = new Emitter<void>();
  private fdOpen = true;

  /** Fires when a group is queued: the poll wait queue's wake-up. */
  readonly onReadable = this.onDidQueue.event;

  constructor(
    /** iommufd object id of this fault object. */
    readonly id: number,
    private readonly profile: KernelProfile,
    private readonly iopf: IoPageFaultCore,
    private readonly tracer: Tracer,
  ) {}

  get recordSize(): number {
    return this.profile.faultRecord.size;
  }

  get responseSize(): number {
    return this.profile.responseRecord.size;
  }

  /** Groups queued and not yet read. */
  get queued(): number {
    return this.deliver.length;
  }

  /** Groups read and not yet answered. */
  get outstanding(): number {
    return this.response.size;
  }

  /** `iommufd_fault_iopf_handler()`: queue the group and wake pollers. */
  handleGroup(group: IopfGroup): number {
    this.deliver.push(group);
    this.tracer.emit('iommufd', 'FAULT_QUEUED', {
      dev: group.devId,
      pasid: group.lastFault.prm.pasid,
      grpid: group.lastFault.prm.grpid,
      addr: group.lastFault.prm.addr,
      parent: group.seq,
      note: `fault object ${this.id}`,
    });
    this.onDidQueue.fire();
    return 0;
  }

  /** `iommufd_fault_fops_poll()`: EPOLLOUT always, EPOLLIN|EPOLLRDNORM while deliver is non-empty. */
  poll(): number {
    return EPOLLOUT | (this.deliver.length > 0 ? EPOLLIN | EPOLLRDNORM : 0);
  }

  /** `iommufd_fault_fops_read()` with `*ppos` = `offset`. */
  read(count: number, offset = 0): ReadResult {
    const size = this.recordSize;
    if (!this.fdOpen) return this.fail(ERRNO.EBADF, 'read on a closed fault fd');
    if (offset !== 0 || count % size !== 0) return this.fail(ERRNO.ESPIPE, `read count ${count} is not a multiple of ${size}`);
    const chunks: Uint8Array[] = [];
    let done = 0;
    while (this.deliver.length > 0 && count > done) {
      const group = this.deliver[0]!;
      if (group.faults.length * size > count - done) break; // whole groups only; it stays at the head
      const cookie = this.cookieSpace(group.devId).alloc();
      if (cookie === null) break;
      this.deliver.shift();
      this.response.set(this.key(group.devId, cookie), { group, cookie });
      for (const fault of group.faults) {
        const record = this.composeRecord(group, fault.prm, cookie);
        chunks.push(record);
        this.tracer.emit('iommufd', 'FAULT_READ', {
          dev: group.devId,
          pasid: fault.prm.pasid,
          grpid: fault.prm.grpid,
          addr: fault.prm.addr,
          perm: fault.prm.perm,
          cookie,
          parent: fault.seq,
          raw: record,
        });
        done += size;
      }
    }
    const bytes = new Uint8Array(done);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return { ret: done, bytes };
  }

  /** `iommufd_fault_fops_write()`: responses in order; stops at the first bad one. */
  write(buf: Uint8Array, offset = 0): number {
    const size = this.responseSize;
    if (!this.fdOpen) return this.failWrite(ERRNO.EBADF, 'write on a closed fault fd');
    if (offset !== 0 || buf.length % size !== 0)
      return this.failWrite(ERRNO.ESPIPE, `write count ${buf.length} is not a multiple of ${size}`);
    let done = 0;
    let rc = 0;
    while (done < buf.length) {
      const raw = buf.subarray(done, done + size);
      const r = decodeStruct(this.profile.responseRecord, raw);
      const cookie = Number(r.cookie);
      const code = Number(r.code);
      const devId = this.profile.cookieScope === 'device' ? Number(r.dev_id) : 0;
      const accepted = this.profile.acceptedResponseCodes;
      if (accepted && !accepted.includes(code)) {
        rc = -ERRNO.EINVAL; // checked before the cookie lookup: the group stays outstanding
        this.tracer.emit('iommufd', 'FD_ERRNO', { cookie, code, errno: ERRNO.EINVAL, raw: raw.slice(), note: `response code ${code} rejected` });
        break;
      }
      const key = this.key(devId, cookie);
      const entry = this.response.get(key);
      if (!entry) {
        rc = -ERRNO.EINVAL;
        this.tracer.emit('iommufd', 'FD_ERRNO', { dev: devId || null, cookie, code, errno: ERRNO.EINVAL, raw: raw.slice(), note: `no outstanding group with cookie ${cookie}` });
        break;
      }
      this.response.delete(key);
      this.cookieSpace(entry.group.devId).release(cookie);
      const seq = this.tracer.emit('iommufd', 'RESPONSE_WRITE', {
        dev: entry.group.devId,
        pasid: entry.group.lastFault.prm.pasid,
        grpid: entry.group.lastFault.prm.grpid,
        cookie,
        code,
        raw: raw.slice(),
        parent: entry.group.seq,
      });
      this.iopf.groupResponse(entry.group, code, seq);
      done += size;
    }
    if (done === 0 && rc !== 0 && this.profile.returnsErrnoWhenNothingDone) return rc;
    return done;
  }

  /** close(): nothing is answered; the object lives on until destroyed. */
  close(): number {
    if (!this.fdOpen) return -ERRNO.EBADF;
    this.fdOpen = false;
    return 0;
  }

  /** `iommufd_fault_destroy()`: every group still held is answered INVALID. */
  destroy(code: number): void {
    const parent = this.tracer.emit('iommufd', 'FD_ERRNO', { note: `fault object ${this.id} destroyed` });
    for (const g of this.deliver.splice(0)) this.iopf.groupResponse(g, code, parent);
    for (const o of this.response.values()) this.iopf.groupResponse(o.group, code, parent);
    this.response.clear();
  }

  private composeRecord(group: IopfGroup, prm: IopfGroup['lastFault']['prm'], cookie: number): Uint8Array {
    return encodeStruct(this.profile.faultRecord, {
      size: this.recordSize,
      flags: prm.flags,
      dev_id: group.devId,
      pasid: prm.pasid,
      grpid: prm.grpid,
      perm: prm.perm,
      addr: prm.addr,
      length: 0,
      cookie,
    });
  }

  private cookieSpace(devId: number): IdAllocator {
    const k = this.profile.cookieScope === 'device' ? devId : 0;
    let a = this.cookies.get(k);
    if (!a) this.cookies.set(k, (a = new IdAllocator()));
    return a;
  }

  private key(devId: number, cookie: number): string {
    return this.profile.cookieScope === 'device' ? `${devId}:${cookie}` : `${cookie}`;
  }

  private fail(errno: number, note: string): ReadResult {
    this.tracer.emit('iommufd', 'FD_ERRNO', { errno, note });
    return { ret: -errno, bytes: new Uint8Array(0) };
  }

  private failWrite(errno: number, note: string): number {
    this.tracer.emit('iommufd', 'FD_ERRNO', { errno, note });
    return -errno;
  }
}
