import { describe, expect, it } from 'vitest';
import { BreakpointSyntaxError, breakpointFilter, describeBreakpoint, parseBreakpoint, parseRid, samePredicate } from './breakpoints';

describe('parseRid', () => {
  it('reads bus:dev.fn in hex', () => {
    expect(parseRid('03:00.0')).toBe(0x0300);
    expect(parseRid('00:1f.7')).toBe((0x1f << 3) | 7);
    expect(parseRid('a:2.1')).toBe((0xa << 8) | (2 << 3) | 1);
  });
  it('refuses what is not a RID', () => {
    expect(parseRid('03:20.0')).toBeNull(); // device number has 5 bits
    expect(parseRid('03:00.8')).toBeNull();
    expect(parseRid('0300')).toBeNull();
  });
});

describe('parseBreakpoint → breakpointFilter', () => {
  const filterOf = (text: string): unknown => breakpointFilter(parseBreakpoint(text));

  it('cookie N', () => {
    expect(filterOf('cookie 5')).toEqual({ cookie: 5 });
    expect(filterOf('Cookie 0x10')).toEqual({ cookie: 16 });
  });

  it('response code by name or number', () => {
    expect(filterOf('code INVALID')).toEqual({ code: 1 });
    expect(filterOf('code success')).toEqual({ code: 0 });
    expect(filterOf('response FAILURE')).toEqual({ code: 2 });
    expect(filterOf('code 15')).toEqual({ code: 15 });
  });

  it('errno by name or number, sign ignored', () => {
    expect(filterOf('errno EINVAL')).toEqual({ errno: 22 });
    expect(filterOf('errno -22')).toEqual({ errno: 22 });
    expect(filterOf('errno ebadf')).toEqual({ errno: 9 });
  });

  it('device by requester ID, with or without the word', () => {
    expect(filterOf('dev 03:00.0')).toEqual({ dev: 0x300 });
    expect(filterOf('device 03:00.1')).toEqual({ dev: 0x301 });
    expect(filterOf('03:00.0')).toEqual({ dev: 0x300 });
  });

  it('event kind, with or without the word', () => {
    expect(filterOf('kind fault_read')).toEqual({ kinds: ['FAULT_READ'] });
    expect(filterOf('RESPONSE_WRITE')).toEqual({ kinds: ['RESPONSE_WRITE'] });
  });

  it('failures: invariant violations and failed assertions', () => {
    expect(filterOf('violation')).toEqual({ kinds: ['INVARIANT_VIOLATION', 'ASSERT_FAIL'] });
    expect(filterOf('assert')).toEqual({ kinds: ['INVARIANT_VIOLATION', 'ASSERT_FAIL'] });
  });

  it('bad input says what is wrong', () => {
    expect(() => parseBreakpoint('')).toThrow(BreakpointSyntaxError);
    expect(() => parseBreakpoint('cookie')).toThrow(/value is missing/);
    expect(() => parseBreakpoint('cookie five')).toThrow(/not a number/);
    expect(() => parseBreakpoint('code MAYBE')).toThrow(/SUCCESS, INVALID, FAILURE/);
    expect(() => parseBreakpoint('errno ENOPE')).toThrow(/errno name/);
    expect(() => parseBreakpoint('dev 3')).toThrow(/requester ID/);
    expect(() => parseBreakpoint('kind FOO')).toThrow(/not an event kind/);
    expect(() => parseBreakpoint('banana')).toThrow(/not a breakpoint/);
  });
});

describe('describeBreakpoint', () => {
  it('names values the way the kernel does', () => {
    expect(describeBreakpoint(parseBreakpoint('code 1'))).toBe('code INVALID (1)');
    expect(describeBreakpoint(parseBreakpoint('code 15'))).toBe('code 15');
    expect(describeBreakpoint(parseBreakpoint('errno 22'))).toBe('errno EINVAL (22)');
    expect(describeBreakpoint(parseBreakpoint('dev 3:0.1'))).toBe('device 03:00.1');
    expect(describeBreakpoint(parseBreakpoint('violation'))).toBe('invariant violation / failed assertion');
  });

  it('samePredicate spots duplicates', () => {
    expect(samePredicate(parseBreakpoint('cookie 5'), parseBreakpoint('cookie 0x5'))).toBe(true);
    expect(samePredicate(parseBreakpoint('cookie 5'), parseBreakpoint('cookie 6'))).toBe(false);
  });
});
