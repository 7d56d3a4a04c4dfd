/**
 * The text "New" opens: a scenario that type-checks and runs, to start from.
 */

/*
 * The module name is spliced in so that scripts/check-imports.mjs, which reads
 * import statements with a regular expression, does not take this text for an
 * import of the renderer.
 */
const API_MODULE = `${"'"}iopf${"'"}`;

export const NEW_SCENARIO_TEXT = `import { scenario, vmmSetup, mapThenSuccess, dma, expect } from ${API_MODULE};

export default scenario({
  name: 'untitled',
  seed: 1,
  topology: {
    iommu: { vendor: 'vtd' },
    devices: [{ name: '0000:03:00.0', pri: { capacity: 32 } }],
  },
  setup: () => vmmSetup({ pasids: [1] }),
  policy: mapThenSuccess(),
  async workload() {
    const r = await dma('0000:03:00.0', { pasid: 1, addr: 0x1000n, pages: 1, perm: 'rw' });
    expect(r.ok).toBe(true, 'the DMA completes');
  },
});
`;
