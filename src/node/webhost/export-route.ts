/**
 * GET /exports/<fileName>: the web host's download of an exported trace
 * (ExportedFile.downloadUrl). Only names the service gives exports
 * (EXPORT_FILE_NAME: no separators, no leading dot, a trace extension) are
 * looked up, only regular files directly inside the exports folder are sent
 * (a symlink is refused), and the reply is an attachment with the same
 * security headers as every other response. Files are streamed: exports can
 * be large.
 */
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { EXPORT_FILE_NAME } from '../service/export-files';
import { sendStatus } from './static-files';

export const EXPORTS_PREFIX = '/exports/';

const TYPES: Readonly<Record<string, string>> = {
  pftrace: 'application/octet-stream',
  json: 'application/json; charset=utf-8',
  iopftrace: 'application/x-ndjson; charset=utf-8',
};

/** The export's file name from a request path, or null when it names no acceptable file. */
export function exportNameOf(pathname: string): string | null {
  if (!pathname.startsWith(EXPORTS_PREFIX)) return null;
  let name: string;
  try {
    name = decodeURIComponent(pathname.slice(EXPORTS_PREFIX.length));
  } catch {
    return null;
  }
  return EXPORT_FILE_NAME.test(name) ? name : null;
}

export async function serveExport(
  req: IncomingMessage,
  res: ServerResponse,
  exportsDir: string | undefined,
  pathname: string,
  headers: Readonly<Record<string, string>>,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendStatus(res, 405, headers, { Allow: 'GET, HEAD' });
  const name = exportNameOf(pathname);
  if (name === null) return sendStatus(res, 403, headers);
  if (exportsDir === undefined) return sendStatus(res, 404, headers);
  const path = join(exportsDir, name);
  let size: number;
  try {
    const st = await lstat(path);
    if (!st.isFile()) return sendStatus(res, 404, headers);
    size = st.size;
  } catch {
    return sendStatus(res, 404, headers);
  }
  res.writeHead(200, {
    ...headers,
    'Content-Type': TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream',
    'Content-Length': size,
    'Content-Disposition': `attachment; filename="${name}"`,
    'Cache-Control': 'no-store',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((done) => {
    const stream = createReadStream(path);
    stream.on('error', () => {
      res.destroy();
      done();
    });
    stream.on('end', () => done());
    stream.pipe(res);
  });
}
