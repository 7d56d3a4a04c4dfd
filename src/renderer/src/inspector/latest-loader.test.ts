import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LatestLoader } from './latest-loader';

/** A load whose answers the test releases by hand, in any order. */
function deferredLoads(): { load: (k: number) => Promise<string>; resolve: (k: number) => void; reject: (k: number) => void; asked: number[] } {
  const waiting = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  const asked: number[] = [];
  return {
    asked,
    load: (k) =>
      new Promise<string>((resolve, reject) => {
        asked.push(k);
        waiting.set(k, { resolve, reject });
      }),
    resolve: (k) => waiting.get(k)!.resolve(`value ${k}`),
    reject: (k) => waiting.get(k)!.reject(new Error(`failed ${k}`)),
  };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('LatestLoader', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('drops an older answer that arrives after a newer request', async () => {
    const d = deferredLoads();
    const results: string[] = [];
    const loader = new LatestLoader<number, string>({ load: d.load, onResult: (v) => results.push(v), onError: () => undefined });
    loader.request(1);
    loader.request(2);
    d.resolve(2);
    await flush();
    d.resolve(1);
    await flush();
    expect(results).toEqual(['value 2']);
  });

  it('a stale failure is dropped too; a current one is reported', async () => {
    const d = deferredLoads();
    const errors: string[] = [];
    const loader = new LatestLoader<number, string>({ load: d.load, onResult: () => undefined, onError: (e) => errors.push((e as Error).message) });
    loader.request(1);
    loader.request(2);
    d.reject(1);
    d.reject(2);
    await flush();
    expect(errors).toEqual(['failed 2']);
  });

  it('with a delay, only the last of a burst of requests loads', async () => {
    const d = deferredLoads();
    const loader = new LatestLoader<number, string>({ load: d.load, onResult: () => undefined, onError: () => undefined });
    for (let k = 0; k < 10; k++) {
      loader.request(k, 100);
      vi.advanceTimersByTime(30);
    }
    vi.advanceTimersByTime(100);
    expect(d.asked).toEqual([9]);
  });

  it('dispose() drops whatever is in flight', async () => {
    const d = deferredLoads();
    const results: string[] = [];
    const loader = new LatestLoader<number, string>({ load: d.load, onResult: (v) => results.push(v), onError: () => undefined });
    loader.request(1);
    loader.dispose();
    d.resolve(1);
    await flush();
    loader.request(2);
    expect(results).toEqual([]);
    expect(d.asked).toEqual([1]);
  });
});
