/**
 * Child process of the export bench: exports one session and prints its time
 * and the process's peak RSS as JSON, so the figure is the export's alone.
 * Usage: node --import tsx bench/export-child.ts <db> <session> <format> <file>
 */
import { performance } from 'node:perf_hooks';
import { openBetterSqlite } from '../src/node/db/better-sqlite3-driver';
import { exportSessionToFile, isExportFormat } from '../src/node/trace-files/trace-files';

const [path, id, format, file] = process.argv.slice(2);
if (!path || !id || !isExportFormat(format) || !file) throw new Error('usage: export-child <db> <session> <format> <file>');
const db = openBetterSqlite(path, { readonly: true });
const baseline = process.memoryUsage().rss;
const start = performance.now();
const r = exportSessionToFile(db, Number(id), format, file);
const ms = performance.now() - start;
db.close();
process.stdout.write(`${JSON.stringify({ ms, bytes: r.bytes, events: r.events, peakRssBytes: process.resourceUsage().maxRSS * 1024, baselineRssBytes: baseline })}\n`);
