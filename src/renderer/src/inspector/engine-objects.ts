/**
 * The iommufd object table inside an engine checkpoint, when the engine wrote
 * one. The checkpoint's state is the engine's own JSON; the object table is
 * looked for as an array of objects under `objects` (at the top or under
 * `iommufd`). Anything else is shown as the JSON it is.
 */

export interface ObjectTable {
  /** Column names: `id` and `type` first when present, then the rest in first-seen order. */
  readonly columns: readonly string[];
  /** Cell text per row, in column order ('' when the row lacks the column). */
  readonly rows: readonly (readonly string[])[];
}

export type EngineState =
  | { readonly kind: 'objects'; readonly table: ObjectTable }
  | { readonly kind: 'json'; readonly text: string }
  | { readonly kind: 'invalid'; readonly error: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const cell = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function readEngineState(stateJson: string): EngineState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stateJson);
  } catch (err) {
    return { kind: 'invalid', error: err instanceof Error ? err.message : String(err) };
  }
  const candidates = [isRecord(parsed) ? parsed.objects : undefined, isRecord(parsed) && isRecord(parsed.iommufd) ? parsed.iommufd.objects : undefined];
  const list = candidates.find((c): c is unknown[] => Array.isArray(c) && c.every(isRecord));
  if (!list) return { kind: 'json', text: JSON.stringify(parsed, null, 2) };
  const seen = new Set<string>();
  for (const row of list as Record<string, unknown>[]) for (const k of Object.keys(row)) seen.add(k);
  const columns = [...['id', 'type'].filter((k) => seen.has(k)), ...[...seen].filter((k) => k !== 'id' && k !== 'type')];
  const rows = (list as Record<string, unknown>[]).map((row) => columns.map((c) => cell(row[c])));
  return { kind: 'objects', table: { columns, rows } };
}
