/**
 * The machine-readable head of every OBJ_ALLOC and OBJ_DESTROY note
 * (docs/trace-format.md, "OBJ_ALLOC / OBJ_DESTROY notes"): the object's type
 * by its `enum iommufd_object_type` name without the `IOMMUFD_OBJ_` prefix,
 * a space and its id — `IOAS 2`, `HWPT_NESTED 5 on HWPT_PAGING 3, fault 4` —
 * then, for the second and later /dev/iommu context a process opens (ids are
 * per context), ` ctx <n>`. Free text may follow after a space, `:` or `,`.
 * The engine writes the head with `formatObjectNoteHead`; the analysis reads
 * it back with `parseObjectNote`.
 */

/** `enum iommufd_object_type` names (IOMMUFD_OBJ_*), without the prefix; NONE is never an object. */
export const IOMMUFD_OBJECT_TYPE_NAMES = ['DEVICE', 'HWPT_PAGING', 'HWPT_NESTED', 'IOAS', 'ACCESS', 'FAULT', 'VIOMMU', 'VDEVICE', 'SELFTEST'] as const;

export type IommufdObjectTypeName = (typeof IOMMUFD_OBJECT_TYPE_NAMES)[number];

export interface ObjectNote {
  readonly type: IommufdObjectTypeName;
  /** The object's id in its context's table (≥ 1). */
  readonly id: number;
  /** 1 for the first /dev/iommu context the process opened, 2 for the next… */
  readonly ctx: number;
  /** The text after the head, without its leading separator ('' when none). */
  readonly detail: string;
}

/** `<TYPE> <id>`, plus ` ctx <n>` when the context is not the process's first. */
export function formatObjectNoteHead(type: IommufdObjectTypeName, id: number, ctx = 1): string {
  return ctx === 1 ? `${type} ${id}` : `${type} ${id} ctx ${ctx}`;
}

const HEAD = new RegExp(`^(${IOMMUFD_OBJECT_TYPE_NAMES.join('|')}) ([1-9]\\d*)(?: ctx ([1-9]\\d*))?(?=$|[ :,])[:,]? ?`);

/** The object an OBJ_ALLOC / OBJ_DESTROY note names, or null when the note has no valid head. */
export function parseObjectNote(note: string | null): ObjectNote | null {
  if (note === null) return null;
  const m = HEAD.exec(note);
  if (!m) return null;
  const id = Number(m[2]);
  const ctx = m[3] === undefined ? 1 : Number(m[3]);
  if (!Number.isSafeInteger(id) || !Number.isSafeInteger(ctx)) return null;
  return { type: m[1] as IommufdObjectTypeName, id, ctx, detail: note.slice(m[0].length) };
}
