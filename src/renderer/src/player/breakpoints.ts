/**
 * Player breakpoints: predicates on recorded events that continue,
 * reverse-continue and play stop at. Each becomes one EventFilter for the
 * host's findEvents (a filter's fields must all match, so "any breakpoint"
 * is one search per enabled breakpoint, nearest hit wins).
 *
 * Typed as text in the player: `cookie 5`, `code INVALID` / `code 1`,
 * `errno EINVAL` / `errno 22`, `dev 03:00.0` (or just `03:00.0`),
 * `kind FAULT_READ`, `violation` (an invariant violation or a failed assertion).
 */
import type { EventFilter } from '@shared/api/workbench';
import { ERRNO, errnoName } from '@shared/errno';
import { EVENT_KINDS, type EventKind } from '@shared/events';
import { formatRid } from '@shared/pci';
import { IOMMUFD_PAGE_RESP_FAILURE, IOMMUFD_PAGE_RESP_INVALID, IOMMUFD_PAGE_RESP_SUCCESS, spellResponseCode } from '@shared/uapi/iommufd';

export type BreakpointPredicate =
  | { readonly type: 'cookie'; readonly cookie: number }
  | { readonly type: 'code'; readonly code: number }
  | { readonly type: 'errno'; readonly errno: number }
  | { readonly type: 'device'; readonly rid: number }
  | { readonly type: 'kind'; readonly kind: EventKind }
  | { readonly type: 'failure' };

export interface Breakpoint {
  readonly id: number;
  readonly predicate: BreakpointPredicate;
  readonly enabled: boolean;
}

/** The events a failure breakpoint stops at. */
export const FAILURE_KINDS: readonly EventKind[] = ['INVARIANT_VIOLATION', 'ASSERT_FAIL'];

const RESPONSE_CODES: Readonly<Record<string, number>> = {
  SUCCESS: IOMMUFD_PAGE_RESP_SUCCESS,
  INVALID: IOMMUFD_PAGE_RESP_INVALID,
  FAILURE: IOMMUFD_PAGE_RESP_FAILURE,
};

export class BreakpointSyntaxError extends Error {
  override readonly name = 'BreakpointSyntaxError';
}

const USAGE = 'cookie 5, code INVALID, errno EINVAL, dev 03:00.0, kind FAULT_READ, violation';

/** `03:00.0` → requester ID (bus << 8 | dev << 3 | fn); null when the text is not a RID. */
export function parseRid(text: string): number | null {
  const m = /^([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/i.exec(text.trim());
  if (!m) return null;
  const bus = parseInt(m[1]!, 16);
  const dev = parseInt(m[2]!, 16);
  const fn = Number(m[3]);
  if (dev > 0x1f) return null;
  return (bus << 8) | (dev << 3) | fn;
}

function parseNumber(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16);
  return null;
}

function need(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new BreakpointSyntaxError(`${what}: a value is missing (e.g. ${USAGE})`);
  return value;
}

/** Parses the breakpoint box; throws BreakpointSyntaxError naming what it expected. */
export function parseBreakpoint(input: string): BreakpointPredicate {
  const text = input.trim();
  if (text === '') throw new BreakpointSyntaxError(`empty breakpoint; try ${USAGE}`);
  const [head = '', ...rest] = text.split(/\s+/);
  const word = head.toLowerCase();
  const arg = rest.join(' ');

  if (['violation', 'invariant', 'assert', 'assertion', 'failure', 'fail'].includes(word) && arg === '') return { type: 'failure' };
  if (rest.length === 0) {
    const rid = parseRid(head);
    if (rid !== null) return { type: 'device', rid };
    const kind = EVENT_KINDS.find((k) => k === head.toUpperCase());
    if (kind) return { type: 'kind', kind };
  }
  switch (word) {
    case 'cookie': {
      const cookie = parseNumber(need(arg, 'cookie'));
      if (cookie === null) throw new BreakpointSyntaxError(`cookie: "${arg}" is not a number`);
      return { type: 'cookie', cookie };
    }
    case 'code':
    case 'response': {
      const v = need(arg, 'code');
      const code = RESPONSE_CODES[v.toUpperCase()] ?? parseNumber(v);
      if (code === null) throw new BreakpointSyntaxError(`code: "${v}" is neither a number nor one of ${Object.keys(RESPONSE_CODES).join(', ')}`);
      return { type: 'code', code };
    }
    case 'errno': {
      const v = need(arg, 'errno').replace(/^-/, '');
      const named = (ERRNO as Readonly<Record<string, number>>)[v.toUpperCase()];
      const errno = named ?? parseNumber(v);
      if (errno === null) throw new BreakpointSyntaxError(`errno: "${v}" is neither a number nor an errno name such as EINVAL`);
      return { type: 'errno', errno };
    }
    case 'dev':
    case 'device':
    case 'rid': {
      const rid = parseRid(need(arg, 'device'));
      if (rid === null) throw new BreakpointSyntaxError(`device: "${arg}" is not a PCI requester ID such as 03:00.0`);
      return { type: 'device', rid };
    }
    case 'kind': {
      const v = need(arg, 'kind');
      const kind = EVENT_KINDS.find((k) => k === v.toUpperCase());
      if (!kind) throw new BreakpointSyntaxError(`kind: "${v}" is not an event kind (FAULT_READ, RESPONSE_WRITE, …)`);
      return { type: 'kind', kind };
    }
    default:
      throw new BreakpointSyntaxError(`"${text}" is not a breakpoint; try ${USAGE}`);
  }
}

/** The findEvents filter that matches exactly the events the breakpoint stops at. */
export function breakpointFilter(p: BreakpointPredicate): EventFilter {
  switch (p.type) {
    case 'cookie':
      return { cookie: p.cookie };
    case 'code':
      return { code: p.code };
    case 'errno':
      return { errno: p.errno };
    case 'device':
      return { dev: p.rid };
    case 'kind':
      return { kinds: [p.kind] };
    case 'failure':
      return { kinds: FAILURE_KINDS };
  }
}

/** How the breakpoint list names it. */
export function describeBreakpoint(p: BreakpointPredicate): string {
  switch (p.type) {
    case 'cookie':
      return `cookie ${p.cookie}`;
    case 'code':
      return Object.values(RESPONSE_CODES).includes(p.code) ? `code ${spellResponseCode(p.code)} (${p.code})` : `code ${p.code}`;
    case 'errno':
      return `errno ${errnoName(p.errno)} (${p.errno})`;
    case 'device':
      return `device ${formatRid(p.rid)}`;
    case 'kind':
      return `kind ${p.kind}`;
    case 'failure':
      return 'invariant violation / failed assertion';
  }
}

/** Two predicates that stop at the same events (adding a duplicate is refused). */
export function samePredicate(a: BreakpointPredicate, b: BreakpointPredicate): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
