/**
 * Before another document replaces one with unsaved edits, the user says
 * whether the edits may go. window.confirm is used because it works the same
 * in Electron and in a browser, and blocks nothing else in the app.
 */
export function confirmDiscard(dirty: boolean, fileName: string | undefined, ask: (message: string) => boolean = (msg) => window.confirm(msg)): boolean {
  if (!dirty) return true;
  return ask(`${fileName ?? 'The open scenario'} has unsaved changes. Discard them?`);
}
