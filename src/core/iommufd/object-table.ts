/**
 * The iommufd context's object table (drivers/iommu/iommufd/main.c): ids from
 * an ALLOC1 xarray (lowest free ≥ 1), a `users` refcount per object,
 * two-phase creation (alloc reserves an id that lookups cannot see; finalize
 * publishes it; abort releases it), typed lookup that answers ENOENT for the
 * wrong type, destroy that answers EBUSY while anything else holds the
 * object, and release that keeps destroying objects whose only user is the
 * table until none is left (which tears down leaves first).
 */
import { ERRNO } from '../../shared/errno';
import { IdAllocator } from '../base/id-allocator';

/**
 * `enum iommufd_object_type`, "sorted by type depth first so that destruction
 * completes lower objects … before reaching higher objects".
 */
export const IommufdObjectType = {
  NONE: 0,
  DEVICE: 1,
  HWPT_PAGING: 2,
  HWPT_NESTED: 3,
  IOAS: 4,
  ACCESS: 5,
  FAULT: 6,
  VIOMMU: 7,
  VDEVICE: 8,
  SELFTEST: 9,
} as const;

export type IommufdObjectTypeValue = (typeof IommufdObjectType)[keyof typeof IommufdObjectType];

export const OBJECT_TYPE_NAMES: Record<IommufdObjectTypeValue, string> = {
  0: 'NONE',
  1: 'DEVICE',
  2: 'HWPT_PAGING',
  3: 'HWPT_NESTED',
  4: 'IOAS',
  5: 'ACCESS',
  6: 'FAULT',
  7: 'VIOMMU',
  8: 'VDEVICE',
  9: 'SELFTEST',
};

/** `struct iommufd_object` */
export interface IommufdObject {
  id: number;
  readonly type: IommufdObjectTypeValue;
  /** Starts at 1 (the table's own reference). */
  users: number;
  /** `iommufd_object_ops[type].destroy` */
  destroy(): void;
}

export type Lookup<T> = { ok: true; obj: T } | { ok: false; errno: number };

export class ObjectTable {
  private readonly ids = new IdAllocator();
  /** Finalized objects only. */
  private readonly live = new Map<number, IommufdObject>();

  /**
   * `removed` runs for every finalized object that leaves the table (IOMMU_DESTROY,
   * unbind, an automatic domain's last detach, release), after the table dropped
   * it and before its own destroy(), so what destroy() causes comes after it.
   */
  constructor(private readonly removed: (obj: IommufdObject) => void = () => {}) {}

  /** `iommufd_object_alloc`: reserve an id; the object stays invisible until finalize. */
  alloc<T extends IommufdObject>(make: (id: number) => T): T | null {
    const id = this.ids.alloc();
    if (id === null) return null;
    return make(id);
  }

  /** `iommufd_object_finalize`: once creation cannot fail. */
  finalize(obj: IommufdObject): void {
    this.live.set(obj.id, obj);
  }

  /** `iommufd_object_abort(_and_destroy)`: release the reserved id. */
  abort(obj: IommufdObject, destroy: boolean): void {
    this.ids.release(obj.id);
    if (destroy) obj.destroy();
  }

  /** `iommufd_get_object`: ENOENT for an unknown id or the wrong type; takes a users reference. */
  get<T extends IommufdObject>(id: number, type: IommufdObjectTypeValue | null): Lookup<T> {
    const obj = this.live.get(id);
    if (!obj || (type !== null && obj.type !== type) || obj.users === 0) return { ok: false, errno: ERRNO.ENOENT };
    obj.users++;
    return { ok: true, obj: obj as T };
  }

  /** `iommufd_put_object` */
  put(obj: IommufdObject): void {
    obj.users--;
  }

  /** Peek without a reference (state panels, oracle). */
  peek(id: number): IommufdObject | undefined {
    return this.live.get(id);
  }

  /** `iommufd_object_remove` via IOMMU_DESTROY: ENOENT, or EBUSY unless the table holds the only reference. */
  destroy(id: number, type: IommufdObjectTypeValue | null = null): number {
    const obj = this.live.get(id);
    if (!obj || (type !== null && obj.type !== type)) return -ERRNO.ENOENT;
    if (obj.users !== 1) return -ERRNO.EBUSY; // refcount_dec_if_one
    obj.users = 0;
    this.live.delete(id);
    this.ids.release(id);
    this.removed(obj);
    obj.destroy();
    return 0;
  }

  /**
   * `iommufd_fops_release`: repeatedly destroy every object whose users is 1;
   * returns the ids in destruction order, or stops (like the kernel's WARN)
   * when a pass destroys nothing.
   */
  release(): { destroyed: number[]; stuck: number[] } {
    const destroyed: number[] = [];
    while (this.live.size > 0) {
      let n = 0;
      for (const obj of this.list()) {
        const id = obj.id;
        if (obj.users !== 1) continue;
        obj.users = 0;
        this.live.delete(id);
        this.ids.release(id);
        this.removed(obj);
        obj.destroy();
        destroyed.push(id);
        n++;
      }
      if (n === 0) break;
    }
    return { destroyed, stuck: [...this.live.keys()] };
  }

  /** All finalized objects, by id. */
  list(): IommufdObject[] {
    return [...this.live.values()].sort((a, b) => a.id - b.id);
  }
}
