/**
 * `struct iommufd_ctx`: one open /dev/iommu. Owns the object table and
 * implements the ioctl handlers and the device attach paths. Handlers receive
 * struct values the dispatcher has already size-checked (ioctl-table.ts) and
 * return 0 or -errno; nothing here throws for a user's bad input.
 */
import { ERRNO } from '../../shared/errno';
import { formatObjectNoteHead, type IommufdObjectTypeName } from '../../shared/uapi/iommufd-object-notes';
import type { StructValues } from '../../shared/uapi/layout';
import type { KernelProfile } from '../../shared/uapi/profiles';
import {
  IOMMU_VIOMMU_TYPE_DEFAULT,
  IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
  IOMMU_HWPT_ALLOC_NEST_PARENT,
  IOMMU_HWPT_ALLOC_PASID,
  IOMMU_HWPT_FAULT_ID_VALID,
} from '../../shared/uapi/iommufd';
import {
  IOMMU_HWPT_DATA_NONE,
  IOMMU_IOAS_MAP_FIXED_IOVA,
  IOMMU_IOAS_MAP_READABLE,
  IOMMU_IOAS_MAP_WRITEABLE,
  IOMMU_TEST_OP_TRIGGER_IOPF,
} from '../../shared/uapi/structs';
import type { FaultInjection } from '../base/fault-injection';
import {
  IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE,
  IOMMU_FAULT_PAGE_REQUEST_PASID_VALID,
  IOMMU_NO_PASID,
  type IommuAttachHandle,
  type IopfCore,
  type KernelDevice,
} from '../kernel/iommu-core';
import type { Tracer } from '../trace/tracer';
import { Domain } from './domain';
import { IommufdDevice } from './device';
import { FaultObject } from './fault';
import { HwPagetable } from './hw-pagetable';
import { Ioas } from './ioas';
import { IommufdObjectType, ObjectTable, OBJECT_TYPE_NAMES, type IommufdObject, type IommufdObjectTypeValue } from './object-table';
import { Vdevice, Viommu } from './viommu';

/** What a handler may change in the caller's struct (copied back by the dispatcher). */
export type Out = Record<string, number | bigint>;

/** Allocates file descriptors in the calling process (get_unused_fd_flags + fd_install). */
export interface FdAllocator {
  /** Lowest free fd number, reserved but not yet usable. */
  reserve(): number;
  install(fd: number, fault: FaultObject): void;
  unreserve(fd: number): void;
}

interface SharedHandle {
  readonly handle: IommuAttachHandle;
  readonly hwpt: HwPagetable;
  readonly idevs: Set<IommufdDevice>;
}

export class IommufdCtx {
  /** Every object that leaves the table gets its OBJ_DESTROY (the path state's object table reads them). */
  readonly objects = new ObjectTable((obj) => this.traceRemoved(obj));
  /** References that keep the context alive: the /dev/iommu fd, fault fds, bound VFIO devices. */
  private refs = 1;
  /** Per (group, PASID): the attachment shared by the group's devices. */
  private readonly groupHandles = new Map<string, SharedHandle>();
  released = false;
  /** Domain ids, per context so a run's trace never depends on earlier runs. */
  private nextDomainId = 1;

  constructor(
    readonly profile: KernelProfile,
    readonly iopf: IopfCore,
    readonly tracer: Tracer,
    readonly inject: FaultInjection,
    /** 1 for the first /dev/iommu the process opened, 2 for the next…: object notes name it after the first (ids are per context). */
    readonly ordinal = 1,
  ) {}

  get(id: number): IommufdObject | undefined {
    return this.objects.peek(id);
  }

  /** Another holder of the context (a fault fd or a bound VFIO device). */
  ref(): void {
    this.refs++;
  }

