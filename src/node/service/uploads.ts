/**
 * Trace files the renderer uploads for import, in chunks (a browser cannot
 * hand the host a path). Each upload gets a random id and a folder of its own
 * under one temporary folder; chunks must arrive in order (`offset` = bytes
 * received so far) and may not pass the size announced by beginUpload. The
 * file keeps the user's name (made safe), which the import records as the
 * session's origin. Uploads are removed after their import, and all of them
 * when the service is disposed.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Uploads that may be open at once (each holds a file descriptor and disk space). */
export const MAX_OPEN_UPLOADS = 8;

export class UploadError extends Error {
  override readonly name = 'UploadError';
}

interface Upload {
  readonly id: string;
  /** The name the user's file has on their side. */
  readonly fileName: string;
  readonly dir: string;
  readonly path: string;
  readonly bytes: number;
  received: number;
  fd: number | null;
}

export interface CompleteUpload {
  /** The uploaded file (the user's name, made safe). */
  readonly path: string;
  /** The name the user's file has on their side, for messages. */
  readonly fileName: string;
  readonly bytes: number;
  /** Removes the file and its folder. */
  remove(): void;
}

/** The user's file name reduced to `[A-Za-z0-9_.-]`, never empty or dot-only. */
export function safeUploadName(fileName: string): string {
  const name = fileName.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_').slice(0, 120);
  return name === '' ? 'upload' : name;
}

/**
 * An import's error in the user's terms: the upload's temporary path (a host
 * folder the user never chose) replaced by the name of the file they picked.
 */
export function inUserTerms(err: unknown, upload: Pick<CompleteUpload, 'path' | 'fileName'>): unknown {
  if (err instanceof Error && err.message.includes(upload.path)) err.message = err.message.split(upload.path).join(upload.fileName);
  return err;
}

export class UploadStore {
  private root: string | null = null;
  private readonly uploads = new Map<string, Upload>();

  /** @param parentDir where the temporary folder is made (the OS's temp folder by default). */
  constructor(private readonly parentDir: string = tmpdir()) {}

  begin(fileName: string, bytes: number): { uploadId: string } {
    if (this.uploads.size >= MAX_OPEN_UPLOADS)
      throw new UploadError(`too many uploads in progress (${MAX_OPEN_UPLOADS}); import or wait for the others first`);
    this.root ??= mkdtempSync(join(this.parentDir, 'iopf-uploads-'));
    const id = randomBytes(16).toString('hex');
    const dir = join(this.root, id);
    mkdirSync(dir);
    const path = join(dir, safeUploadName(fileName));
    const fd = openSync(path, 'wx');
    this.uploads.set(id, { id, fileName, dir, path, bytes, received: 0, fd });
    return { uploadId: id };
  }

  append(uploadId: string, offset: number, base64: string): void {
    const u = this.get(uploadId);
    if (u.fd === null) throw new UploadError(`upload ${uploadId} is complete; import it`);
    if (offset !== u.received) throw new UploadError(`upload ${uploadId}: expected the chunk at offset ${u.received}, got ${offset} (chunks go in order)`);
    const data = Buffer.from(base64, 'base64');
    if (u.received + data.length > u.bytes)
      throw new UploadError(`upload ${uploadId}: the chunk ends at byte ${u.received + data.length}, past the announced size of ${u.bytes} bytes`);
    let at = 0;
    while (at < data.length) at += writeSync(u.fd, data, at, data.length - at, u.received + at);
    u.received += data.length;
    if (u.received === u.bytes) {
      closeSync(u.fd);
      u.fd = null;
    }
  }

  /** Hands a complete upload to its importer; it is no longer listed here. */
  take(uploadId: string): CompleteUpload {
    const u = this.get(uploadId);
    if (u.received !== u.bytes) throw new UploadError(`upload ${uploadId} is incomplete: ${u.received} of ${u.bytes} bytes received`);
    this.uploads.delete(uploadId);
    return { path: u.path, fileName: u.fileName, bytes: u.bytes, remove: () => rmSync(u.dir, { recursive: true, force: true }) };
  }

  /** Removes every upload and the temporary folder. */
  dispose(): void {
    for (const u of this.uploads.values()) if (u.fd !== null) closeSync(u.fd);
    this.uploads.clear();
    if (this.root) rmSync(this.root, { recursive: true, force: true });
    this.root = null;
  }

  /** The temporary folder, once an upload has made it (tests). */
  get folder(): string | null {
    return this.root;
  }

  private get(uploadId: string): Upload {
    const u = this.uploads.get(uploadId);
    if (!u) throw new UploadError(`no upload "${uploadId}" (unknown, already imported, or the host restarted)`);
    return u;
  }
}
