/**
 * Errno values the hardware/driver models return: the shared table plus the
 * ones kernel-internal paths use that the uAPI table lacks (asm-generic/errno-base.h).
 * ENODEV could move into src/shared/errno.ts.
 */
import { ERRNO as SHARED } from '../../shared/errno';

export const ERRNO = { ...SHARED, ENODEV: 19 } as const;
