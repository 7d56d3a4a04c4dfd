/**
 * The user-space process of a scenario (the VMM): its file descriptor table
 * and the syscalls it makes on /dev/iommu, VFIO device cdevs and fault fds.
 * Every syscall is recorded (policy layer for the fault fd, iommufd layer for
 * ioctls) with its return value, so a trace shows exactly what user space did
 * and what the kernel answered.
 */
import { ERRNO, errnoName } from '../../shared/errno';
import { decodeStruct, encodeStruct, type StructValues } from '../../shared/uapi/layout';
import { VFIO_DEVICE_ATTACH_PASID, VFIO_DEVICE_DETACH_PASID } from '../../shared/uapi/structs';
import type { FaultInjection } from '../base/fault-injection';
import { IOMMU_NO_PASID, type IopfCore, type KernelDevice } from '../kernel/iommu-core';
import type { KernelProfile } from '../../shared/uapi/profiles';
import type { Tracer } from '../trace/tracer';
import type { FaultObject, ReadResult, UserBuffer } from '../iommufd/fault';
import { IommufdCtx, type FdAllocator, type Out } from '../iommufd/iommufd-ctx';
import { dispatch, IOCTL_REQUESTS, IOCTL_STRUCTS, type IoctlResult, type IoctlRow } from '../iommufd/ioctl-table';

interface VfioDeviceFile {
  readonly dev: KernelDevice;
  ctx: IommufdCtx | null;
  devId: number;
}

type FdEntry =
  | { readonly kind: 'iommufd'; readonly ctx: IommufdCtx }
  | { readonly kind: 'vfio'; readonly file: VfioDeviceFile }
  | { readonly kind: 'fault'; readonly fault: FaultObject; readonly ctx: IommufdCtx }
  | { readonly kind: 'reserved' };

/** The kernel the process talks to. */
export interface KernelServices {
  readonly profile: KernelProfile;
  readonly iopf: IopfCore;
  readonly tracer: Tracer;
  readonly inject: FaultInjection;
  /** VFIO cdevs by PCI name (`/dev/vfio/devices/vfioN` in a real system). */
  readonly devices: ReadonlyMap<string, KernelDevice>;
}

/** Typed result of an ioctl: ret plus the struct as the kernel left it. */
export interface IoctlCall {
  readonly ret: number;
  readonly out: StructValues;
}

type Ctl = { p: Process; file?: VfioDeviceFile; ctx?: IommufdCtx };

function iommufdRow(name: string, handler: (ctx: IommufdCtx, v: StructValues, out: Out, p: Process) => number, respondsItself = false): IoctlRow<Ctl> {
  return {
    name,
    request: IOCTL_REQUESTS[name]!,
    target: 'iommufd',
    struct: IOCTL_STRUCTS[name]!,
    handler: (c, v, out) => handler(c.ctx!, v, out, c.p),
    respondsItself,
  };
}

function vfioRow(name: string, handler: (file: VfioDeviceFile, v: StructValues, out: Out, p: Process) => number): IoctlRow<Ctl> {
  return { name, request: IOCTL_REQUESTS[name]!, target: 'vfio', struct: IOCTL_STRUCTS[name]!, handler: (c, v, out) => handler(c.file!, v, out, c.p) };
}

/** `iommufd_ioctl_ops[]`: one row per uAPI ioctl on /dev/iommu. */
const IOMMUFD_ROWS: IoctlRow<Ctl>[] = [
  iommufdRow('IOMMU_DESTROY', (ctx, v) => ctx.destroy(v)),
  iommufdRow('IOMMU_IOAS_ALLOC', (ctx, v, out) => ctx.ioasAlloc(v, out)),
  iommufdRow('IOMMU_IOAS_MAP', (ctx, v, out) => ctx.ioasMap(v, out)),
  iommufdRow('IOMMU_IOAS_UNMAP', (ctx, v, out) => ctx.ioasUnmap(v, out)),
  iommufdRow('IOMMU_HWPT_ALLOC', (ctx, v, out) => ctx.hwptAlloc(v, out)),
  iommufdRow('IOMMU_FAULT_QUEUE_ALLOC', (ctx, v, out, p) => ctx.faultAlloc(v, out, p.fdAllocator(ctx), () => ctx.inject.shouldFail('fault.copy_to_user')), true),
  iommufdRow('IOMMU_TEST_CMD', (ctx, v) => ctx.testCmd(v)),
  iommufdRow('IOMMU_VIOMMU_ALLOC', (ctx, v, out) => ctx.viommuAlloc(v, out)),
  iommufdRow('IOMMU_VDEVICE_ALLOC', (ctx, v, out) => ctx.vdeviceAlloc(v, out)),
];

