/**
 * Test support: a TypeScript scenario of `accesses` one-page DMAs at seeded
 * random gaps with a seeded policy latency (about 23 events per access), for
 * tests that need a long, seed-dependent event stream.
 */
export const streamScenario = (accesses: number, latencyNs: readonly [number, number] = [2_000, 8_000]): string =>
  [
    "import { scenario, vmmSetup, mapThenSuccess, uniform, dma, sleep, random } from 'iopf';",
    'export default scenario({',
    "  name: 'long-stream',",
    '  setup: () => vmmSetup({ pasids: [1] }),',
    `  policy: mapThenSuccess({ latencyNs: uniform(${latencyNs[0]}, ${latencyNs[1]}) }),`,
    '  async workload() {',
    `    for (let i = 0; i < ${accesses}; i++) {`,
    "      await dma('0000:03:00.0', { pasid: 1, addr: 0x10000000n + BigInt(i) * 0x1000n });",
    '      await sleep(Math.floor(random() * 1000));',
    '    }',
    '  },',
    '});',
  ].join('\n');
