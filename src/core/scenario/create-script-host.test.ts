import { describe, expect, it } from 'vitest';
import { toEventRow, type TraceEvent } from '../../shared/events';
import happyPath from '../../../resources/scenarios/happy-path';
import { MemorySink } from '../trace/sink';
import * as api from './api/index';
import { createScriptHost } from './create-script-host';

/** Lets pending promise continuations run (what the Node runtime does with setImmediate). */
const yieldToScript = () => new Promise<void>((r) => setTimeout(r, 0));

async function runDef(def: unknown, options: { seed?: number; kernelProfile?: 'v4' | 'upstream' } = {}) {
  const sink = new MemorySink();
  const outcome = await createScriptHost({ sink, ...options }).run(def, yieldToScript);
  return { outcome, events: sink.events };
}

const kinds = (events: TraceEvent[]) => events.map((e) => e.kind);

describe('the script host', () => {
  it('runs the happy path through hardware, kernel, iommufd and the policy, and its checks pass', async () => {
    const { outcome, events } = await runDef(happyPath);
    expect(outcome).toMatchObject({ name: 'happy-path', failed: 0, violations: 0, kernelProfile: 'upstream', vendor: 'vtd' });
    expect(outcome.passed).toBe(4);
    const k = kinds(events);
    let at = -1;
    for (const kind of ['DMA_ISSUE', 'ATS_CPL', 'PR_SEND', 'PRQ_ENQ', 'DRV_CONSUME', 'IOPF_GROUP', 'FAULT_QUEUED', 'POLICY_WAKE', 'FAULT_READ', 'POLICY_MAP', 'RESPONSE_WRITE', 'PAGE_RESPONSE', 'CMD_RESP', 'PRG_RESP_RECV', 'DMA_COMPLETE']) {
      const i = k.indexOf(kind as TraceEvent['kind'], at + 1);
      expect(i, `${kind} after #${at}`).toBeGreaterThan(at);
      at = i;
    }
    const write = events.find((e) => e.kind === 'RESPONSE_WRITE')!;
    expect(Array.from(write.raw!)).toEqual([1, 0, 0, 0, 0, 0, 0, 0]); // {cookie 1, SUCCESS}
  });

  it('is deterministic: same seed → identical stream; another seed → different timing', async () => {
    const ser = (e: TraceEvent[]) => JSON.stringify(e.map(toEventRow));
    const a = await runDef(happyPath, { seed: 7 });
    const b = await runDef(happyPath, { seed: 7 });
    const c = await runDef(happyPath, { seed: 8 });
    expect(ser(a.events)).toBe(ser(b.events));
    expect(ser(a.events)).not.toBe(ser(c.events));
  });

  it('runs the same scenario on the v4 profile with its 32-byte responses', async () => {
    const { outcome, events } = await runDef(happyPath, { kernelProfile: 'v4' });
    expect(outcome.failed).toBe(0);
    expect(events.find((e) => e.kind === 'RESPONSE_WRITE')!.raw).toHaveLength(32);
  });

  it('records failed checks and oracle violations instead of throwing: a never-answering policy', async () => {
    const def = api.scenario({
      name: 'never',
      setup: () => api.vmmSetup({ pasids: [1] }),
      policy: api.neverRespond(),
      async workload() {
        void api.dma('0000:03:00.0', { pasid: 1, addr: 0x1000n });
      },
      checks() {
        api.expect(api.eventCount('PAGE_RESPONSE')).toBe(1, 'someone answered');
      },
    });
    const { outcome, events } = await runDef(def);
    expect(outcome.failed).toBe(1);
    expect(outcome.violations).toBe(2);
    const notes = events.filter((e) => e.kind === 'INVARIANT_VIOLATION').map((e) => e.note);
    expect(notes).toEqual([
      expect.stringMatching(/^one-prg-response: function 768: PRG index 0 sent with Last and never answered/),
      expect.stringMatching(/^one-response-per-group: 1 group\(s\) of device 768, PRG index 0 never answered/),
    ]);
  });

  it('refuses a module that does not export a scenario, and API calls outside a run', async () => {
    await expect(runDef({ name: 'x' })).rejects.toThrow(/export default scenario/);
    expect(() => api.openIommufd()).toThrow(/only usable while a scenario runs/);
  });
});