/** VFIO device cdev ioctls (drivers/vfio/device_cdev.c, iommufd.c). */
const VFIO_ROWS: IoctlRow<Ctl>[] = [
  vfioRow('VFIO_DEVICE_BIND_IOMMUFD', (file, v, out, p) => p.bindVfio(file, v, out)),
  vfioRow('VFIO_DEVICE_ATTACH_IOMMUFD_PT', (file, v, out) => {
    const flags = Number(v.flags);
    if (flags & ~VFIO_DEVICE_ATTACH_PASID || !file.ctx) return -ERRNO.EINVAL;
    const r = file.ctx.attach(file.devId, Number(v.pt_id), flags & VFIO_DEVICE_ATTACH_PASID ? Number(v.pasid) : IOMMU_NO_PASID);
    out.pt_id = r.ptId;
    return r.rc;
  }),
  vfioRow('VFIO_DEVICE_DETACH_IOMMUFD_PT', (file, v) => {
    const flags = Number(v.flags);
    if (flags & ~VFIO_DEVICE_DETACH_PASID || !file.ctx) return -ERRNO.EINVAL;
    return file.ctx.detach(file.devId, flags & VFIO_DEVICE_DETACH_PASID ? Number(v.pasid) : IOMMU_NO_PASID);
  }),
];

const ROWS_BY_REQUEST = new Map<string, IoctlRow<Ctl>>([...IOMMUFD_ROWS, ...VFIO_ROWS].map((r) => [`${r.target}:${r.request}`, r]));

/** First fd a process gets (0–2 are stdio). */
const FIRST_FD = 3;

export class Process {
  private readonly fds = new Map<number, FdEntry>();
  /** Every /dev/iommu context this process opened, in order (released ones included). */
  readonly contexts: IommufdCtx[] = [];

  constructor(private readonly kernel: KernelServices) {}

  /** open("/dev/iommu") */
  openIommufd(): number {
    const ctx = new IommufdCtx(this.kernel.profile, this.kernel.iopf, this.kernel.tracer, this.kernel.inject, this.contexts.length + 1);
    this.contexts.push(ctx);
    const fd = this.lowestFreeFd();
    this.fds.set(fd, { kind: 'iommufd', ctx });
    return fd;
  }

  /** open() of a VFIO device cdev by PCI name: fd, or -ENOENT. */
  openVfioDevice(name: string): number {
    const dev = this.kernel.devices.get(name);
    if (!dev) return -ERRNO.ENOENT;
    const fd = this.lowestFreeFd();
    this.fds.set(fd, { kind: 'vfio', file: { dev, ctx: null, devId: 0 } });
    return fd;
  }

  /** ioctl(fd, request, arg): by uAPI name or request number. */
  ioctl(fd: number, request: string | number, arg: Uint8Array): IoctlResult {
    const e = this.fds.get(fd);
    const req = typeof request === 'string' ? IOCTL_REQUESTS[request] : request;
    let result: IoctlResult;
    let rowName = typeof request === 'string' ? request : `0x${request.toString(16)}`;
    if (!e || e.kind === 'reserved') result = { ret: -ERRNO.EBADF, arg };
    else if (req === undefined || (e.kind !== 'iommufd' && e.kind !== 'vfio')) result = { ret: -ERRNO.ENOTTY, arg };
    else {
      const row = ROWS_BY_REQUEST.get(`${e.kind}:${req}`);
      if (row) rowName = this.displayName(row.name);
      const c: Ctl = e.kind === 'iommufd' ? { p: this, ctx: e.ctx } : { p: this, file: e.file };
      const ctx = e.kind === 'iommufd' ? e.ctx : e.file.ctx;
      result = dispatch(row, c, arg, () => ctx?.inject.shouldFail('ioctl.copy_to_user') ?? false);
    }
    this.kernel.tracer.emit('iommufd', 'IOCTL', {
      errno: result.ret < 0 ? -result.ret : null,
      raw: result.arg.slice(),
      note: `ioctl(${fd}, ${rowName}) = ${result.ret < 0 ? `-${errnoName(result.ret)}` : result.ret}`,
    });
    return result;
  }

  /** Typed ioctl: encodes `fields` with the uAPI struct (size/argsz filled in unless given). */
  call(fd: number, name: string, fields: Record<string, number | bigint> = {}): IoctlCall {
    const struct = IOCTL_STRUCTS[name];
    if (!struct) return { ret: -ERRNO.ENOTTY, out: {} };
    const sizeField = struct.fields[0]!.name;
    const arg = encodeStruct(struct, { [sizeField]: struct.size, ...fields });
    const r = this.ioctl(fd, name, arg);
    return { ret: r.ret, out: decodeStruct(struct, r.arg) };
  }

