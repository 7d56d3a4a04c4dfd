import { describe, expect, it } from 'vitest';
import { fakeEvent } from '@renderer/testing/fake-api';
import { buildTimelineData, lowerBound } from './timeline-data';
import { trackKeyOf } from './tracks';

const events = [
  fakeEvent(0, { t: 1_000, layer: 'device', dev: 2, kind: 'DMA_ISSUE' }),
  fakeEvent(1, { t: 1_700, layer: 'iommu', dev: 2, kind: 'PRQ_ENQ' }),
  fakeEvent(2, { t: 3_700, layer: 'iommu', dev: null, kind: 'DRV_CONSUME' }),
  fakeEvent(3, { t: 4_700, layer: 'iommufd', dev: 2, kind: 'FAULT_READ', cookie: 1 }),
  fakeEvent(4, { t: 4_700, layer: 'policy', dev: 2, kind: 'POLICY_MAP', cookie: 1 }),
  fakeEvent(5, { t: 9_254, layer: 'iommufd', dev: 2, kind: 'RESPONSE_WRITE', cookie: 1 }),
  fakeEvent(6, { t: 9_954, layer: 'check', dev: null, kind: 'ASSERT_PASS' }),
  fakeEvent(7, { t: 500, layer: 'device', dev: 1, kind: 'DMA_ISSUE' }),
];

describe('track keys', () => {
  it('are one per layer per device, with a named shared track for device-less events', () => {
    expect(trackKeyOf({ layer: 'device', dev: 3 })).toBe('device#3');
    expect(trackKeyOf({ layer: 'iommufd', dev: null })).toBe('iommufd#fault-queue');
    expect(trackKeyOf({ layer: 'check', dev: null })).toBe('check#oracle');
  });
});

describe('buildTimelineData', () => {
  const data = buildTimelineData(42, events);

  it('orders tracks by layer, shared track first, then by device', () => {
    expect(data.tracks.map((t) => t.key)).toEqual([
      'device#1',
      'device#2',
      'iommu#prq',
      'iommu#2',
      'iommufd#2',
      'policy#2',
      'check#oracle',
    ]);
  });

  it('puts every event on exactly one track, sorted by time', () => {
    expect(data.tracks.reduce((n, t) => n + t.events.length, 0)).toBe(events.length);
    const iommufd = data.tracks.find((t) => t.key === 'iommufd#2')!;
    expect(iommufd.events.map((e) => e.seq)).toEqual([3, 5]);
    expect([...iommufd.times]).toEqual([4_700, 9_254]);
    expect(data.tracks[data.trackOfSeq.get(6)!]!.key).toBe('check#oracle');
  });

  it('spans the session', () => {
    expect([data.startNs, data.endNs, data.eventCount, data.sessionId]).toEqual([500, 9_954, 8, 42]);
  });

  it('links consecutive events of a cookie across tracks only', () => {
    expect(data.flows.map((f) => [f.from.seq, f.to.seq])).toEqual([
      [3, 4],
      [4, 5],
    ]);
  });

  it('builds one span per cookie per track when it lasts', () => {
    const iommufd = data.tracks.find((t) => t.key === 'iommufd#2')!;
    expect(iommufd.spans).toEqual([{ cookie: 1, startNs: 4_700, endNs: 9_254 }]);
    // A single instant on a track is not a span.
    expect(data.tracks.find((t) => t.key === 'policy#2')!.spans).toEqual([]);
  });

  it('handles an empty session', () => {
    const empty = buildTimelineData(1, []);
    expect([empty.tracks.length, empty.flows.length, empty.startNs, empty.endNs]).toEqual([0, 0, 0, 0]);
  });
});

describe('lowerBound', () => {
  it('finds the first time at or after the key', () => {
    const times = Float64Array.from([10, 20, 20, 30]);
    expect([5, 10, 15, 20, 25, 30, 35].map((t) => lowerBound(times, t))).toEqual([0, 0, 1, 1, 3, 3, 4]);
  });
});
