/**
 * What the player's seek box accepts: an event number (`#1234` or `1234`) or
 * a virtual time with its unit (`3.9us`, `3900ns`, `2ms`, `0.5 s`). A time
 * means "the first event at or after it".
 */

export type SeekTarget = { readonly kind: 'seq'; readonly seq: number } | { readonly kind: 'time'; readonly ns: number };

/** Nanoseconds per unit; `us`, `µs` (micro sign) and `μs` (Greek mu) all mean microseconds. */
const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1_000,
  'µs': 1_000,
  'μs': 1_000,
  ms: 1_000_000,
  s: 1_000_000_000,
};

export class SeekTextError extends Error {
  override readonly name = 'SeekTextError';
}

const EXPECTED = 'expected an event number (#1234) or a time (3.9us, 3900ns, 2ms)';

/** Parses the seek box; throws SeekTextError with a message fit for the user. */
export function parseSeekText(input: string): SeekTarget {
  const text = input.trim();
  if (text === '') throw new SeekTextError(`nothing to seek to: ${EXPECTED}`);
  const seqMatch = /^#?\s*(\d+)$/.exec(text);
  if (seqMatch) {
    const seq = Number(seqMatch[1]);
    if (!Number.isSafeInteger(seq)) throw new SeekTextError(`event number ${seqMatch[1]} is too large`);
    return { kind: 'seq', seq };
  }
  const timeMatch = /^(\d+(?:\.\d*)?|\.\d+)\s*(ns|us|µs|μs|ms|s)$/i.exec(text);
  if (timeMatch) {
    const unit = UNIT_NS[timeMatch[2]!.toLowerCase()] ?? UNIT_NS[timeMatch[2]!]!;
    const ns = Math.round(Number(timeMatch[1]) * unit);
    if (!Number.isSafeInteger(ns)) throw new SeekTextError(`time ${text} is too large`);
    return { kind: 'time', ns };
  }
  throw new SeekTextError(`"${text}": ${EXPECTED}`);
}
