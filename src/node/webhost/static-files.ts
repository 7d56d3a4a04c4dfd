/**
 * Static file serving for the built renderer (out/renderer). Only GET/HEAD of
 * regular files inside the root are answered; everything else is a plain
 * status code. The renderer is a few dozen hashed files, so files are read
 * whole rather than streamed.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Content type by extension; unknown types are served as opaque bytes (nosniff is set). */
export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticLookup =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'not-found' };

/**
 * Maps a request path to a file under `rootDir` (already resolved through
 * realpath). Refuses encoded separators, NUL bytes, `..` escapes and symlinks
 * that lead outside the root.
 */
export async function lookupStatic(rootDir: string, pathname: string): Promise<StaticLookup> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { kind: 'forbidden' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'forbidden' };
  const relative = decoded === '/' ? '/index.html' : decoded;
  const candidate = resolve(rootDir, `.${relative}`);
  if (!candidate.startsWith(rootDir + sep)) return { kind: 'forbidden' };
  try {
    const real = await realpath(candidate);
    if (!real.startsWith(rootDir + sep)) return { kind: 'forbidden' };
    if (!(await stat(real)).isFile()) return { kind: 'not-found' };
    return { kind: 'file', path: real };
  } catch {
    return { kind: 'not-found' };
  }
}

/** Answers one static request; `headers` are added to every reply. */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  rootDir: string,
  pathname: string,
  headers: Readonly<Record<string, string>>,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendStatus(res, 405, headers, { Allow: 'GET, HEAD' });
    return;
  }
  const found = await lookupStatic(rootDir, pathname);
  if (found.kind === 'forbidden') return sendStatus(res, 403, headers);
  if (found.kind === 'not-found') return sendStatus(res, 404, headers);
  const body = await readFile(found.path);
  res.writeHead(200, {
    ...headers,
    'Content-Type': contentTypeOf(found.path),
    'Content-Length': body.length,
    // A local tool that is rebuilt often: never let a stale bundle survive a rebuild.
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function sendStatus(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, string>> = {},
): void {
  const body = `${status}\n`;
  res.writeHead(status, {
    ...headers,
    ...extra,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
