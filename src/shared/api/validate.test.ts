import { describe, expect, it } from 'vitest';
import { API_LIMITS, ApiInputError, base64DecodedLength, utf8Length, validateArgs } from './validate';
import { WORKBENCH_METHODS, type WorkbenchMethod } from './workbench';

const refuse = (method: WorkbenchMethod, args: unknown[], message: RegExp): void => {
  let error: unknown;
  try {
    validateArgs(method, args);
  } catch (e) {
    error = e;
  }
  expect(error, `${method} ${JSON.stringify(args).slice(0, 80)}`).toBeInstanceOf(ApiInputError);
  expect((error as Error).message).toMatch(new RegExp(`^${method}: `));
  expect((error as Error).message).toMatch(message);
};

const chunkOf = (bytes: number): string => Buffer.alloc(bytes, 7).toString('base64');

/** A valid call of every method, and bad ones that must be refused with a message naming the field. */
const CASES: Record<WorkbenchMethod, { ok: unknown[]; bad: [unknown[], RegExp][] }> = {
  getAppInfo: { ok: [], bad: [[[1], /takes no arguments/]] },
  listSessions: { ok: [], bad: [[[{}], /takes no arguments/]] },
  getSession: { ok: [3], bad: [[[0], /sessionId must be a positive integer/], [['3'], /sessionId/], [[], /takes 1 argument/]] },
  renameSession: {
    ok: [{ sessionId: 1, name: ' new name ' }],
    bad: [[[{ sessionId: 1, name: '  ' }], /name must not be empty/], [[{ sessionId: 1, name: 'a'.repeat(201) }], /longer than 200/], [[{ sessionId: 1, name: 'a\nb' }], /control characters/]],
  },
  removeSession: { ok: [2], bad: [[[1.5], /sessionId/]] },
  listNotes: { ok: [2], bad: [[[-2], /sessionId/]] },
  addNote: {
    ok: [{ sessionId: 1, seq: null, text: 'two\nlines' }],
    bad: [[[{ sessionId: 1, seq: -1, text: 'x' }], /seq must be a non-negative integer/], [[{ sessionId: 1, seq: 0, text: 'x'.repeat(10_001) }], /text is longer/]],
  },
  removeNote: { ok: [{ sessionId: 1, noteId: 2 }], bad: [[[{ sessionId: 1 }], /noteId/]] },
  getEvents: { ok: [{ sessionId: 1, fromSeq: 0, limit: 10 }], bad: [[[{ sessionId: 1, fromSeq: 0, limit: 100_001 }], /limit/]] },
  getTimeline: {
    ok: [{ sessionId: 1, by: 't', from: 0.5, to: 100.25, buckets: 10 }],
    bad: [
      [[{ sessionId: 1, by: 't', from: -1, to: 1, buckets: 1 }], /from must be a number/],
      [[{ sessionId: 1, by: 't', from: 0, to: Infinity, buckets: 1 }], /to must be a number/],
      [[{ sessionId: 1, by: 'x', from: 0, to: 1, buckets: 1 }], /by must be one of/],
      [[{ sessionId: 1, by: 't', from: 5, to: 5, buckets: 1 }], /to must be greater than from/],
      [[{ sessionId: 1, by: 't', from: 0, to: 5, buckets: 16_385 }], /buckets/],
      [[{ sessionId: 1, by: 't', from: 0, to: 5, buckets: 1, path: 'fast' }], /path/],
    ],
  },
  getEventDetail: { ok: [{ sessionId: 1, seq: 0 }], bad: [[[{ sessionId: 1, seq: 'x' }], /seq/]] },
  getLifecycle: {
    ok: [{ sessionId: 1, query: { cookie: 3, dev: 0x300 } }],
    bad: [[[{ sessionId: 1, query: {} }], /query must name a fault/], [[{ sessionId: 1, query: { faultId: 1, extra: 1 } }], /unknown field "extra"/]],
  },
  getStateAt: { ok: [{ sessionId: 1, seq: 4 }], bad: [[[{ sessionId: 1 }], /seq/]] },
  getStats: { ok: [{ sessionId: 1, fromSeq: 2, toSeq: 9 }], bad: [[[{ sessionId: 1, fromSeq: 9, toSeq: 2 }], /toSeq must not be less than fromSeq/]] },
  findEvents: {
    ok: [{ sessionId: 1, filter: { kinds: ['FAULT_READ'], text: 'x' }, fromSeq: 0, direction: 'forward', limit: 5 }],
    bad: [
      [[{ sessionId: 1, filter: { kinds: ['NOPE'] }, fromSeq: 0, direction: 'forward', limit: 5 }], /not an event kind/],
      [[{ sessionId: 1, filter: { kind: 'FAULT_READ' }, fromSeq: 0, direction: 'forward', limit: 5 }], /unknown field "kind"/],
      [[{ sessionId: 1, filter: {}, fromSeq: 0, direction: 'sideways', limit: 5 }], /direction/],
      [[{ sessionId: 1, filter: {}, fromSeq: 0, direction: 'forward', limit: 10_001 }], /limit/],
      [[{ sessionId: 1, filter: { layer: 'gpu' }, fromSeq: 0, direction: 'forward', limit: 5 }], /filter.layer/],
      [[{ sessionId: 1, filter: { parent: -1 }, fromSeq: 0, direction: 'forward', limit: 5 }], /filter.parent must be a non-negative integer/],
      [[{ sessionId: 1, filter: {}, fromSeq: 9, toSeq: 3, direction: 'forward', limit: 5 }], /toSeq must not be before fromSeq/],
      [[{ sessionId: 1, filter: {}, fromSeq: 3, toSeq: 9, direction: 'backward', limit: 5 }], /toSeq must not be after fromSeq/],
    ],
  },
  diffSessions: { ok: [{ a: 1, b: 2 }], bad: [[[{ a: 1 }], /b must be a positive integer/]] },
  listScenarios: { ok: [], bad: [[['x'], /takes no arguments/]] },
  getScenarioSource: { ok: ['happy-path'], bad: [[['../x'], /scenarioId/]] },
  getScenarioTypes: { ok: [], bad: [[[1], /takes no arguments/]] },
  listScenarioFiles: { ok: [], bad: [[[1], /takes no arguments/]] },
  readScenarioFile: {
    ok: ['my_policy-2.ts'],
    bad: [[['../../etc/passwd'], /name must be a file name/], [['a/b.ts'], /name/], [['.hidden.ts'], /name/], [['x.js'], /name/], [['x.ts\u0000'], /name/]],
  },
  writeScenarioFile: {
    ok: [{ fileName: 'a.json', text: '{}' }],
    bad: [[[{ fileName: 'a.json', text: 'é'.repeat(API_LIMITS.sourceBytes / 2 + 1) }], /larger than 1048576 bytes/], [[{ fileName: 'a.txt', text: '' }], /fileName/]],
  },
  checkScenario: { ok: [{ fileName: 'a.ts', text: '' }], bad: [[[{ fileName: 'a.ts' }], /text must be a string/]] },
  runScenario: {
    ok: [{ jobId: 'run_1', source: { fileName: 'a.ts', text: 'x' }, seed: 7, kernelProfile: 'v4', vendor: 'amd' }],
    bad: [
      [[{ scenarioId: 'happy-path', source: { fileName: 'a.ts', text: '' } }], /exactly one of scenarioId and source/],
      [[{}], /exactly one/],
      [[{ scenarioId: 'happy-path', vendor: 'intel' }], /vendor must be one of/],
      [[{ scenarioId: 'happy-path', seed: 2 ** 32 }], /seed/],
      [[{ scenarioId: 'happy-path', jobId: 'a b' }], /jobId/],
      [[{ scenarioId: 'happy-path', jobId: 'x'.repeat(65) }], /jobId/],
    ],
  },
  cancelJob: { ok: ['run-1'], bad: [[['../x'], /jobId/], [[''], /jobId/]] },
  exportSession: { ok: [{ sessionId: 1, format: 'chrome' }], bad: [[[{ sessionId: 1, format: 'zip' }], /format must be one of/]] },
  beginUpload: {
    ok: [{ fileName: 'my trace.iopftrace', bytes: 10 }],
    bad: [[[{ fileName: '../x', bytes: 10 }], /bare file name/], [[{ fileName: 'x', bytes: 0 }], /bytes/], [[{ fileName: 'x', bytes: API_LIMITS.uploadBytes + 1 }], /bytes/]],
  },
  uploadChunk: {
    ok: [{ uploadId: 'abc', offset: 0, data: chunkOf(API_LIMITS.chunkBytes) }],
    bad: [
      [[{ uploadId: 'abc', offset: 0, data: chunkOf(API_LIMITS.chunkBytes + 1) }], /at most 524288 bytes/],
      [[{ uploadId: 'abc', offset: 0, data: 'not base64!' }], /must be base64/],
      [[{ uploadId: 'abc', offset: 0, data: 'AAA' }], /must be base64/],
      [[{ uploadId: 'abc', offset: 0, data: '' }], /must not be empty/],
      [[{ uploadId: 'abc', offset: -1, data: 'AAAA' }], /offset/],
      [[{ uploadId: '../abc', offset: 0, data: 'AAAA' }], /uploadId/],
      [[{ uploadId: 'abc', offset: 0, data: 'A'.repeat(10 << 20) }], /at most/],
    ],
  },
  importTrace: { ok: [{ uploadId: 'abc', jobId: 'imp' }], bad: [[[{ uploadId: 5 }], /uploadId/]] },
  verifyReplay: { ok: [{ sessionId: 1, trust: false }], bad: [[[{ sessionId: 1, trust: 'yes' }], /trust must be true or false/]] },
};

