import { describe, expect, it } from 'vitest';
import { parseSeekText, SeekTextError } from './seek-text';

describe('parseSeekText', () => {
  it('reads event numbers with or without #', () => {
    expect(parseSeekText('#1234')).toEqual({ kind: 'seq', seq: 1234 });
    expect(parseSeekText(' 1234 ')).toEqual({ kind: 'seq', seq: 1234 });
    expect(parseSeekText('# 7')).toEqual({ kind: 'seq', seq: 7 });
    expect(parseSeekText('0')).toEqual({ kind: 'seq', seq: 0 });
  });

  it('reads times in ns, us/µs, ms and s', () => {
    expect(parseSeekText('3.9us')).toEqual({ kind: 'time', ns: 3_900 });
    expect(parseSeekText('3.9µs')).toEqual({ kind: 'time', ns: 3_900 });
    expect(parseSeekText('3900ns')).toEqual({ kind: 'time', ns: 3_900 });
    expect(parseSeekText('2ms')).toEqual({ kind: 'time', ns: 2_000_000 });
    expect(parseSeekText('0.5 s')).toEqual({ kind: 'time', ns: 500_000_000 });
    expect(parseSeekText('2MS')).toEqual({ kind: 'time', ns: 2_000_000 });
    expect(parseSeekText('.25us')).toEqual({ kind: 'time', ns: 250 });
  });

  it('rounds sub-nanosecond times to whole ns', () => {
    expect(parseSeekText('1.0004us')).toEqual({ kind: 'time', ns: 1_000 });
  });

  it('refuses anything else with a message that says what it wants', () => {
    for (const bad of ['', 'abc', '#', '-5', '3.9', '3.9 hours', '#12us', '1e3ns']) {
      expect(() => parseSeekText(bad), bad).toThrow(SeekTextError);
    }
    expect(() => parseSeekText('abc')).toThrow(/event number \(#1234\) or a time/);
  });
});
