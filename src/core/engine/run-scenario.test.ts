import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toEventRow, type TraceEvent } from '../../shared/events';
import { parseScenario, ScenarioError } from '../scenario/spec';
import { MemorySink } from '../trace/sink';
import { runScenario } from './run-scenario';

const happyPath = () =>
  parseScenario(JSON.parse(readFileSync(new URL('../../../resources/scenarios/happy-path.json', import.meta.url), 'utf8')));

const serialize = (events: TraceEvent[]): string => JSON.stringify(events.map(toEventRow));

describe('runScenario', () => {
  it('takes one fault through every layer: request, group, queue, read, response, retry', () => {
    const sink = new MemorySink();
    const summary = runScenario(happyPath(), sink);
    expect(summary).toMatchObject({ passed: 3, failed: 0, pageResponses: 1 });
    const kinds = sink.events.map((e) => e.kind);
    const order = ['DMA_ISSUE', 'PR_SEND', 'PRQ_ENQ', 'DRV_CONSUME', 'IOPF_GROUP', 'FAULT_QUEUED', 'FAULT_READ', 'RESPONSE_WRITE', 'PAGE_RESPONSE', 'PRG_RESP_RECV', 'DMA_COMPLETE'];
    let at = -1;
    for (const k of order) {
      const i = kinds.indexOf(k as TraceEvent['kind'], at + 1);
      expect(i, `${k} after index ${at}`).toBeGreaterThan(at);
      at = i;
    }
    const reads = sink.events.filter((e) => e.kind === 'FAULT_READ');
    expect(reads).toHaveLength(2);
    expect(reads.every((e) => e.cookie === 1 && e.raw?.length === 40)).toBe(true);
    const write = sink.events.find((e) => e.kind === 'RESPONSE_WRITE')!;
    expect(write).toMatchObject({ cookie: 1, code: 0 });
    expect(Array.from(write.raw!)).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    const done = sink.events.find((e) => e.kind === 'DMA_COMPLETE')!;
    expect(done.errno).toBeNull();
    // seq is dense and time never goes backwards; every parent precedes its child.
    sink.events.forEach((e, i) => {
      expect(e.seq).toBe(i);
      if (i > 0) expect(e.t >= sink.events[i - 1]!.t).toBe(true);
      if (e.parent !== null) expect(e.parent).toBeLessThan(e.seq);
    });
  });

  it('is deterministic: the same seed gives a byte-identical stream, another seed differs', () => {
    const run = (seed: number) => {
      const sink = new MemorySink();
      runScenario(happyPath(), sink, { seed });
      return serialize(sink.events);
    };
    expect(run(5)).toBe(run(5));
    expect(run(5)).not.toBe(run(6));
  });

  it('speaks the v4 uAPI when run with the v4 profile: 32-byte responses carrying dev_id', () => {
    const sink = new MemorySink();
    const summary = runScenario(happyPath(), sink, { kernelProfile: 'v4' });
    expect(summary.failed).toBe(0);
    const write = sink.events.find((e) => e.kind === 'RESPONSE_WRITE')!;
    expect(write.raw).toHaveLength(32);
    expect(new DataView(write.raw!.buffer).getUint32(8, true)).toBe(write.dev);
  });

  it('records a failed expectation as an ASSERT_FAIL event instead of throwing', () => {
    const spec = { ...happyPath(), expect: { pageResponses: 2 } };
    const sink = new MemorySink();
    const summary = runScenario(spec, sink);
    expect(summary.failed).toBe(1);
    expect(sink.events.at(-1)).toMatchObject({ kind: 'ASSERT_FAIL', layer: 'check' });
  });
});

describe('parseScenario', () => {
  it.each([
    [{}, /scenario.name/],
    [{ name: 'x', devices: [] }, /scenario.devices/],
    [{ name: 'x', devices: [{ name: 'd' }], workload: [{ atNs: 0, addr: 'nope' }] }, /workload\[0\].addr/],
    [{ name: 'x', kernelProfile: '6.1', devices: [{ name: 'd' }], workload: [] }, /kernelProfile/],
  ])('names the bad field of %j', (input, message) => {
    expect(() => parseScenario(input)).toThrow(ScenarioError);
    expect(() => parseScenario(input)).toThrow(message);
  });
});
