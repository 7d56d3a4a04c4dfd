/**
 * The calling thread's own CPU time, for the runaway guard: on a starved
 * machine (more runnable threads than cores) a slice of script code can take
 * far longer in wall time than it spends on a CPU, and only the CPU time says
 * whether the script itself is running away.
 *
 * Linux reports it per thread in /proc/thread-self/schedstat: "<ns on a CPU>
 * <ns waiting on a run queue> <timeslices>", each counted since the thread
 * started. The file is opened once per thread (module state is per thread in
 * worker_threads; the guard runs in the scenario's worker thread, so the file
 * is that thread's) and re-read with pread at offset 0, about 2 µs a read.
 */
import { openSync, readSync } from 'node:fs';

/** A thread's scheduler clocks, ms since the thread started. */
export interface ThreadTimes {
  /** Time on a CPU. */
  readonly cpuMs: number;
  /** Time runnable but waiting for a CPU (sched_info run_delay). */
  readonly runDelayMs: number;
}

const SCHEDSTAT = '/proc/thread-self/schedstat';
const NS_PER_MS = 1e6;

/** The open schedstat file: undefined until first use, null where it cannot be read (no /proc, another OS). */
let fd: number | null | undefined;
const buffer = Buffer.alloc(96);

/** This thread's scheduler clocks, or null where the system does not report them. */
export function readThreadTimes(): ThreadTimes | null {
  if (fd === undefined) {
    try {
      fd = openSync(SCHEDSTAT, 'r');
    } catch {
      fd = null;
    }
  }
  if (fd === null) return null;
  let text: string;
  try {
    text = buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0));
  } catch {
    fd = null;
    return null;
  }
  return parseSchedstat(text);
}

/** The first two fields of a schedstat line, or null when it is not one. */
export function parseSchedstat(text: string): ThreadTimes | null {
  const fields = text.trim().split(/\s+/);
  const cpuNs = Number(fields[0]);
  const runDelayNs = Number(fields[1]);
  if (fields.length < 2 || !Number.isFinite(cpuNs) || !Number.isFinite(runDelayNs)) return null;
  return { cpuMs: cpuNs / NS_PER_MS, runDelayMs: runDelayNs / NS_PER_MS };
}

/**
 * What the guard learned about a slice when its wall time first passed the
 * limit: the thread's CPU clock at that moment and a lower bound of the CPU
 * time the slice had used until then.
 */
export interface OverLimitMark {
  readonly cpuMs: number;
  readonly cpuFloorMs: number;
}

/**
 * Marks the moment a slice's wall time (`wallMs`, with excluded waits already
 * taken out) passed the limit. The guard reads no CPU clock at the start of a
 * slice (that would cost a read per callback), so the CPU the slice used so
 * far is bounded instead: its wall time is CPU time plus time waiting for a
 * CPU, and the thread's whole run delay is at least the part spent in this
 * slice, so `wallMs − runDelayMs` is a lower bound. On an idle machine the run
 * delay is small and the bound is close to the wall time; on a starved one it
 * may be 0, and the slice then has to use a full limit of CPU from here on.
 */
export function markOverLimit(wallMs: number, times: ThreadTimes): OverLimitMark {
  const floor = Math.min(wallMs - times.runDelayMs, times.cpuMs);
  return { cpuMs: times.cpuMs, cpuFloorMs: Math.max(0, floor) };
}

/**
 * Whether a slice whose wall time is past the limit has also used more than
 * `limitMs` of CPU: its lower bound at the mark plus the CPU since. It never
 * says yes for a slice that used less (the bound is a lower one), and a busy
 * loop passes it at most one limit of CPU after the mark.
 */
export function cpuPastLimit(limitMs: number, mark: OverLimitMark, now: ThreadTimes): boolean {
  return mark.cpuFloorMs + (now.cpuMs - mark.cpuMs) > limitMs;
}
