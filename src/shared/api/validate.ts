/**
 * Input validation for every WorkbenchApi method, run by the host (Electron
 * main or the web host) before the call reaches a service: the renderer is not
 * trusted to send well-formed arguments. Wrong types, out-of-range numbers and
 * malformed names are refused with a message that names the method and the
 * field; what comes out is a fresh object holding only the known fields, so
 * unknown fields of a request never reach a service. Inside a search filter,
 * a lifecycle query or a scenario source an unknown field is refused instead:
 * ignoring a misspelt filter field would silently widen the search.
 */
import { EVENT_KINDS, LAYERS, type EventKind, type Layer } from '../events';
import { KERNEL_PROFILE_LIST, isKernelProfileId } from '../uapi/profiles';
import { WORKBENCH_METHODS, type WorkbenchMethod } from './workbench';

export class ApiInputError extends Error {
  override readonly name = 'ApiInputError';
}

/** Limits the hosts enforce (and the renderer may read to check before sending). */
export const API_LIMITS = {
  /** Scenario source text, UTF-8 bytes. */
  sourceBytes: 1 << 20,
  /** Session name, characters. */
  nameChars: 200,
  /** Note text, characters. */
  noteChars: 10_000,
  /** Search text, characters. */
  searchChars: 200,
  /** Decoded bytes of one upload chunk. */
  chunkBytes: 512 * 1024,
  /** Size of one uploaded trace file, bytes. */
  uploadBytes: 4 * 1024 ** 3,
  /** Uploaded file name, characters. */
  uploadNameChars: 255,
} as const;

/** `my-policy.ts`: letters, digits, `_`, `-`, `.`; ends `.ts` or `.json`; no path parts. */
export const SCENARIO_FILE_NAME = /^(?!\.)[A-Za-z0-9_.-]{1,120}\.(ts|json)$/;
/** Caller-chosen job ids and host-chosen upload ids. */
export const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Built-in scenario ids (`happy-path`). */
export const SCENARIO_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const VENDORS = ['vtd', 'smmuv3', 'amd'] as const;
export const EXPORT_FORMATS = ['pftrace', 'chrome', 'iopftrace'] as const;

const MAX_ID = Number.MAX_SAFE_INTEGER;
const KINDS: ReadonlySet<string> = new Set(EVENT_KINDS);
const LAYER_SET: ReadonlySet<string> = new Set(LAYERS);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

export function isWorkbenchMethod(name: unknown): name is WorkbenchMethod {
  return typeof name === 'string' && (WORKBENCH_METHODS as readonly string[]).includes(name);
}

/** UTF-8 length of a string without TextEncoder (shared code has no DOM or Node types). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Decoded length of canonical base64 text, or -1 when it is not base64. */
export function base64DecodedLength(s: string): number {
  if (s.length % 4 !== 0 || !BASE64.test(s)) return -1;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}

/** The object's own fields only: nothing inherited through a prototype is read as input. */
const ownFields = (o: Obj): Obj => Object.assign(Object.create(null) as Obj, o);

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Field checks for one method; every failure names the method and the field. */
class Checker {
  constructor(private readonly method: WorkbenchMethod) {}

  fail(why: string): never {
    throw new ApiInputError(`${this.method}: ${why}`);
  }

  args(args: unknown[], n: number): void {
    if (args.length !== n) this.fail(n === 0 ? 'takes no arguments' : `takes ${n} argument${n > 1 ? 's' : ''}, got ${args.length}`);
  }

  /** The single request object (its unknown fields are left behind by the caller, who copies known ones). */
  request(args: unknown[]): Obj {
    this.args(args, 1);
    const r = args[0];
    if (!isObject(r)) this.fail('expects one request object');
    return ownFields(r);
  }

  object(v: unknown, allowed: readonly string[], what: string): Obj {
    if (!isObject(v)) this.fail(`expects ${what} to be an object`);
    for (const k of Object.keys(v)) if (!allowed.includes(k)) this.fail(`${what} has an unknown field ${JSON.stringify(k.slice(0, 40))}`);
    return ownFields(v);
  }

  int(v: unknown, name: string, min: number, max: number): number {
    if (!isInt(v, min, max)) this.fail(`${name} must be an integer in ${min}..${max === MAX_ID ? '2^53-1' : max}`);
    return v;
  }

