// @ts-check
// Draws the placeholder app icon, resources/icon.png (512x512 RGBA), with no
// dependencies: shapes are sampled 4x4 per pixel for smooth edges, and the PNG
// is written by hand (zlib for IDAT). Rerun after changing the drawing:
//   node scripts/make-icon.mjs
// The motif: a memory page (with table rows) hit by a fault bolt.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const SIZE = 512;
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'icon.png');

/** @typedef {[number, number, number]} Rgb */
/** @type {Rgb} */ const BACKGROUND = [27, 31, 39];
/** @type {Rgb} */ const PAGE = [226, 232, 240];
/** @type {Rgb} */ const ROW = [148, 163, 184];
/** @type {Rgb} */ const BOLT = [245, 158, 11];

/** Inside a rounded square of `r` corner radius spanning [x0,x1]x[y0,y1]. */
function inRoundedRect(/** @type {number} */ x, /** @type {number} */ y, x0 = 16, y0 = 16, x1 = SIZE - 16, y1 = SIZE - 16, r = 96) {
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** Even-odd point-in-polygon. */
function inPolygon(/** @type {number} */ x, /** @type {number} */ y, /** @type {number[][]} */ pts) {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = /** @type {[number, number]} */ (pts[i]);
    const [xj, yj] = /** @type {[number, number]} */ (pts[j]);
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

// A page with its top-right corner folded, and a bolt crossing its lower right.
const page = [[136, 96], [320, 96], [376, 152], [376, 416], [136, 416]];
const fold = [[320, 96], [376, 152], [320, 152]];
const bolt = [[330, 196], [252, 316], [302, 316], [262, 440], [390, 284], [334, 284], [386, 196]];
const rows = [184, 228, 272, 316, 360].map((y) => [168, y, 300, y + 16]);

/** Colour of one sample point, or null where the icon is transparent. */
function sample(/** @type {number} */ x, /** @type {number} */ y) {
  if (!inRoundedRect(x, y)) return null;
  if (inPolygon(x, y, bolt)) return BOLT;
  if (inPolygon(x, y, fold)) return ROW;
  if (inPolygon(x, y, page)) {
    const onRow = rows.some(([x0, y0, x1, y1]) => x >= /** @type {number} */ (x0) && x <= /** @type {number} */ (x1) && y >= /** @type {number} */ (y0) && y <= /** @type {number} */ (y1));
    return onRow ? ROW : PAGE;
  }
  return BACKGROUND;
}

function render() {
  const raw = Buffer.alloc((SIZE * 4 + 1) * SIZE); // each scanline: filter byte 0, then RGBA
  const n = 4; // samples per axis
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = sample(x + (sx + 0.5) / n, y + (sy + 0.5) / n);
          if (!c) continue;
          r += c[0]; g += c[1]; b += c[2]; a++;
        }
      }
      const o = y * (SIZE * 4 + 1) + 1 + x * 4;
      if (a > 0) raw.set([Math.round(r / a), Math.round(g / a), Math.round(b / a), Math.round((255 * a) / (n * n))], o);
    }
  }
  return raw;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, k) => {
  let c = k;
  for (let i = 0; i < 8; i++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(/** @type {Buffer} */ buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = /** @type {number} */ (CRC_TABLE[(c ^ byte) & 0xff]) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(/** @type {string} */ type, /** @type {Buffer} */ data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit, RGBA, deflate, no filter method, no interlace
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(render(), { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(out, png);
console.log(`[make-icon] ${out} (${png.length} bytes)`);
