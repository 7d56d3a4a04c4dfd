import { describe, expect, it } from 'vitest';
import { fakeEvent } from '@renderer/testing/fake-api';
import { matchesFilter, parseRid, parseSearchQuery } from './search-query';

describe('parseSearchQuery', () => {
  it('reads field terms and keeps the rest as free text', () => {
    const q = parseSearchQuery('cookie:3 kind:fault_read dev:03:00.0 pasid:1 grpid:0x2 overflow warn');
    expect(q).toEqual({ ok: true, filter: { cookie: 3, kinds: ['FAULT_READ'], dev: 0x300, pasid: 1, grpid: 2, text: 'overflow warn' } });
  });

  it('accepts several kinds and a layer', () => {
    expect(parseSearchQuery('kind:FAULT_READ,response_write layer:IOMMUFD')).toEqual({
      ok: true,
      filter: { kinds: ['FAULT_READ', 'RESPONSE_WRITE'], layer: 'iommufd' },
    });
  });

  it('explains bad terms instead of searching for them', () => {
    expect(parseSearchQuery('kind:NOPE')).toEqual({ ok: false, error: 'unknown kind "NOPE"' });
    expect(parseSearchQuery('cookie:x').ok).toBe(false);
    expect(parseSearchQuery('dev:zz:00.0').ok).toBe(false);
    expect(parseSearchQuery('layer:cpu').ok).toBe(false);
    expect(parseSearchQuery('   ')).toEqual({ ok: false, error: 'empty search' });
  });

  it('parses requester IDs as bus:dev.fn or numbers', () => {
    expect(parseRid('03:00.0')).toBe(768);
    expect(parseRid('00:1f.7')).toBe(0xff);
    expect(parseRid('00:20.0')).toBeNull();
    expect(parseRid('0x301')).toBe(769);
    expect(parseRid('70000')).toBeNull();
  });
});

describe('matchesFilter', () => {
  const read = fakeEvent(5, { kind: 'FAULT_READ', layer: 'iommufd', dev: 768, pasid: 1, cookie: 3, note: null });
  const violation = fakeEvent(6, { kind: 'INVARIANT_VIOLATION', layer: 'check', dev: null, note: 'cookie answered twice' });

  it('requires every field', () => {
    expect(matchesFilter(read, { cookie: 3, kinds: ['FAULT_READ'] })).toBe(true);
    expect(matchesFilter(read, { cookie: 3, kinds: ['RESPONSE_WRITE'] })).toBe(false);
    expect(matchesFilter(read, { dev: 768, pasid: 2 })).toBe(false);
    expect(matchesFilter(read, { layer: 'iommufd' })).toBe(true);
  });

  it('matches free text in the kind name or the note, ignoring case', () => {
    expect(matchesFilter(read, { text: 'fault_r' })).toBe(true);
    expect(matchesFilter(violation, { text: 'ANSWERED TWICE' })).toBe(true);
    expect(matchesFilter(read, { text: 'twice' })).toBe(false);
  });
});
