/**
 * One build, three targets: the Electron main process, the sandboxed preload
 * and the renderer. The same out/renderer is what the local web host serves.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

const alias = {
  '@shared': resolve(__dirname, 'src/shared'),
  '@core': resolve(__dirname, 'src/core'),
  '@node': resolve(__dirname, 'src/node'),
};

export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      externalizeDeps: true,
      rollupOptions: {
        // The job process and the scenario worker it starts ship next to the main bundle
        // (src/node/jobs/job-process.ts, src/node/scenario-runtime/worker-entry.ts).
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          'scenario-worker': resolve(__dirname, 'src/node/scenario-runtime/worker.ts'),
          'job-worker': resolve(__dirname, 'src/node/jobs/job-worker.ts'),
        },
      },
    },
  },
  preload: {
    // A sandboxed preload cannot require() packages: bundle everything into one CJS file.
    resolve: { alias },
    build: { externalizeDeps: false },
  },
  renderer: {
    resolve: {
      alias: { ...alias, '@renderer': resolve(__dirname, 'src/renderer/src') },
    },
    plugins: [vue()],
    // Monaco's editor, TypeScript and JSON workers are bundled as ES module workers (`?worker`).
    worker: { format: 'es' },
    build: {
      minify: true,
      // Monaco is one lazily loaded chunk of about 4 MB and its TypeScript worker about 7 MB; both are expected.
      chunkSizeWarningLimit: 8192,
    },
  },
});
