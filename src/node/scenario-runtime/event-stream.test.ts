import { describe, expect, it } from 'vitest';
import { toEventRow, type TraceEvent } from '../../shared/events';
import { ns } from '../../shared/time';
import { createStreamControl, EventStreamControl, EventStreamWriter, PackedEventReader, type PackedEvents } from './event-stream';
import { runScenarioScript } from './run-scenario-script';
import { streamScenario } from './testing/stream-scenario';

const event = (over: Partial<TraceEvent>): TraceEvent => ({
  seq: 0,
  t: ns(0n),
  kind: 'PR_SEND',
  layer: 'device',
  dev: null,
  pasid: null,
  grpid: null,
  cookie: null,
  addr: null,
  perm: null,
  code: null,
  errno: null,
  parent: null,
  raw: null,
  note: null,
  line: null,
  iommu: null,
  ...over,
});

describe('event stream: packing', () => {
  it('reads every column back as toEventRow gives it: nulls, raw bytes, u64 IOVAs and times beyond 2^53', () => {
    const events = [
      event({ seq: 0, t: ns(5n), kind: 'PR_SEND', layer: 'device', dev: 0x300, pasid: 1, grpid: 7, addr: 0xdeadb000n, perm: 3, line: 6, iommu: 0 }),
      event({ seq: 1, t: ns(2n ** 60n + 1n), kind: 'RESPONSE_WRITE', layer: 'iommufd', cookie: 9, code: 0, errno: 22, parent: 0, raw: new Uint8Array([1, 0, 0, 0, 0xff]), note: 'n' }),
      event({ seq: 2, t: ns(7n), kind: 'ASSERT_PASS', layer: 'check', addr: 0xffff_ffff_ffff_f000n, raw: new Uint8Array(0), note: 'a longer note ✓' }),
    ];
    const posted: PackedEvents[] = [];
    const w = new EventStreamWriter({ control: createStreamControl(), batchEvents: 2, maxInFlight: 10 }, { post: (b) => posted.push(b), waiting: () => {}, waited: () => {} });
    for (const e of events) w.add(e);
    expect(posted.map((b) => b.rows)).toEqual([2]);
    w.flush();
    expect(posted.map((b) => b.rows)).toEqual([2, 1]);
    const read = posted.flatMap((b) => {
      const r = new PackedEventReader(b);
      return Array.from({ length: r.rows }, (_, i) => r.row(i));
    });
    expect(read).toEqual(events.map(toEventRow));
  });

  it('waits for the parent when maxInFlight batches are unacknowledged, and goes on after an acknowledgement', async () => {
    const control = createStreamControl();
    const parent = new EventStreamControl(control);
    const posted: PackedEvents[] = [];
    let waits = 0;
    let waitedMs = 0;
    const w = new EventStreamWriter(
      { control, batchEvents: 1, maxInFlight: 2 },
      {
        post: (b) => posted.push(b),
        waiting: () => {
          waits++;
          // The parent takes one batch while the writer waits (here, on the same thread).
          if (waits === 3) parent.acknowledge(posted[0]!);
        },
        waited: (ms) => (waitedMs += ms),
      },
    );
    w.add(event({ seq: 0 }));
    w.add(event({ seq: 1 }));
    expect(parent.unacknowledgedEvents).toBe(2);
    w.add(event({ seq: 2 })); // blocks until the acknowledgement
    expect(waits).toBe(3);
    expect(waitedMs).toBeGreaterThanOrEqual(100); // three timed waits of 50 ms, the first two in vain
    expect(posted).toHaveLength(3);
    expect(parent.unacknowledgedEvents).toBe(2);
  });
});

describe('event stream: a scenario run', () => {
  it('delivers every event in order to a slow consumer while holding at most maxInFlight batches', async () => {
    const collected = await runScenarioScript({ source: streamScenario(1000), filename: 's.ts', collect: true });
    expect(collected.events).toBeGreaterThan(20_000);

    let seen = 0;
    let heldMax = 0;
    let inOrder = true;
    let sameAsCollected = true;
    const r = await runScenarioScript({
      source: streamScenario(1000),
      filename: 's.ts',
      stream: {
        batchEvents: 256,
        maxInFlight: 2,
        onEvents: (batch, held) => {
          heldMax = Math.max(heldMax, held);
          const rows = new PackedEventReader(batch);
          for (let i = 0; i < rows.rows; i++) {
            const row = rows.row(i);
            if (row.seq !== seen) inOrder = false;
            if (seen % 997 === 0 && JSON.stringify(row) !== JSON.stringify(toEventRow(collected.collected![seen]!))) sameAsCollected = false;
            seen++;
          }
          // A consumer far slower than the engine: without backpressure the worker would post thousands ahead.
          const until = performance.now() + 2;
          while (performance.now() < until);
          return true;
        },
      },
    });
    expect(r.error).toBeUndefined();
    expect(seen).toBe(collected.events);
    expect([inOrder, sameAsCollected]).toEqual([true, true]);
    expect(heldMax).toBeGreaterThanOrEqual(256);
    expect(heldMax).toBeLessThanOrEqual(2 * 256);
  });

  it('stops the worker when the consumer returns false, and says so', async () => {
    let batches = 0;
    const r = await runScenarioScript({
      source: streamScenario(1000),
      filename: 's.ts',
      stream: { batchEvents: 256, onEvents: () => ++batches < 3 },
    });
    expect(batches).toBe(3);
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({ kind: 'internal', message: 'the run was stopped: its events were not wanted any more' });
    expect(r.events).toBeLessThan(20_000);
  });

  it('refuses a batch size that is not a positive integer', async () => {
    await expect(runScenarioScript({ source: streamScenario(1), filename: 's.ts', stream: { batchEvents: 0, onEvents: () => true } })).rejects.toThrow(
      'runScenarioScript: stream.batchEvents must be a positive integer, got 0',
    );
  });
});