  /** Drops a holder; the last one tears the context down (`iommufd_fops_release`). */
  unref(): void {
    if (--this.refs > 0 || this.released) return;
    this.released = true;
    const { destroyed, stuck } = this.objects.release(); // each object's OBJ_DESTROY comes from traceRemoved
    this.tracer.emit('iommufd', 'FD_CLOSED', {
      note: `iommufd context${this.ordinal === 1 ? '' : ` ${this.ordinal}`} released: destroyed ${destroyed.join(', ') || 'nothing'}${stuck.length ? `; still referenced: ${stuck.join(', ')}` : ''}`,
    });
  }

  /** `<TYPE> <id>` (plus this context's ordinal after the first): the head of every OBJ_ALLOC / OBJ_DESTROY note. */
  private noteHead(type: IommufdObjectTypeValue, id: number): string {
    return formatObjectNoteHead(OBJECT_TYPE_NAMES[type] as IommufdObjectTypeName, id, this.ordinal);
  }

  /** OBJ_DESTROY of an object the table just dropped. A fault object emits its own: it parents the groups its destroy answers. */
  private traceRemoved(obj: IommufdObject): void {
    if (obj instanceof FaultObject) return;
    const dev = obj instanceof IommufdDevice ? obj.dev.rid : obj instanceof Vdevice ? obj.idev.dev.rid : null;
    this.tracer.emit('iommufd', 'OBJ_DESTROY', { dev, note: this.noteHead(obj.type, obj.id) });
  }

  // --- ioctl handlers ----------------------------------------------------

  /** IOMMU_DESTROY */
  destroy(v: StructValues): number {
    return this.objects.destroy(Number(v.id));
  }

  /** IOMMU_IOAS_ALLOC */
  ioasAlloc(v: StructValues, out: Out): number {
    if (Number(v.flags) !== 0) return -ERRNO.EOPNOTSUPP;
    const ioas = this.objects.alloc((id) => new Ioas(id));
    if (!ioas) return -ERRNO.ENOSPC;
    this.objects.finalize(ioas);
    out.out_ioas_id = ioas.id;
    this.tracer.emit('iommufd', 'OBJ_ALLOC', { note: this.noteHead(IommufdObjectType.IOAS, ioas.id) });
    return 0;
  }

