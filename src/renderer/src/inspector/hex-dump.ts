/**
 * The raw uAPI bytes as a classic hex dump: an offset column, 16 bytes per
 * row, an ASCII gutter with `.` for anything unprintable. Each byte knows the
 * decoded struct field it belongs to, so hovering a field can light its bytes
 * and hovering a byte can light its field.
 */
import type { DecodedField } from '@shared/api/analysis';

export const BYTES_PER_ROW = 16;

export interface HexByte {
  /** Byte offset in the record. */
  readonly offset: number;
  /** Two lowercase hex digits. */
  readonly hex: string;
  /** The printable character, or `.`. */
  readonly ascii: string;
  /** Name of the struct field holding the byte, null for padding or undecoded bytes. */
  readonly field: string | null;
}

export interface HexRow {
  readonly offset: number;
  /** Offset as four hex digits, e.g. `0010`. */
  readonly label: string;
  readonly bytes: readonly HexByte[];
}

export class HexDumpError extends Error {
  override readonly name = 'HexDumpError';
}

/** `raw` is the EventRow's lowercase hex string; throws on text that is not whole bytes of hex. */
export function hexDumpRows(raw: string, fields: readonly DecodedField[] = [], perRow = BYTES_PER_ROW): HexRow[] {
  if (raw.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(raw)) throw new HexDumpError(`raw bytes are not hex: "${raw.slice(0, 32)}"`);
  const owner = fieldByOffset(fields, raw.length / 2);
  const rows: HexRow[] = [];
  for (let row = 0; row * perRow * 2 < raw.length; row++) {
    const bytes: HexByte[] = [];
    for (let i = 0; i < perRow; i++) {
      const offset = row * perRow + i;
      if (offset * 2 >= raw.length) break;
      const hex = raw.slice(offset * 2, offset * 2 + 2).toLowerCase();
      const code = parseInt(hex, 16);
      bytes.push({ offset, hex, ascii: code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : '.', field: owner[offset] ?? null });
    }
    const offset = row * perRow;
    rows.push({ offset, label: offset.toString(16).padStart(4, '0'), bytes });
  }
  return rows;
}

/** For each byte offset below `size`, the field covering it (later fields win on overlap). */
function fieldByOffset(fields: readonly DecodedField[], size: number): (string | null)[] {
  const owner: (string | null)[] = new Array<string | null>(size).fill(null);
  for (const f of fields) {
    for (let o = f.offset; o < Math.min(size, f.offset + f.size); o++) owner[o] = f.name;
  }
  return owner;
}
