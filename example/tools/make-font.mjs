#!/usr/bin/env node
/**
 * Writes example/src/lib/font.ts: anti-aliased bitmaps of DejaVu Sans (regular and bold) at the
 * pixel sizes the evaluate stage's charts use, so that the stage scripts draw text with no npm
 * dependency at run time.
 *
 * Run from the keel repository (it uses keel's own dependencies @resvg/resvg-js and
 * dejavu-fonts-ttf): `node example/tools/make-font.mjs`. The output is deterministic.
 *
 * Each glyph of U+0020–U+007E and U+00A0–U+00FF is drawn alone by resvg (black on transparent,
 * pen at an integer position) and cropped to its ink; its advance width comes from the font's
 * hmtx table (via cmap format 4).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, '..', 'src', 'lib', 'font.ts');

const FONTS = [
  { name: 'REGULAR', file: 'DejaVuSans.ttf', weight: 'normal', size: 22 },
  { name: 'BOLD', file: 'DejaVuSans-Bold.ttf', weight: 'bold', size: 28 },
];
const CODEPOINTS = [];
for (let c = 0x20; c <= 0x7e; c++) CODEPOINTS.push(c);
for (let c = 0xa0; c <= 0xff; c++) CODEPOINTS.push(c);

/** unitsPerEm, ascender, descender and the advance width of each code point. */
function ttfMetrics(buf) {
  const tables = {};
  const numTables = buf.readUInt16BE(4);
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + 16 * i;
    tables[buf.toString('latin1', rec, rec + 4)] = buf.readUInt32BE(rec + 8);
  }
  const unitsPerEm = buf.readUInt16BE(tables.head + 18);
  const ascender = buf.readInt16BE(tables.hhea + 4);
  const descender = buf.readInt16BE(tables.hhea + 6);
  const numberOfHMetrics = buf.readUInt16BE(tables.hhea + 34);
  const advance = (gid) => buf.readUInt16BE(tables.hmtx + 4 * Math.min(gid, numberOfHMetrics - 1));
  // cmap: a (3,1) or (0,3) format 4 subtable
  const cmap = tables.cmap;
  let sub = -1;
  for (let i = 0; i < buf.readUInt16BE(cmap + 2); i++) {
    const rec = cmap + 4 + 8 * i;
    const pid = buf.readUInt16BE(rec);
    const eid = buf.readUInt16BE(rec + 2);
    const off = cmap + buf.readUInt32BE(rec + 4);
    if (((pid === 3 && eid === 1) || (pid === 0 && eid === 3)) && buf.readUInt16BE(off) === 4) sub = off;
  }
  if (sub < 0) throw new Error('no cmap format 4 subtable');
  const segX2 = buf.readUInt16BE(sub + 6);
  const ends = sub + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const rangeOffsets = deltas + segX2;
  const glyphId = (cp) => {
    for (let s = 0; s < segX2 / 2; s++) {
      const end = buf.readUInt16BE(ends + 2 * s);
      if (cp > end) continue;
      const start = buf.readUInt16BE(starts + 2 * s);
      if (cp < start) return 0;
      const delta = buf.readInt16BE(deltas + 2 * s);
      const ro = buf.readUInt16BE(rangeOffsets + 2 * s);
      if (ro === 0) return (cp + delta) & 0xffff;
      const g = buf.readUInt16BE(rangeOffsets + 2 * s + ro + 2 * (cp - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
  return { unitsPerEm, ascender, descender, advanceOf: (cp) => advance(glyphId(cp)), has: (cp) => glyphId(cp) !== 0 };
}

function renderFont(spec) {
  const path = require.resolve(`dejavu-fonts-ttf/ttf/${spec.file}`);
  const ttf = ttfMetrics(readFileSync(path));
  const scale = spec.size / ttf.unitsPerEm;
  const ascent = Math.ceil(ttf.ascender * scale);
  const descent = Math.ceil(-ttf.descender * scale);
  const pad = Math.ceil(spec.size / 2);
  const W = Math.ceil(spec.size * 2) + 2 * pad;
  const H = ascent + descent + 2 * pad;
  const metrics = [];
  const alpha = [];
  for (const cp of CODEPOINTS) {
    if (!ttf.has(cp)) continue;
    const adv = Math.round(ttf.advanceOf(cp) * scale * 64);
    const ch = cp === 0x20 || cp === 0xa0 ? '' : `&#${cp};`;
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">` +
      `<text x="${pad}" y="${pad + ascent}" font-family="DejaVu Sans" font-weight="${spec.weight}" ` +
      `font-size="${spec.size}" fill="#000">${ch}</text></svg>`;
    const img = new Resvg(svg, {
      font: { loadSystemFonts: false, fontFiles: [path], defaultFontFamily: 'DejaVu Sans' },
      logLevel: 'off',
    }).render();
    const px = img.pixels;
    let x0 = W;
    let y0 = H;
    let x1 = -1;
    let y1 = -1;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        if (px[(y * W + x) * 4 + 3] > 0) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    if (x1 < 0) {
      metrics.push(cp, adv, 0, 0, 0, 0);
      continue;
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) alpha.push(px[(y * W + x) * 4 + 3]);
    // left: ink start relative to the pen; top: ink top relative to the baseline (negative = above)
    metrics.push(cp, adv, x0 - pad, y0 - (pad + ascent), w, h);
  }
  const packed = deflateSync(Buffer.from(alpha), { level: 9 }).toString('base64');
  return { ...spec, ascent, descent, metrics, packed };
}

const fonts = FONTS.map(renderFont);
const lines = [
  '/**',
  ' * GENERATED by example/tools/make-font.mjs: do not edit.',
  ' *',
  ' * Anti-aliased glyph bitmaps of DejaVu Sans (regular 22 px, bold 28 px; U+0020–U+007E and',
  ' * U+00A0–U+00FF), rendered from the DejaVu fonts (npm dejavu-fonts-ttf 2.37). DejaVu fonts are',
  ' * free: Bitstream Vera licence for the Vera-derived glyphs, public domain for DejaVu changes.',
  ' *',
  ' * metrics: 6 numbers per glyph: code point, advance (1/64 px), ink left and top (from the pen',
  ' * on the baseline), ink width and height; alpha: the ink bitmaps one after the other (8-bit',
  ' * coverage, row by row), deflated and base64-encoded.',
  ' */',
  '',
  'export interface PackedFont {',
  '  size: number;',
  '  ascent: number;',
  '  descent: number;',
  '  metrics: number[];',
  '  alpha: string;',
  '}',
  '',
];
for (const f of fonts) {
  lines.push(`export const ${f.name}: PackedFont = {`);
  lines.push(`  size: ${f.size},`);
  lines.push(`  ascent: ${f.ascent},`);
  lines.push(`  descent: ${f.descent},`);
  lines.push('  metrics: [');
  for (let i = 0; i < f.metrics.length; i += 36) lines.push(`    ${f.metrics.slice(i, i + 36).join(', ')},`);
  lines.push('  ],');
  lines.push('  alpha:');
  const chunks = f.packed.match(/.{1,100}/g);
  chunks.forEach((c, i) => lines.push(`    '${c}'${i === chunks.length - 1 ? ',' : ' +'}`));
  lines.push('};');
  lines.push('');
}
writeFileSync(OUT, lines.join('\n'));
process.stdout.write(`wrote ${OUT}: ${fonts.map((f) => `${f.name} ${f.metrics.length / 6} glyphs, ${f.packed.length} base64 chars`).join('; ')}\n`);