  /** IOMMU_IOAS_MAP */
  ioasMap(v: StructValues, out: Out): number {
    const flags = Number(v.flags);
    if (flags & ~(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)) return -ERRNO.EOPNOTSUPP;
    if (!(flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE))) return -ERRNO.EINVAL;
    if (Number(v.__reserved) !== 0) return -ERRNO.EOPNOTSUPP;
    const got = this.objects.get<Ioas>(Number(v.ioas_id), IommufdObjectType.IOAS);
    if (!got.ok) return -got.errno;
    const perm = (flags & IOMMU_IOAS_MAP_READABLE ? 1 : 0) | (flags & IOMMU_IOAS_MAP_WRITEABLE ? 2 : 0);
    const r = got.obj.map(flags & IOMMU_IOAS_MAP_FIXED_IOVA ? BigInt(v.iova!) : null, BigInt(v.length!), perm);
    this.objects.put(got.obj);
    if (typeof r === 'number') return r;
    out.iova = r;
    return 0;
  }

  /** IOMMU_IOAS_UNMAP */
  ioasUnmap(v: StructValues, out: Out): number {
    const got = this.objects.get<Ioas>(Number(v.ioas_id), IommufdObjectType.IOAS);
    if (!got.ok) return -got.errno;
    const r = got.obj.unmap(BigInt(v.iova!), BigInt(v.length!));
    this.objects.put(got.obj);
    if (typeof r === 'number') return r;
    out.length = r;
    return 0;
  }

  /** IOMMU_HWPT_ALLOC (hw_pagetable.c `iommufd_hwpt_alloc`, fault fields from v4 7/9). */
  hwptAlloc(v: StructValues, out: Out): number {
    const flags = Number(v.flags);
    if (Number(v.__reserved) !== 0) return -ERRNO.EOPNOTSUPP;
    const idevRef = this.objects.get<IommufdDevice>(Number(v.dev_id), IommufdObjectType.DEVICE);
    if (!idevRef.ok) return -idevRef.errno;
    const ptRef = this.objects.get<IommufdObject>(Number(v.pt_id), null);
    if (!ptRef.ok) {
      this.objects.put(idevRef.obj);
      return -ptRef.errno;
    }
    const pt = ptRef.obj;
    const done = (rc: number): number => {
      this.objects.put(ptRef.obj);
      this.objects.put(idevRef.obj);
      return rc;
    };
    const wantsFault = (flags & IOMMU_HWPT_FAULT_ID_VALID) !== 0;
    let kind: typeof IommufdObjectType.HWPT_PAGING | typeof IommufdObjectType.HWPT_NESTED;
    if (pt.type === IommufdObjectType.IOAS) {
      kind = IommufdObjectType.HWPT_PAGING;
      let valid = IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING | IOMMU_HWPT_ALLOC_PASID;
      if (this.profile.pagingHwptTakesFault) valid |= IOMMU_HWPT_FAULT_ID_VALID;
      if (flags & ~valid) return done(-ERRNO.EOPNOTSUPP);
      // A nest parent cannot take faults itself (selftest alloc_hwpt_nested expects EOPNOTSUPP).
      if (wantsFault && flags & IOMMU_HWPT_ALLOC_NEST_PARENT) return done(-ERRNO.EOPNOTSUPP);
      if (Number(v.data_type) !== IOMMU_HWPT_DATA_NONE) return done(-ERRNO.EOPNOTSUPP);
    } else if (pt instanceof Viommu) {
      // A nested HWPT on a vIOMMU: only FAULT_ID_VALID is a valid flag (HWPT-614).
      kind = IommufdObjectType.HWPT_NESTED;
      if (flags & ~IOMMU_HWPT_FAULT_ID_VALID) return done(-ERRNO.EOPNOTSUPP);
      if (Number(v.data_type) === IOMMU_HWPT_DATA_NONE) return done(-ERRNO.EOPNOTSUPP);
    } else if (pt.type === IommufdObjectType.HWPT_PAGING) {
      kind = IommufdObjectType.HWPT_NESTED;
      if (flags & ~(IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID)) return done(-ERRNO.EOPNOTSUPP);
      if (!(pt as HwPagetable).nestParent) return done(-ERRNO.EINVAL);
      if (Number(v.data_type) === IOMMU_HWPT_DATA_NONE) return done(-ERRNO.EOPNOTSUPP);
    } else {
      return done(-ERRNO.EINVAL);
    }
    if (this.inject.shouldFail('hwpt.domain_alloc')) return done(-ERRNO.ENOMEM);
    let fault: FaultObject | null = null;
    if (wantsFault) {
      // Looked up after the domain exists; a missing id aborts the new HWPT.
      const f = this.objects.get<FaultObject>(Number(v.fault_id), IommufdObjectType.FAULT);
      if (!f.ok) return done(-f.errno);
      fault = f.obj; // refcount_inc(&fault->obj.users) is this reference, kept until HWPT destroy
    }
    const domain = new Domain(this.nextDomainId++, kind === IommufdObjectType.HWPT_PAGING ? 'paging' : 'nested');
    const hwpt = this.objects.alloc((id) => new HwPagetable(id, kind, domain, pt as Ioas | HwPagetable | Viommu, fault, (flags & IOMMU_HWPT_ALLOC_NEST_PARENT) !== 0, false));
    if (!hwpt) {
      if (fault) this.objects.put(fault);
      return done(-ERRNO.ENOSPC);
    }
    if (fault) domain.iopfHandler = fault;
    pt.users++; // the HWPT's reference on its IOAS or parent
    if (kind === IommufdObjectType.HWPT_PAGING) (pt as Ioas).populate(domain);
    this.objects.finalize(hwpt);
    out.out_hwpt_id = hwpt.id;
    this.tracer.emit('iommufd', 'OBJ_ALLOC', { note: `${this.noteHead(kind, hwpt.id)} on ${OBJECT_TYPE_NAMES[pt.type]} ${pt.id}${fault ? `, fault ${fault.id}` : ''}` });
    return done(0);
  }

  /** IOMMU_FAULT_QUEUE_ALLOC / v4 IOMMU_FAULT_ALLOC (`iommufd_fault_alloc`). */
  faultAlloc(v: StructValues, out: Out, fds: FdAllocator, copyBackFails: () => boolean): number {
    if (Number(v.flags) !== 0) return -ERRNO.EOPNOTSUPP;
    if (this.inject.shouldFail('fault.object_alloc')) return -ERRNO.ENOMEM;
    const fault = this.objects.alloc((id) => new FaultObject(id, this.profile, this.iopf, this.tracer, this.inject, this.ordinal));
    if (!fault) return -ERRNO.ENOSPC;
    if (this.inject.shouldFail('fault.anon_inode_getfile')) {
      this.objects.abort(fault, false);
      return -ERRNO.ENOMEM;
    }
    // The file holds one users reference and one context reference.
    fault.users++;
    this.ref();
    const releaseFile = (): void => {
      fault.users--;
      fault.fdOpen = false;
      this.unref();
    };
    /**
     * `out_fput`: fput() runs the file's release, which drops the users and
     * context references. 6.11 then dropped both again (fault.c
     * @07838f7fd529; fixed by af7f4780514f in 6.13): users underflows and the
     * /dev/iommu file loses a reference it still needs, so the context is torn
     * down under the caller's open fd.
     */
    const outFput = (rc: number): number => {
      releaseFile();
      if (this.profile.faultAllocOutFput === 'double-put') {
        fault.users--;
        this.tracer.emit('iommufd', 'FD_ERRNO', {
          errno: -rc,
          note: `${this.noteHead(IommufdObjectType.FAULT, fault.id)}: out_fput drops users and the context reference a second time after fput(): refcount_t: decrement hit 0; the iommufd context loses a reference it still needs`,
        });
        this.unref();
      }
      this.objects.abort(fault, false);
      return rc;
    };
    if (this.inject.shouldFail('fault.get_unused_fd')) return outFput(-ERRNO.EMFILE);
    const fd = fds.reserve();
    out.out_fault_id = fault.id;
    out.out_fault_fd = fd;
    if (copyBackFails()) {
      fds.unreserve(fd);
      return outFput(-ERRNO.EFAULT);
    }
    this.objects.finalize(fault);
    fds.install(fd, fault);
    this.tracer.emit('iommufd', 'OBJ_ALLOC', { note: `${this.noteHead(IommufdObjectType.FAULT, fault.id)}, fd ${fd} ([iommufd-pgfault])` });
    return 0;
  }

  /** IOMMU_TEST_CMD; only IOMMU_TEST_OP_TRIGGER_IOPF is modelled (selftest.c `iommufd_test_trigger_iopf`). */
  testCmd(v: StructValues): number {
    if (Number(v.op) !== IOMMU_TEST_OP_TRIGGER_IOPF) return -ERRNO.EOPNOTSUPP;
    const idev = this.objects.get<IommufdDevice>(Number(v.dev_id), IommufdObjectType.DEVICE);
    if (!idev.ok) return -idev.errno;
    const pasid = Number(v.pasid);
    const parent = this.tracer.emit('iommufd', 'IOCTL', {
      dev: idev.obj.dev.rid,
      pasid,
      grpid: Number(v.grpid),
      addr: BigInt(v.addr!),
      perm: Number(v.perm),
      note: 'IOMMU_TEST_OP_TRIGGER_IOPF',
    });
    // The mock reports a single-fault group; the report's result is ignored.
    this.iopf.reportDeviceFault(
      idev.obj.dev,
      {
        flags: IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE | (pasid !== IOMMU_NO_PASID ? IOMMU_FAULT_PAGE_REQUEST_PASID_VALID : 0),
        pasid,
        grpid: Number(v.grpid),
        perm: Number(v.perm),
        addr: BigInt(v.addr!),
      },
      parent,
    );
    this.objects.put(idev.obj);
    return 0;
  }

  /** IOMMU_VIOMMU_ALLOC (viommu.c `iommufd_viommu_alloc_ioctl`). */
  viommuAlloc(v: StructValues, out: Out): number {
    if (Number(v.flags) !== 0) return -ERRNO.EOPNOTSUPP;
    if (Number(v.type) === IOMMU_VIOMMU_TYPE_DEFAULT) return -ERRNO.EOPNOTSUPP;
    const idev = this.objects.get<IommufdDevice>(Number(v.dev_id), IommufdObjectType.DEVICE);
    if (!idev.ok) return -idev.errno;
    this.objects.put(idev.obj);
    const hwpt = this.objects.get<HwPagetable>(Number(v.hwpt_id), IommufdObjectType.HWPT_PAGING);
    if (!hwpt.ok) return -hwpt.errno;
    if (!hwpt.obj.nestParent) {
      this.objects.put(hwpt.obj);
      return -ERRNO.EINVAL;
    }
    const viommu = this.objects.alloc((id) => new Viommu(id, hwpt.obj, Number(v.type)));
    if (!viommu) {
      this.objects.put(hwpt.obj);
      return -ERRNO.ENOSPC;
    }
    this.objects.finalize(viommu); // keeps the lookup's reference on the parent HWPT
    out.out_viommu_id = viommu.id;
    this.tracer.emit('iommufd', 'OBJ_ALLOC', { note: `${this.noteHead(IommufdObjectType.VIOMMU, viommu.id)} on HWPT_PAGING ${hwpt.obj.id}` });
    return 0;
  }

  /** IOMMU_VDEVICE_ALLOC: one vDEVICE per device and vIOMMU (EEXIST for a second). */
  vdeviceAlloc(v: StructValues, out: Out): number {
    const viommu = this.objects.get<Viommu>(Number(v.viommu_id), IommufdObjectType.VIOMMU);
    if (!viommu.ok) return -viommu.errno;
    const idev = this.objects.get<IommufdDevice>(Number(v.dev_id), IommufdObjectType.DEVICE);
    if (!idev.ok) {
      this.objects.put(viommu.obj);
      return -idev.errno;
    }
    this.objects.put(idev.obj);
    if (viommu.obj.vdevices.has(idev.obj.id)) {
      this.objects.put(viommu.obj);
      return -ERRNO.EEXIST;
    }
    const vdev = this.objects.alloc((id) => new Vdevice(id, viommu.obj, idev.obj, BigInt(v.virt_id!)));
    if (!vdev) {
      this.objects.put(viommu.obj);
      return -ERRNO.ENOSPC;
    }
    viommu.obj.vdevices.set(idev.obj.id, vdev);
    this.objects.finalize(vdev); // keeps the lookup's reference on the vIOMMU
    out.out_vdevice_id = vdev.id;
    this.tracer.emit('iommufd', 'OBJ_ALLOC', { dev: idev.obj.dev.rid, note: `${this.noteHead(IommufdObjectType.VDEVICE, vdev.id)}: dev_id ${idev.obj.id} as virt_id 0x${BigInt(v.virt_id!).toString(16)} on VIOMMU ${viommu.obj.id}` });
    return 0;
  }

  // --- devices -----------------------------------------------------------

  /** `iommufd_device_bind` (VFIO_DEVICE_BIND_IOMMUFD): the new dev_id, or -errno. */
  bind(dev: KernelDevice): number {
    if (this.inject.shouldFail('device.bind')) return -ERRNO.ENOMEM;
    const idev = this.objects.alloc((id) => new IommufdDevice(id, dev, (d) => this.unbindCleanup(d)));
    if (!idev) return -ERRNO.ENOSPC;
    this.objects.finalize(idev);
    this.ref();
    this.tracer.emit('iommufd', 'OBJ_ALLOC', { dev: dev.rid, note: `${this.noteHead(IommufdObjectType.DEVICE, idev.id)} bound: ${dev.name}` });
    return idev.id;
  }

  /** `iommufd_device_unbind`: detach everything, then destroy the device object. */
  unbind(devId: number): number {
    const idev = this.objects.peek(devId);
    if (!(idev instanceof IommufdDevice)) return -ERRNO.ENOENT;
    for (const pasid of [...idev.attached.keys()]) this.detach(devId, pasid);
    const rc = this.objects.destroy(devId, IommufdObjectType.DEVICE);
    if (rc === 0) this.unref();
    return rc;
  }

  /**
   * Attach (or replace, when already attached at that PASID) a device to a
   * HWPT or an IOAS. `pt` is updated to the HWPT actually attached.
   */
  attach(devId: number, ptId: number, pasid: number): { rc: number; ptId: number } {
    const idevRef = this.objects.get<IommufdDevice>(devId, IommufdObjectType.DEVICE);
    if (!idevRef.ok) return { rc: -idevRef.errno, ptId };
    const idev = idevRef.obj;
    this.objects.put(idev);
    const ptRef = this.objects.get<IommufdObject>(ptId, null);
    if (!ptRef.ok) return { rc: -ptRef.errno, ptId };
    this.objects.put(ptRef.obj);
    let hwpt: HwPagetable;
    if (ptRef.obj.type === IommufdObjectType.IOAS) {
      hwpt = this.autoDomain(ptRef.obj as Ioas);
    } else if (ptRef.obj instanceof HwPagetable) {
      hwpt = ptRef.obj;
    } else {
      return { rc: -ERRNO.EINVAL, ptId };
    }
    // The mock driver needs the device's vDEVICE on the vIOMMU first (selftest viommu_alloc_nested_iopf).
    if (hwpt.parent instanceof Viommu && !hwpt.parent.vdevices.has(idev.id)) return { rc: -ERRNO.ENOENT, ptId };
    const old = idev.attached.get(pasid) ?? null;
    if (old === hwpt) return { rc: 0, ptId: hwpt.id };
    const key = `${idev.dev.group.id}/${pasid}`;
    const shared = this.groupHandles.get(key);
    if (shared && shared.hwpt !== hwpt && !(shared.idevs.size === 1 && shared.idevs.has(idev)))
      return { rc: -ERRNO.EINVAL, ptId }; // the group is attached elsewhere by another device
    if (hwpt.fault && !old?.fault) {
      const rc = this.iopfEnable(idev);
      if (rc) return { rc, ptId };
    }
    const parent = this.tracer.emit('iommufd', old ? 'REPLACE' : 'ATTACH', {
      dev: idev.dev.rid,
      pasid,
      note: `dev_id ${idev.id} → HWPT ${hwpt.id}${old ? ` (was ${old.id})` : ''}${hwpt.fault ? `, fault ${hwpt.fault.id}` : ''}`,
    });
    let oldHandle: IommuAttachHandle | null = null;
    if (shared && shared.hwpt === hwpt) {
      shared.idevs.add(idev); // a second device of the group shares the first one's attach handle
    } else {
      oldHandle = shared?.handle ?? null;
      const handle: IommuAttachHandle = { domain: hwpt.domain, idevId: idev.id };
      this.groupHandles.set(key, { handle, hwpt, idevs: new Set([idev]) });
      idev.dev.group.handles.set(pasid, handle);
    }
    idev.attached.set(pasid, hwpt);
    hwpt.users++;
    if (old) {
      this.dropAttachment(old);
      if (old.fault && oldHandle && this.profile.autoResponseOnDetach) old.fault.autoRespond(oldHandle, parent);
      if (old.fault && !hwpt.fault) this.iopfDisable(idev, parent);
    }
    return { rc: 0, ptId: hwpt.id };
  }

  /** Detach a device's PASID (or RID) attachment. */
  detach(devId: number, pasid: number): number {
    const idev = this.objects.peek(devId);
    if (!(idev instanceof IommufdDevice)) return -ERRNO.ENOENT;
    const old = idev.attached.get(pasid);
    if (!old) return 0;
    const parent = this.tracer.emit('iommufd', 'DETACH', { dev: idev.dev.rid, pasid, note: `dev_id ${idev.id} from HWPT ${old.id}` });
    idev.attached.delete(pasid);
    const key = `${idev.dev.group.id}/${pasid}`;
    const shared = this.groupHandles.get(key);
    let handle: IommuAttachHandle | null = null;
    if (shared) {
      shared.idevs.delete(idev);
      if (shared.idevs.size === 0) {
        this.groupHandles.delete(key);
        idev.dev.group.handles.delete(pasid);
        handle = shared.handle;
      }
    }
    if (old.fault && handle && this.profile.autoResponseOnDetach) old.fault.autoRespond(handle, parent);
    if (old.fault) this.iopfDisable(idev, parent);
    this.dropAttachment(old);
    return 0;
  }

  /** A device leaves `hwpt`; an automatic IOAS domain dies with its last device. */
  private dropAttachment(hwpt: HwPagetable): void {
    hwpt.users--;
    if (hwpt.autoDomain && hwpt.users === 1) this.objects.destroy(hwpt.id);
  }

  private unbindCleanup(idev: IommufdDevice): void {
    idev.attached.clear();
  }

  /** The IOAS's automatic paging HWPT (created on first attach). */
  private autoDomain(ioas: Ioas): HwPagetable {
    for (const o of this.objects.list()) if (o instanceof HwPagetable && o.autoDomain && o.parent === ioas) return o;
    const domain = new Domain(this.nextDomainId++, 'paging');
    const hwpt = this.objects.alloc((id) => new HwPagetable(id, IommufdObjectType.HWPT_PAGING, domain, ioas, null, false, true))!;
    ioas.users++;
    ioas.populate(domain);
    this.objects.finalize(hwpt);
    this.tracer.emit('iommufd', 'OBJ_ALLOC', { note: `${this.noteHead(IommufdObjectType.HWPT_PAGING, hwpt.id)} (automatic, IOAS ${ioas.id})` });
    return hwpt;
  }

  /** `iommufd_fault_iopf_enable`: v4 boolean; upstream refcounted and refused for a VF with PRI. */
  private iopfEnable(idev: IommufdDevice): number {
    if (this.profile.iopfEnable === 'refcount-no-vf' && idev.dev.isVf) return -ERRNO.EINVAL;
    if (this.profile.iopfEnable === 'boolean' && idev.iopfEnabled) return 0;
    if (idev.iopfEnabled++ > 0) return 0;
    const parent = this.tracer.emit('kernel', 'IOPF_ENABLE', { dev: idev.dev.rid, note: `dev_id ${idev.id}` });
    const rc = idev.dev.driver.enableIopf(idev.dev, parent);
    if (rc) idev.iopfEnabled = 0;
    return rc;
  }

  private iopfDisable(idev: IommufdDevice, parent: number): void {
    if (idev.iopfEnabled === 0) return;
    if (this.profile.iopfEnable === 'boolean') idev.iopfEnabled = 0;
    else if (--idev.iopfEnabled > 0) return;
    const seq = this.tracer.emit('kernel', 'IOPF_DISABLE', { dev: idev.dev.rid, parent, note: `dev_id ${idev.id}` });
    idev.dev.driver.disableIopf(idev.dev, seq);
  }
}