describe('validateArgs', () => {
  it('has cases for every method', () => {
    expect(Object.keys(CASES).sort()).toEqual([...WORKBENCH_METHODS].sort());
  });

  for (const method of WORKBENCH_METHODS) {
    it(`${method}: accepts a good call and refuses bad ones by name`, () => {
      const { ok, bad } = CASES[method];
      expect(() => validateArgs(method, ok)).not.toThrow();
      for (const [args, message] of bad) refuse(method, args, message);
    });
  }

  it('passes a search for children (parent) bounded by toSeq in either direction', () => {
    const children = { sessionId: 1, filter: { parent: 7 }, fromSeq: 8, toSeq: 100, direction: 'forward', limit: 5 };
    expect(validateArgs('findEvents', [children])).toEqual([children]);
    const back = { sessionId: 1, filter: {}, fromSeq: 8, toSeq: 2, direction: 'backward', limit: 5 };
    expect(validateArgs('findEvents', [back])).toEqual([back]);
  });

  it('passes a timeline window’s filter, checked like a search filter', () => {
    const req = { sessionId: 1, by: 't', from: 0, to: 10, buckets: 4, filter: { kinds: ['PRQ_ENQ'], dev: 0x300 } };
    expect(validateArgs('getTimeline', [req])).toEqual([req]);
    refuse('getTimeline', [{ ...req, filter: { kind: 'PRQ_ENQ' } }], /unknown field "kind"/);
  });

  it('copies only known fields, trimming a new session name', () => {
    expect(validateArgs('renameSession', [{ sessionId: 1, name: ' x ', admin: true }])).toEqual([{ sessionId: 1, name: 'x' }]);
    expect(validateArgs('runScenario', [{ scenarioId: 'happy-path', __proto__: { seed: 1 }, extra: 1 }])).toEqual([{ scenarioId: 'happy-path' }]);
    expect(validateArgs('addNote', [{ sessionId: 1, text: 'n' }])).toEqual([{ sessionId: 1, seq: null, text: 'n' }]);
  });

  it('counts UTF-8 bytes and base64 lengths exactly', () => {
    for (const s of ['', 'abc', 'é', '€', '😀', 'a😀é\u0000', '\ud800x']) expect(utf8Length(s), s).toBe(Buffer.byteLength(s, 'utf8'));
    for (const n of [1, 2, 3, 4, 100]) expect(base64DecodedLength(Buffer.alloc(n).toString('base64'))).toBe(n);
    expect(base64DecodedLength('AB=C')).toBe(-1);
  });
});
