/**
 * Preload of the sandboxed renderer: exposes the WorkbenchApi as `window.api`
 * (typed by index.d.ts). electron-vite bundles this file and its imports into
 * one CommonJS file, because a sandboxed preload can require only 'electron'.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createWorkbenchBridge } from './api';

if (process.contextIsolated) {
  try {
    contextBridge.exposeInMainWorld('api', createWorkbenchBridge(ipcRenderer));
  } catch (err) {
    console.error('[iopf] could not expose the workbench API:', err);
  }
} else {
  // Without context isolation the page shares this script's globals and could
  // reach ipcRenderer through them: expose nothing rather than everything.
  console.error('[iopf] contextIsolation is off; the workbench API is not exposed');
}
