/**
 * Compares two sessions fault by fault, aligned by fault identity, not by
 * time: (device, PASID, PRG index, address, permissions) of the page request
 * group (fault-assembler.ts), plus an occurrence number when the same identity
 * repeats (the k-th occurrence in A pairs with the k-th in B). Reports
 * response-code flips, faults only in B (added) or only in A (missing), and
 * latency deltas (FAULT_QUEUED → response, B − A) of the faults both answered.
 */
import { formatRid } from '../../shared/pci';
import { spellResponseCode } from '../../shared/uapi/iommufd';
import type { SqlDatabase } from '../db/sql-database';
import { listFaults, type FaultRow } from './faults';
import { latencyStats } from './stats';
import { ensureIndexed } from './session-index';
import type { FaultIdentity, FaultRef, CodeFlip, LatencyDelta, SessionDiff } from '../../shared/api/analysis';
export type { FaultIdentity, FaultRef, CodeFlip, LatencyDelta, SessionDiff };

export class DiffError extends Error {
  override readonly name = 'DiffError';
}

export const identityKey = (i: Omit<FaultIdentity, 'occurrence'>): string => `${i.dev}|${i.pasid ?? '-'}|${i.grpid}|${i.addr ?? '-'}|${i.perm ?? '-'}`;

export function describeIdentity(i: FaultIdentity): string {
  const pasid = i.pasid === null ? 'no PASID' : `PASID ${i.pasid}`;
  return `dev ${i.dev === null ? '?' : formatRid(i.dev)} ${pasid} PRG ${i.grpid} ${i.addr ?? '?'} perm ${i.perm ?? '?'}${i.occurrence ? ` (#${i.occurrence + 1})` : ''}`;
}

export const codeName = (c: number | null): string => (c === null ? 'none' : spellResponseCode(c));

function withIdentities(faults: readonly FaultRow[]): Map<string, { identity: FaultIdentity; fault: FaultRow }> {
  const seen = new Map<string, number>();
  const out = new Map<string, { identity: FaultIdentity; fault: FaultRow }>();
  for (const f of faults) {
    const base = { dev: f.dev, pasid: f.pasid, grpid: f.grpid, addr: f.addr, perm: f.perm };
    const k = identityKey(base);
    const occurrence = seen.get(k) ?? 0;
    seen.set(k, occurrence + 1);
    out.set(`${k}#${occurrence}`, { identity: { ...base, occurrence }, fault: f });
  }
  return out;
}

export function diffSessions(db: SqlDatabase, a: number, b: number, limit = 1000): SessionDiff {
  for (const id of [a, b]) if (!ensureIndexed(db, id)) throw new DiffError(`session ${id} is still recording; diff it when it stops`);
  const fa = withIdentities(listFaults(db, a));
  const fb = withIdentities(listFaults(db, b));
  const flips: CodeFlip[] = [];
  const missing: FaultRef[] = [];
  const deltas: LatencyDelta[] = [];
  let matched = 0;
  const ref = (x: { identity: FaultIdentity; fault: FaultRow }): FaultRef => ({ identity: x.identity, faultId: x.fault.id, seq: x.fault.firstSeq, code: x.fault.code });
  for (const [k, x] of fa) {
    const y = fb.get(k);
    if (!y) {
      missing.push(ref(x));
      continue;
    }
    matched++;
    const codeA = x.fault.code;
    const codeB = y.fault.code;
    if (codeA !== codeB) flips.push({ identity: x.identity, codeA, codeB, seqA: x.fault.firstSeq, seqB: y.fault.firstSeq });
    if (x.fault.latencyNs !== null && y.fault.latencyNs !== null)
      deltas.push({
        identity: x.identity,
        latencyA: x.fault.latencyNs,
        latencyB: y.fault.latencyNs,
        deltaNs: y.fault.latencyNs - x.fault.latencyNs,
        seqA: x.fault.firstSeq,
        seqB: y.fault.firstSeq,
      });
  }
  const added = [...fb.entries()].filter(([k]) => !fa.has(k)).map(([, y]) => ref(y));
  const largest = [...deltas].sort((p, q) => Math.abs(q.deltaNs) - Math.abs(p.deltaNs) || p.seqA - q.seqA);
  return {
    a,
    b,
    faultsA: fa.size,
    faultsB: fb.size,
    matched,
    flipCount: flips.length,
    addedCount: added.length,
    missingCount: missing.length,
    flips: flips.slice(0, limit),
    added: added.slice(0, limit),
    missing: missing.slice(0, limit),
    latencyDelta: latencyStats(deltas.map((d) => d.deltaNs)),
    largestDeltas: largest.slice(0, Math.min(limit, 20)),
    sameFaults: flips.length === 0 && added.length === 0 && missing.length === 0,
  };
}