  read(fd: number, count: number, buf: UserBuffer = {}): ReadResult {
    const e = this.fds.get(fd);
    let r: ReadResult;
    if (!e || e.kind === 'reserved') r = { ret: -ERRNO.EBADF, bytes: new Uint8Array(0) };
    else if (e.kind !== 'fault') r = { ret: -ERRNO.EINVAL, bytes: new Uint8Array(0) };
    else r = e.fault.read(count, 0, buf);
    this.kernel.tracer.emit('policy', 'SYS_READ', { errno: r.ret < 0 ? -r.ret : null, note: `read(${fd}, ${count}) = ${fmt(r.ret)}` });
    return r;
  }

  write(fd: number, data: Uint8Array, buf: UserBuffer = {}): number {
    const e = this.fds.get(fd);
    let r: number;
    if (!e || e.kind === 'reserved') r = -ERRNO.EBADF;
    else if (e.kind !== 'fault') r = -ERRNO.EINVAL;
    else r = e.fault.write(data, 0, buf);
    this.kernel.tracer.emit('policy', 'SYS_WRITE', { errno: r < 0 ? -r : null, raw: data.slice(), note: `write(${fd}, ${data.length}) = ${fmt(r)}` });
    return r;
  }

  /** poll(): the event mask (EPOLLIN | EPOLLRDNORM | EPOLLOUT), or -EBADF. */
  poll(fd: number): number {
    const e = this.fds.get(fd);
    const r = e?.kind === 'fault' ? e.fault.poll() : e && e.kind !== 'reserved' ? 0 : -ERRNO.EBADF;
    this.kernel.tracer.emit('policy', 'SYS_POLL', { errno: r < 0 ? -r : null, note: `poll(${fd}) = 0x${r.toString(16)}` });
    return r;
  }

  close(fd: number): number {
    const e = this.fds.get(fd);
    let r = 0;
    if (!e || e.kind === 'reserved') r = -ERRNO.EBADF;
    else {
      this.fds.delete(fd);
      if (e.kind === 'fault') {
        // Release: users-- then the context reference (6.11+ order); nothing is answered.
        e.fault.fdOpen = false;
        e.fault.users--;
        this.kernel.tracer.emit('iommufd', 'FD_CLOSED', { note: `fault fd ${fd} (FAULT ${e.fault.id}): ${e.fault.queued} queued, ${e.fault.outstanding} outstanding` });
        e.ctx.unref();
      } else if (e.kind === 'vfio') {
        if (e.file.ctx) e.file.ctx.unbind(e.file.devId);
      } else {
        e.ctx.unref();
      }
    }
    this.kernel.tracer.emit('policy', 'SYS_CLOSE', { errno: r < 0 ? -r : null, note: `close(${fd}) = ${fmt(r)}` });
    return r;
  }

  /** The fault object behind a fault fd (for the engine and state panels). */
  faultOf(fd: number): FaultObject | null {
    const e = this.fds.get(fd);
    return e?.kind === 'fault' ? e.fault : null;
  }

  /** The context behind a /dev/iommu fd. */
  ctxOf(fd: number): IommufdCtx | null {
    const e = this.fds.get(fd);
    return e?.kind === 'iommufd' ? e.ctx : null;
  }

  /** `get_unused_fd_flags` + `fd_install` for a context creating a fault fd. */
  fdAllocator(ctx: IommufdCtx): FdAllocator {
    return {
      reserve: () => {
        const fd = this.lowestFreeFd();
        this.fds.set(fd, { kind: 'reserved' });
        return fd;
      },
      install: (fd, fault) => this.fds.set(fd, { kind: 'fault', fault, ctx }),
      unreserve: (fd) => void this.fds.delete(fd),
    };
  }

  /** VFIO_DEVICE_BIND_IOMMUFD: `iommufd` names an fd of this process. */
  bindVfio(file: VfioDeviceFile, v: StructValues, out: Out): number {
    if (Number(v.flags) !== 0) return -ERRNO.EINVAL;
    if (file.ctx) return -ERRNO.EINVAL;
    const e = this.fds.get(Number(v.iommufd));
    if (!e || e.kind !== 'iommufd') return -ERRNO.EBADF;
    const devId = e.ctx.bind(file.dev);
    if (devId < 0) return devId;
    file.ctx = e.ctx;
    file.devId = devId;
    out.out_devid = devId;
    return 0;
  }

  private displayName(name: string): string {
    return name === 'IOMMU_FAULT_QUEUE_ALLOC' ? this.kernel.profile.faultAllocIoctl : name;
  }

  private lowestFreeFd(): number {
    let fd = FIRST_FD;
    while (this.fds.has(fd)) fd++;
    return fd;
  }
}

const fmt = (r: number): string => (r < 0 ? `-${errnoName(r)}` : String(r));
