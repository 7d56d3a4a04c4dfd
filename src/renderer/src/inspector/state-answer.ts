/**
 * Reads a getStateAt answer defensively. A host of another version (or a
 * broken one) can answer without a field the panel lists — a missing
 * `objects` table, a queue without `entries` — and the panel must not fail
 * on `.length` of undefined. Lists and totals that are missing read as empty
 * and are named in `missing`, so the panel shows what it has and says what
 * the host left out; an answer without a seq or a state at all is refused
 * with a reason instead.
 */
import type { DeviceState, PathState, PathTotals, PrqState, StateAtSeq } from '@shared/api/analysis';

export type StateAnswer =
  | { readonly ok: true; readonly answer: StateAtSeq; readonly missing: readonly string[] }
  | { readonly ok: false; readonly problem: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

const STATE_LISTS = ['deliver', 'cookies', 'prq', 'devices', 'partial', 'objects'] as const;

export function readStateAnswer(raw: unknown): StateAnswer {
  if (!isRecord(raw)) return { ok: false, problem: 'the host answered without a state' };
  if (!isNumber(raw.seq)) return { ok: false, problem: 'the host’s answer names no event (seq)' };
  if (!isRecord(raw.state)) return { ok: false, problem: `the host’s answer for #${raw.seq} has no state` };
  const missing: string[] = [];
  const s = raw.state;

  const list = <T>(v: unknown, name: string): T[] => {
    if (Array.isArray(v)) return v.filter(isRecord) as T[];
    missing.push(name);
    return [];
  };
  const lists = Object.fromEntries(STATE_LISTS.map((k) => [k, list(s[k], `state.${k}`)])) as { [K in (typeof STATE_LISTS)[number]]: unknown[] };

  const prq = (lists.prq as Record<string, unknown>[]).map(
    (q, i): PrqState => ({
      ...(q as unknown as PrqState),
      entries: list(q.entries, `state.prq[${i}].entries`),
      overflow: q.overflow === true,
      highWater: isNumber(q.highWater) ? q.highWater : 0,
    }),
  );
  const devices = (lists.devices as Record<string, unknown>[]).map((d, i): DeviceState => ({ ...(d as unknown as DeviceState), prgs: list(d.prgs, `state.devices[${i}].prgs`) }));
  let totals = s.totals;
  if (!isRecord(totals)) {
    missing.push('state.totals');
    totals = {};
  }

  const state: PathState = {
    ...(s as unknown as PathState),
    deliver: lists.deliver as unknown as PathState['deliver'],
    cookies: lists.cookies as unknown as PathState['cookies'],
    prq,
    devices,
    partial: lists.partial as unknown as PathState['partial'],
    objects: lists.objects as unknown as PathState['objects'],
    totals: totals as unknown as PathTotals,
  };
  if (!isNumber(raw.t)) missing.push('t');
  const answer: StateAtSeq = {
    ...(raw as unknown as StateAtSeq),
    t: isNumber(raw.t) ? raw.t : 0,
    state,
    checkpointSeq: isNumber(raw.checkpointSeq) ? raw.checkpointSeq : null,
    replayed: isNumber(raw.replayed) ? raw.replayed : 0,
    engineCheckpoint: isRecord(raw.engineCheckpoint) && typeof raw.engineCheckpoint.state === 'string' ? (raw.engineCheckpoint as unknown as StateAtSeq['engineCheckpoint']) : null,
  };
  return { ok: true, answer, missing };
}

/** A total as the panel shows it: the number, or a dash when the host left it out. */
export const totalText = (totals: PathTotals, key: keyof PathTotals): string => (isNumber(totals[key]) ? String(totals[key]) : '—');
