/**
 * Monaco, trimmed to what scenarios need: the editor core and its features,
 * TypeScript (with its language service in a worker) and JSON (declarative
 * scenarios). Imported only through loadMonaco() (monaco-loader.ts), so
 * Monaco is a separate chunk that never delays the window's first paint.
 *
 * Workers are bundled by Vite (`?worker`) and served from 'self', which the
 * CSP allows (worker-src 'self' blob:); Monaco's own URL-based worker loading
 * does not survive bundling.
 */
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/register.all';
import 'monaco-editor/languages/definitions/typescript/register';
import { ModuleKind, ModuleResolutionKind, ScriptTarget, typescriptDefaults } from 'monaco-editor/languages/features/typescript/register';
import 'monaco-editor/languages/features/json/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import TsWorker from 'monaco-editor/languages/features/typescript/ts.worker?worker';
import JsonWorker from 'monaco-editor/languages/features/json/json.worker?worker';

declare global {
  interface Window {
    MonacoEnvironment?: { getWorker(workerId: string, label: string): Worker };
  }
}

self.MonacoEnvironment = {
  getWorker(_workerId: string, label: string): Worker {
    if (label === 'typescript' || label === 'javascript') return new TsWorker();
    if (label === 'json') return new JsonWorker();
    return new EditorWorker();
  },
};

/** Where the scenario API's typings live in the TypeScript worker's file system. */
const TYPES_URI = 'file:///node_modules/@types/iopf/index.d.ts';

/*
 * Scenarios run in a sandbox with the scenario API and the ES library only:
 * no DOM, no Node. The compiler settings say so, so completion never offers
 * `document` or `require`.
 */
typescriptDefaults.setCompilerOptions({
  target: ScriptTarget.ES2020,
  module: ModuleKind.ESNext,
  moduleResolution: ModuleResolutionKind.NodeJs,
  lib: ['es2022'],
  strict: true,
  noEmit: true,
  allowNonTsExtensions: true,
  isolatedModules: true,
});
typescriptDefaults.setDiagnosticsOptions({ noSemanticValidation: false, noSyntaxValidation: false });
// Scenario models are the only TypeScript models; sync them eagerly so diagnostics come without a first keystroke.
typescriptDefaults.setEagerModelSync(true);

let typesInstalled = false;

/** Adds the scenario API typings (`declare module 'iopf'`) once; later calls replace them. */
export function installScenarioTypes(dts: string): void {
  typescriptDefaults.addExtraLib(dts, TYPES_URI);
  typesInstalled = true;
}

export function scenarioTypesInstalled(): boolean {
  return typesInstalled;
}

export { monaco };
export type Monaco = typeof monaco;
