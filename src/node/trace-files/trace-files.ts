/**
 * Export a session to a file and import a file as a session, choosing the
 * format: by name for export, by content for import (`.iopftrace` by its magic
 * first bytes, Chrome JSON by a leading `[` or `{`).
 */
import { performance } from 'node:perf_hooks';
import type { SqlDatabase } from '../db/sql-database';
import { FileByteSink, type ByteSink } from './byte-sink';
import { exportChrome } from './chrome-export';
import { importChromeJson } from './chrome-import';
import { readHead, utf8 } from './file-reader';
import { exportIopftrace, importIopftrace, IOPFTRACE_MAGIC, sessionRecordOf, type ImportResult } from './iopftrace';
import { exportPftrace, type ExportResult } from './pftrace-export';
import { TraceFileError } from './validate';

export const EXPORT_FORMATS = ['pftrace', 'chrome', 'iopftrace'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const isExportFormat = (v: unknown): v is ExportFormat => typeof v === 'string' && (EXPORT_FORMATS as readonly string[]).includes(v);

export interface ExportSummary extends ExportResult {
  readonly format: ExportFormat;
  readonly path: string;
  readonly bytes: number;
  /** Wall-clock ms. */
  readonly ms: number;
}

/** Writes one session in `format` to any byte sink. */
export function writeSession(db: SqlDatabase, sessionId: number, format: ExportFormat, out: ByteSink): ExportResult {
  const record = sessionRecordOf(db, sessionId); // also refuses running or missing sessions
  if (format === 'pftrace') return exportPftrace(db, sessionId, out);
  if (format === 'chrome') return exportChrome(db, sessionId, record, out);
  return exportIopftrace(db, sessionId, out);
}

/** Exports to `path` (written as `<path>.partial` and renamed when complete). */
export function exportSessionToFile(db: SqlDatabase, sessionId: number, format: ExportFormat, path: string): ExportSummary {
  const start = performance.now();
  let sink: FileByteSink;
  try {
    sink = new FileByteSink(path);
  } catch (e) {
    throw new TraceFileError(`${path}: cannot write: ${(e as Error).message}`);
  }
  try {
    const r = writeSession(db, sessionId, format, sink);
    sink.commit();
    return { ...r, format, path, bytes: sink.bytes, ms: performance.now() - start };
  } catch (e) {
    sink.abort();
    throw e;
  }
}

export type ImportFormat = 'iopftrace' | 'chrome';

/** `.iopftrace` by name or by its first bytes; otherwise Chrome JSON if it starts like JSON. */
export function detectImportFormat(path: string): ImportFormat {
  if (path.endsWith('.iopftrace')) return 'iopftrace';
  const head = readHead(path, 64);
  if (head.length === 0) throw new TraceFileError(`${path}: empty file`);
  let text: string;
  try {
    text = utf8(head.subarray(0, Math.min(head.length, IOPFTRACE_MAGIC.length)), path);
  } catch {
    text = '';
  }
  if (text === IOPFTRACE_MAGIC || text.startsWith('{"format"')) return 'iopftrace';
  // Skip a BOM and whitespace.
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  if (head[i] === 0x5b || head[i] === 0x7b) return 'chrome';
  throw new TraceFileError(`${path}: unknown file format (expected an .iopftrace file or Chrome trace JSON)`);
}

export function importTraceFile(db: SqlDatabase, path: string): ImportResult & { format: ImportFormat } {
  const format = detectImportFormat(path);
  const r = format === 'iopftrace' ? importIopftrace(db, path) : importChromeJson(db, path);
  return { ...r, format };
}
