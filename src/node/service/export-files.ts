/**
 * Names of exported trace files in the exports folder, shared by the service
 * (which writes them) and the web host (which serves them at
 * /exports/<fileName>): `<session name>-<id>.<ext>`, reduced to
 * `[A-Za-z0-9_.-]` so a name is never a path and never needs escaping.
 */
import type { ExportRequest } from '../../shared/api/workbench';

export const EXPORT_EXTENSIONS: Readonly<Record<ExportRequest['format'], string>> = {
  pftrace: '.pftrace',
  chrome: '.json',
  iopftrace: '.iopftrace',
};

/** A name the exports folder may serve: no leading dot, no separators, a known extension. */
export const EXPORT_FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,150}\.(pftrace|json|iopftrace)$/;

export function exportFileName(sessionId: number, sessionName: string, format: ExportRequest['format']): string {
  const stem = sessionName.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'session';
  return `${stem}-${sessionId}${EXPORT_EXTENSIONS[format]}`;
}
