/**
 * The SharedArrayBuffer the worker and its parent share (one Int32Array):
 * the worker writes its state, a heartbeat counter, the last guard id and the
 * event count with plain stores; the parent reads them with Atomics.load every
 * tick and bumps EPOCH, which tells the guard a tick has passed (so the guard
 * reads the clock about ten times a second rather than on every call).
 */
export const HB = {
  /** One of HB_STATE. */
  STATE: 0,
  /** Bumped by every guard call, every emitted event and every turn of the script. */
  BEAT: 1,
  /** Id of the last guard the script passed (its loop or function names the line). */
  GUARD: 2,
  /** Bumped by the parent on every watchdog tick. */
  EPOCH: 3,
  /** Events emitted so far. */
  EVENTS: 4,
} as const;

export const HB_LENGTH = 8;

export const HB_STATE = {
  /** Loading, opening the database: not watched. */
  STARTING: 0,
  /** Script or engine running: watched for stalls. */
  RUNNING: 1,
  /** Recording the outcome: not watched. */
  FINISHING: 2,
} as const;

export function createHeartbeat(): { buffer: SharedArrayBuffer; view: Int32Array } {
  const buffer = new SharedArrayBuffer(HB_LENGTH * Int32Array.BYTES_PER_ELEMENT);
  return { buffer, view: new Int32Array(buffer) };
}
