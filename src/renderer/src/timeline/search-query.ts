/**
 * The timeline's search box language, turned into the host's EventFilter:
 *   cookie:3   kind:FAULT_READ (or kind:fault_read,response_write)
 *   dev:03:00.0 (PCI requester ID; also dev:768 or dev:0x300)
 *   pasid:1  grpid:0  code:0  errno:22  layer:iommufd
 *   anything else: free text, a case-insensitive substring of the kind or note.
 * Every term must match. matchesFilter() applies the same filter to an event
 * in the renderer (dimming non-matching events), with the host's semantics.
 */
import type { EventFilter } from '@shared/api/workbench';
import { EVENT_KINDS, LAYERS, type EventKind, type EventRow, type Layer } from '@shared/events';

export type ParsedQuery = { readonly ok: true; readonly filter: EventFilter } | { readonly ok: false; readonly error: string };

const NUMERIC_FIELDS = ['cookie', 'pasid', 'grpid', 'code', 'errno'] as const;
type NumericField = (typeof NUMERIC_FIELDS)[number];

function parseInteger(text: string): number | null {
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16);
  if (/^\d+$/.test(text)) return Number(text);
  return null;
}

/** `03:00.0` (bus:dev.fn, hex) or a plain requester ID number. */
export function parseRid(text: string): number | null {
  const m = /^([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/i.exec(text);
  if (m) {
    const dev = parseInt(m[2]!, 16);
    if (dev > 0x1f) return null;
    return (parseInt(m[1]!, 16) << 8) | (dev << 3) | Number(m[3]);
  }
  const n = parseInteger(text);
  return n !== null && n <= 0xffff ? n : null;
}

export function parseSearchQuery(query: string): ParsedQuery {
  const filter: { -readonly [K in keyof EventFilter]: EventFilter[K] } = {};
  const text: string[] = [];
  for (const token of query.trim().split(/\s+/).filter((t) => t !== '')) {
    const colon = token.indexOf(':');
    const field = colon > 0 ? token.slice(0, colon).toLowerCase() : '';
    const value = colon > 0 ? token.slice(colon + 1) : '';
    if (field === 'kind') {
      const kinds: EventKind[] = [];
      for (const k of value.split(',').filter((v) => v !== '')) {
        const kind = k.toUpperCase() as EventKind;
        if (!EVENT_KINDS.includes(kind)) return { ok: false, error: `unknown kind "${k}"` };
        kinds.push(kind);
      }
      if (kinds.length === 0) return { ok: false, error: 'kind: needs a kind name, e.g. kind:FAULT_READ' };
      filter.kinds = [...(filter.kinds ?? []), ...kinds];
    } else if (field === 'dev') {
      const rid = parseRid(value);
      if (rid === null) return { ok: false, error: `dev: expects a requester ID like 03:00.0, got "${value}"` };
      filter.dev = rid;
    } else if (field === 'layer') {
      const layer = value.toLowerCase() as Layer;
      if (!LAYERS.includes(layer)) return { ok: false, error: `layer: one of ${LAYERS.join(', ')}` };
      filter.layer = layer;
    } else if ((NUMERIC_FIELDS as readonly string[]).includes(field)) {
      const n = parseInteger(value);
      if (n === null) return { ok: false, error: `${field}: expects a number, got "${value}"` };
      filter[field as NumericField] = n;
    } else {
      text.push(token);
    }
  }
  if (text.length > 0) filter.text = text.join(' ');
  if (Object.keys(filter).length === 0) return { ok: false, error: 'empty search' };
  return { ok: true, filter };
}

/** Does `e` match every field of `filter`? (the host's findEvents rules) */
export function matchesFilter(e: EventRow, filter: EventFilter): boolean {
  if (filter.kinds && !filter.kinds.includes(e.kind)) return false;
  if (filter.layer !== undefined && e.layer !== filter.layer) return false;
  if (filter.dev !== undefined && e.dev !== filter.dev) return false;
  if (filter.pasid !== undefined && e.pasid !== filter.pasid) return false;
  if (filter.grpid !== undefined && e.grpid !== filter.grpid) return false;
  if (filter.cookie !== undefined && e.cookie !== filter.cookie) return false;
  if (filter.code !== undefined && e.code !== filter.code) return false;
  if (filter.errno !== undefined && e.errno !== filter.errno) return false;
  if (filter.text !== undefined) {
    const needle = filter.text.toLowerCase();
    if (!e.kind.toLowerCase().includes(needle) && !(e.note ?? '').toLowerCase().includes(needle)) return false;
  }
  return true;
}
