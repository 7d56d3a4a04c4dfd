/**
 * The Linux errno values the emulated uAPI returns (asm-generic/errno-base.h,
 * asm-generic/errno.h). Calls into the emulator never throw for a user's bad
 * input: they return `-errno` exactly like the syscall would.
 */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  E2BIG: 7,
  EBADF: 9,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  EMFILE: 24,
  ENOTTY: 25,
  ENOSPC: 28,
  ESPIPE: 29,
  EOPNOTSUPP: 95,
} as const;

export type ErrnoName = keyof typeof ERRNO;

const NAMES = new Map<number, ErrnoName>(
  (Object.entries(ERRNO) as [ErrnoName, number][]).map(([k, v]) => [v, k]),
);

/** `22` → `'EINVAL'`; unknown numbers come back as `'E#<n>'`. */
export function errnoName(errno: number): string {
  return NAMES.get(Math.abs(errno)) ?? `E#${Math.abs(errno)}`;
}
