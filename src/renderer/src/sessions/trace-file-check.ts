/**
 * What the window accepts as a trace file before uploading it: the host
 * reads `.iopftrace` and Chrome JSON (docs/trace-format.md §3) and says why
 * when the content is wrong; the window only refuses what cannot be a trace
 * at all, so the user hears about it before waiting for an upload.
 */

/** For the file input's `accept` attribute. */
export const TRACE_FILE_ACCEPT = '.iopftrace,.json';

const EXTENSIONS = ['.iopftrace', '.json'];

/** Why `file` cannot be imported, or null when it may be uploaded. */
export function traceFileProblem(file: { readonly name: string; readonly size: number }): string | null {
  const lower = file.name.toLowerCase();
  if (!EXTENSIONS.some((ext) => lower.endsWith(ext))) {
    return `${file.name}: not a trace file (open a .iopftrace or Chrome .json trace)`;
  }
  if (file.size === 0) return `${file.name}: the file is empty`;
  return null;
}
