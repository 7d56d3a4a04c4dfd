/**
 * What the runaway guards cost: the same scenario code run in the sandbox with
 * and without instrumentation, on this thread, in one run (ratios within one
 * run are comparable; absolute timings on shared machines are noisy). For
 * `npm run bench`.
 */
import { createGuard } from './guard';
import { createHeartbeat } from './heartbeat';
import { createSandbox } from './sandbox';
import { prepareScript } from './transpile';

export interface GuardOverheadRow {
  readonly case: string;
  /** ns per iteration or call, uninstrumented. */
  readonly plainNs: number;
  /** ns per iteration or call, with the guards. */
  readonly guardedNs: number;
  readonly ratio: number;
}

/** A policy like the one in ../shared/spec/feasibility.md §2: count per PASID in a Map, answer {a, v}. */
const SOURCE = `
const counts = new Map<number, number>();
function policy(f: { pasid: number; addr: number }) {
  counts.set(f.pasid, (counts.get(f.pasid) ?? 0) + 1);
  return { a: 1, v: f.addr };
}
function drive(n: number) {
  let s = 0;
  const f = { dev: 1, pasid: 3, grpid: 1, perm: 1, addr: 4096, cookie: 7 };
  for (let i = 0; i < n; i++) s += policy(f).v;
  return s;
}
function spin(n: number) {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s + i) | 0;
  return s;
}
export default { policy, drive, spin };
`;

interface Exports {
  policy(f: object): unknown;
  drive(n: number): number;
  spin(n: number): number;
}

async function load(guards: boolean): Promise<Exports> {
  const p = await prepareScript(SOURCE, 'bench.ts', { guards });
  if (!p.ok) throw new Error(p.error.message);
  const guard = createGuard({ view: createHeartbeat().view, heapLimitBytes: 2 ** 40 });
  return createSandbox().evaluate(p.script, {}, guard) as Exports;
}

function best(n: number, repeats: number, fn: (n: number) => void): number {
  let min = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    fn(n);
    min = Math.min(min, performance.now() - t);
  }
  return (min * 1e6) / n;
}

export async function measureGuardOverhead(n = 1_000_000, repeats = 7): Promise<GuardOverheadRow[]> {
  const plain = await load(false);
  const guarded = await load(true);
  const f = { dev: 1, pasid: 3, grpid: 1, perm: 1, addr: 4096, cookie: 7 };
  const cases: [string, (m: Exports) => (n: number) => void][] = [
    ['loop iteration (tight loop in the script)', (m) => (k) => void m.spin(k)],
    ['policy call from script code', (m) => (k) => void m.drive(k)],
    ['policy call from the engine (host → sandbox)', (m) => (k) => {
      for (let i = 0; i < k; i++) m.policy(f);
    }],
  ];
  return cases.map(([name, make]) => {
    const a = make(plain);
    const b = make(guarded);
    best(n, 2, a); // warm up both
    best(n, 2, b);
    const plainNs = best(n, repeats, a);
    const guardedNs = best(n, repeats, b);
    return { case: name, plainNs, guardedNs, ratio: guardedNs / plainNs };
  });
}