  finite(v: unknown, name: string, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) this.fail(`${name} must be a number in ${min}..${max === MAX_ID ? '2^53-1' : max}`);
    return v;
  }

  id(v: unknown, name: string): number {
    if (!isInt(v, 1, MAX_ID)) this.fail(`${name} must be a positive integer`);
    return v;
  }

  seq(v: unknown, name: string): number {
    if (!isInt(v, 0, MAX_ID)) this.fail(`${name} must be a non-negative integer`);
    return v;
  }

  text(v: unknown, name: string, maxChars: number, options: { allowNewlines?: boolean } = {}): string {
    if (typeof v !== 'string') this.fail(`${name} must be a string`);
    if (v.trim() === '') this.fail(`${name} must not be empty`);
    if (v.length > maxChars) this.fail(`${name} is longer than ${maxChars} characters`);
    const bad = options.allowNewlines ? /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/ : CONTROL;
    if (bad.test(v)) this.fail(`${name} must not contain control characters`);
    return v;
  }

  oneOf<T extends string>(v: unknown, name: string, values: readonly T[]): T {
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) this.fail(`${name} must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
    return v as T;
  }

  match(v: unknown, name: string, pattern: RegExp, what: string): string {
    if (typeof v !== 'string' || !pattern.test(v)) this.fail(`${name} must be ${what}`);
    return v;
  }

  jobId(v: unknown): string {
    return this.match(v, 'jobId', JOB_ID, 'letters, digits, "_" or "-" (1..64)');
  }

  fileName(v: unknown, name = 'fileName'): string {
    return this.match(v, name, SCENARIO_FILE_NAME, 'a file name of letters, digits, "_", "-" and "." ending .ts or .json (no folders)');
  }

  source(v: unknown, name: string): { fileName: string; text: string } {
    const s = this.object(v, ['fileName', 'text'], name);
    const fileName = this.fileName(s.fileName, `${name}.fileName`);
    if (typeof s.text !== 'string') this.fail(`${name}.text must be a string`);
    if (utf8Length(s.text) > API_LIMITS.sourceBytes) this.fail(`${name}.text is larger than ${API_LIMITS.sourceBytes} bytes`);
    return { fileName, text: s.text };
  }

  /** Copies the optional jobId. */
  withJob(r: Obj, out: Obj): Obj {
    if (r.jobId !== undefined) out.jobId = this.jobId(r.jobId);
    return out;
  }
}

const FILTER_KEYS = ['kinds', 'layer', 'dev', 'pasid', 'grpid', 'cookie', 'code', 'errno', 'parent', 'text'] as const;

function eventFilter(c: Checker, v: unknown): Obj {
  const f = c.object(v, FILTER_KEYS, 'filter');
  const out: Obj = {};
  if (f.kinds !== undefined) {
    if (!Array.isArray(f.kinds) || f.kinds.length === 0 || f.kinds.length > EVENT_KINDS.length)
      c.fail(`filter.kinds must be a non-empty array of at most ${EVENT_KINDS.length} event kinds`);
    for (const k of f.kinds) if (typeof k !== 'string' || !KINDS.has(k)) c.fail(`filter.kinds: ${JSON.stringify(String(k).slice(0, 40))} is not an event kind`);
    out.kinds = [...new Set(f.kinds as EventKind[])];
  }
  if (f.layer !== undefined) {
    if (typeof f.layer !== 'string' || !LAYER_SET.has(f.layer)) c.fail(`filter.layer must be one of ${LAYERS.join(', ')}`);
    out.layer = f.layer as Layer;
  }
  const u32 = 0xffff_ffff;
  if (f.dev !== undefined) out.dev = c.int(f.dev, 'filter.dev', 0, 0xffff);
  if (f.pasid !== undefined) out.pasid = c.int(f.pasid, 'filter.pasid', 0, 0xf_ffff);
  if (f.grpid !== undefined) out.grpid = c.int(f.grpid, 'filter.grpid', 0, u32);
  if (f.cookie !== undefined) out.cookie = c.int(f.cookie, 'filter.cookie', 0, u32);
  if (f.code !== undefined) out.code = c.int(f.code, 'filter.code', 0, u32);
  if (f.errno !== undefined) out.errno = c.int(f.errno, 'filter.errno', 0, 4095);
  if (f.parent !== undefined) out.parent = c.seq(f.parent, 'filter.parent');
  if (f.text !== undefined) out.text = c.text(f.text, 'filter.text', API_LIMITS.searchChars);
  return out;
}

function lifecycleQuery(c: Checker, v: unknown): Obj {
  if (!isObject(v)) return c.fail('query must be an object');
  if ('faultId' in v) {
    const q = c.object(v, ['faultId'], 'query');
    return { faultId: c.id(q.faultId, 'query.faultId') };
  }
  if ('cookie' in v) {
    const q = c.object(v, ['cookie', 'dev', 'atSeq'], 'query');
    const out: Obj = { cookie: c.int(q.cookie, 'query.cookie', 0, 0xffff_ffff) };
    if (q.dev !== undefined) out.dev = c.int(q.dev, 'query.dev', 0, 0xffff);
    if (q.atSeq !== undefined) out.atSeq = c.seq(q.atSeq, 'query.atSeq');
    return out;
  }
  if ('grpid' in v) {
    const q = c.object(v, ['dev', 'grpid', 'atSeq'], 'query');
    const out: Obj = { dev: c.int(q.dev, 'query.dev', 0, 0xffff), grpid: c.int(q.grpid, 'query.grpid', 0, 0xffff_ffff) };
    if (q.atSeq !== undefined) out.atSeq = c.seq(q.atSeq, 'query.atSeq');
    return out;
  }
  if ('seq' in v) {
    const q = c.object(v, ['seq'], 'query');
    return { seq: c.seq(q.seq, 'query.seq') };
  }
  return c.fail('query must name a fault: {faultId}, {seq}, {cookie, dev?, atSeq?} or {dev, grpid, atSeq?}');
}

/** Throws ApiInputError unless `args` fit `method`; returns fresh, validated arguments. */
export function validateArgs(method: WorkbenchMethod, args: unknown[]): unknown[] {
  const c: Checker = new Checker(method);
  if (!Array.isArray(args)) c.fail('args must be an array');
  switch (method) {
    case 'getAppInfo':
    case 'listSessions':
    case 'listScenarios':
    case 'getScenarioTypes':
    case 'listScenarioFiles':
      c.args(args, 0);
      return [];

    case 'getSession':
    case 'removeSession':
    case 'listNotes':
      c.args(args, 1);
      return [c.id(args[0], 'sessionId')];

    case 'renameSession': {
      const r = c.request(args);
      return [{ sessionId: c.id(r.sessionId, 'sessionId'), name: c.text(r.name, 'name', API_LIMITS.nameChars).trim() }];
    }
    case 'addNote': {
      const r = c.request(args);
      if (r.seq !== null && r.seq !== undefined) c.seq(r.seq, 'seq');
      return [
        {
          sessionId: c.id(r.sessionId, 'sessionId'),
          seq: r.seq === undefined ? null : r.seq,
          text: c.text(r.text, 'text', API_LIMITS.noteChars, { allowNewlines: true }),
        },
      ];
    }
    case 'removeNote': {
      const r = c.request(args);
      return [{ sessionId: c.id(r.sessionId, 'sessionId'), noteId: c.id(r.noteId, 'noteId') }];
    }

    case 'getEvents': {
      const r = c.request(args);
      return [{ sessionId: c.id(r.sessionId, 'sessionId'), fromSeq: c.seq(r.fromSeq, 'fromSeq'), limit: c.int(r.limit, 'limit', 1, 100_000) }];
    }
    case 'getTimeline': {
      const r = c.request(args);
      const out: Obj = { sessionId: c.id(r.sessionId, 'sessionId'), by: c.oneOf(r.by, 'by', ['t', 'seq'] as const) };
      // Window edges may be fractional (a zoomed viewport in ns); buckets snap them.
      const from = c.finite(r.from, 'from', 0, MAX_ID);
      const to = c.finite(r.to, 'to', 0, MAX_ID);
      if (to <= from) c.fail('to must be greater than from');
      out.from = from;
      out.to = to;
      out.buckets = c.int(r.buckets, 'buckets', 1, 16_384);
      if (r.maxEvents !== undefined) out.maxEvents = c.int(r.maxEvents, 'maxEvents', 0, 100_000);
      if (r.path !== undefined) out.path = c.oneOf(r.path, 'path', ['raw', 'lod'] as const);
      if (r.filter !== undefined) out.filter = eventFilter(c, r.filter);
      return [out];
    }
    case 'getEventDetail':
    case 'getStateAt': {
      const r = c.request(args);
      return [{ sessionId: c.id(r.sessionId, 'sessionId'), seq: c.seq(r.seq, 'seq') }];
    }
    case 'getLifecycle': {
      const r = c.request(args);
      return [{ sessionId: c.id(r.sessionId, 'sessionId'), query: lifecycleQuery(c, r.query) }];
    }
    case 'getStats': {
      const r = c.request(args);
      const out: Obj = { sessionId: c.id(r.sessionId, 'sessionId') };
      if (r.fromSeq !== undefined) out.fromSeq = c.seq(r.fromSeq, 'fromSeq');
      if (r.toSeq !== undefined) out.toSeq = c.seq(r.toSeq, 'toSeq');
      if (out.fromSeq !== undefined && out.toSeq !== undefined && (out.toSeq as number) < (out.fromSeq as number))
        c.fail('toSeq must not be less than fromSeq');
      return [out];
    }
    case 'findEvents': {
      const r = c.request(args);
      const out: Obj = {
        sessionId: c.id(r.sessionId, 'sessionId'),
        filter: eventFilter(c, r.filter),
        fromSeq: c.seq(r.fromSeq, 'fromSeq'),
        direction: c.oneOf(r.direction, 'direction', ['forward', 'backward'] as const),
        limit: c.int(r.limit, 'limit', 1, 10_000),
      };
      if (r.toSeq !== undefined) {
        const toSeq = c.seq(r.toSeq, 'toSeq');
        const fromSeq = out.fromSeq as number;
        if (out.direction === 'forward' ? toSeq < fromSeq : toSeq > fromSeq)
          c.fail(`toSeq must not be ${out.direction === 'forward' ? 'before' : 'after'} fromSeq when walking ${String(out.direction)}`);
        out.toSeq = toSeq;
      }
      return [out];
    }
    case 'diffSessions': {
      const r = c.request(args);
      return [{ a: c.id(r.a, 'a'), b: c.id(r.b, 'b') }];
    }

    case 'getScenarioSource':
      c.args(args, 1);
      return [c.match(args[0], 'scenarioId', SCENARIO_ID, 'a scenario id such as "happy-path"')];
    case 'readScenarioFile':
      c.args(args, 1);
      return [c.fileName(args[0], 'name')];
    case 'writeScenarioFile':
    case 'checkScenario':
      c.args(args, 1);
      return [c.source(args[0], 'source')];

    case 'runScenario': {
      const r = c.request(args);
      const out = c.withJob(r, {});
      if ((r.scenarioId === undefined) === (r.source === undefined)) c.fail('give exactly one of scenarioId and source');
      if (r.scenarioId !== undefined) out.scenarioId = c.match(r.scenarioId, 'scenarioId', SCENARIO_ID, 'a scenario id such as "happy-path"');
      if (r.source !== undefined) out.source = c.source(r.source, 'source');
      if (r.seed !== undefined) out.seed = c.int(r.seed, 'seed', 0, 0xffff_ffff);
      if (r.kernelProfile !== undefined) {
        if (!isKernelProfileId(r.kernelProfile)) c.fail(`kernelProfile must be one of ${KERNEL_PROFILE_LIST}`);
        out.kernelProfile = r.kernelProfile;
      }
      if (r.vendor !== undefined) out.vendor = c.oneOf(r.vendor, 'vendor', VENDORS);
      return [out];
    }
    case 'cancelJob':
      c.args(args, 1);
      return [c.jobId(args[0])];
    case 'exportSession': {
      const r = c.request(args);
      return [c.withJob(r, { sessionId: c.id(r.sessionId, 'sessionId'), format: c.oneOf(r.format, 'format', EXPORT_FORMATS) })];
    }
    case 'beginUpload': {
      const r = c.request(args);
      const fileName = c.text(r.fileName, 'fileName', API_LIMITS.uploadNameChars);
      if (/[/\\]/.test(fileName) || fileName === '.' || fileName === '..') c.fail('fileName must be a bare file name, without folders');
      return [{ fileName, bytes: c.int(r.bytes, 'bytes', 1, API_LIMITS.uploadBytes) }];
    }
    case 'uploadChunk': {
      const r = c.request(args);
      const uploadId = c.match(r.uploadId, 'uploadId', JOB_ID, 'an id returned by beginUpload');
      const offset = c.int(r.offset, 'offset', 0, API_LIMITS.uploadBytes);
      if (typeof r.data !== 'string') c.fail('data must be a base64 string');
      // Cheap bound before the pattern test, so a huge string is refused without scanning it.
      if (r.data.length > (Math.ceil(API_LIMITS.chunkBytes / 3) + 1) * 4) c.fail(`a chunk holds at most ${API_LIMITS.chunkBytes} bytes`);
      const n = base64DecodedLength(r.data);
      if (n < 0) c.fail('data must be base64 (A-Z, a-z, 0-9, +, /, padded with =)');
      if (n === 0) c.fail('data must not be empty');
      if (n > API_LIMITS.chunkBytes) c.fail(`a chunk holds at most ${API_LIMITS.chunkBytes} bytes`);
      return [{ uploadId, offset, data: r.data }];
    }
    case 'importTrace': {
      const r = c.request(args);
      return [c.withJob(r, { uploadId: c.match(r.uploadId, 'uploadId', JOB_ID, 'an id returned by beginUpload') })];
    }
    case 'verifyReplay': {
      const r = c.request(args);
      if (typeof r.trust !== 'boolean') c.fail('trust must be true or false');
      return [c.withJob(r, { sessionId: c.id(r.sessionId, 'sessionId'), trust: r.trust })];
    }
  }
  return c.fail('is not a WorkbenchApi method');
}
