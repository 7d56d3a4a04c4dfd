/**
 * A fault-handling policy is the user-space side of the fault fd: it is woken
 * when the fd polls readable, reads records, fixes up mappings and writes
 * responses. Policies see only bytes and the calls a VMM could make.
 */
import type { Ns } from '../../shared/time';
import type { Rng } from '../sim/rng';
import type { Tracer } from '../trace/tracer';

/** The fault fd as user space holds it: syscall-shaped, bytes in and out. */
export interface FaultFd {
  poll(): number;
  read(count: number): { ret: number; bytes: Uint8Array };
  write(buf: Uint8Array): number;
}

export interface PolicyContext {
  readonly fd: FaultFd;
  readonly tracer: Tracer;
  readonly rng: Rng;
  /** Run `fn` after `delay` ns of virtual time. */
  after(delay: bigint, fn: () => void): void;
  now(): Ns;
  /** Make pages present in the device's address space (the VMM's fix-up). */
  map(devId: number, pasid: number | null, addr: bigint, pages: number, perm: number): void;
}

export interface Policy {
  readonly name: string;
  /** Called when the fault fd becomes readable. */
  onReadable(ctx: PolicyContext): void;
}
