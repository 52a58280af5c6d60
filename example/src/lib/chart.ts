/**
 * A horizontal bar chart drawn straight into an RGB raster and written as PNG, with no npm
 * dependency (node:zlib for deflate; the text is DejaVu Sans from the bitmaps in font.ts).
 * The evaluate stage draws its feature-importance chart with it.
 *
 * Everything is laid out in logical pixels and drawn at SCALE device pixels each (crisp on
 * high-DPI screens and in PR comments). The output depends only on the inputs (and on zlib's
 * deflate, which Node bundles).
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { BOLD, REGULAR, type PackedFont } from './font.js';

const SCALE = 2;

type Rgb = [number, number, number];

function hex(c: string): Rgb {
  return [Number.parseInt(c.slice(1, 3), 16), Number.parseInt(c.slice(3, 5), 16), Number.parseInt(c.slice(5, 7), 16)];
}

// ------------------------------------------------------------------ raster

class Raster {
  readonly px: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb,
  ) {
    this.px = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.px.set(background, i * 3);
  }

  /** Fill [x0, x1) × [y0, y1) (device pixels, clipped). */
  fillRect(x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
    const xa = Math.max(0, Math.round(x0));
    const xb = Math.min(this.width, Math.round(x1));
    const ya = Math.max(0, Math.round(y0));
    const yb = Math.min(this.height, Math.round(y1));
    for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) this.px.set(c, (y * this.width + x) * 3);
  }

  /** Blend colour c with coverage a (0..255) into one pixel. */
  blend(x: number, y: number, c: Rgb, a: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || a === 0) return;
    const i = (y * this.width + x) * 3;
    for (let k = 0; k < 3; k++) this.px[i + k] = Math.round((c[k] * a + this.px[i + k] * (255 - a)) / 255);
  }

  png(): Buffer {
    const { width, height, px } = this;
    const rowLen = width * 3;
    const raw = Buffer.alloc((rowLen + 1) * height);
    for (let y = 0; y < height; y++) {
      raw[y * (rowLen + 1)] = 0; // filter: none
      raw.set(px.subarray(y * rowLen, (y + 1) * rowLen), y * (rowLen + 1) + 1);
    }
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(width, 0);
    ihdr.writeUInt32BE(height, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // colour type: RGB
    // compression, filter, interlace: 0
    const phys = Buffer.alloc(9);
    const perMetre = Math.round((72 * SCALE) / 0.0254); // 72 dpi per logical pixel
    phys.writeUInt32BE(perMetre, 0);
    phys.writeUInt32BE(perMetre, 4);
    phys[8] = 1; // unit: metre
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('pHYs', phys),
      chunk('IDAT', deflateSync(raw, { level: 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

// ------------------------------------------------------------------ text

interface Glyph {
  advance: number;
  left: number;
  top: number;
  w: number;
  h: number;
  offset: number;
}

class Font {
  private readonly glyphs = new Map<number, Glyph>();
  private readonly alpha: Buffer;
  readonly size: number;
  readonly ascent: number;

  constructor(packed: PackedFont) {
    this.size = packed.size;
    this.ascent = packed.ascent;
    this.alpha = inflateSync(Buffer.from(packed.alpha, 'base64'));
    let offset = 0;
    const m = packed.metrics;
    for (let i = 0; i < m.length; i += 6) {
      const g = { advance: m[i + 1] / 64, left: m[i + 2], top: m[i + 3], w: m[i + 4], h: m[i + 5], offset };
      this.glyphs.set(m[i], g);
      offset += g.w * g.h;
    }
  }

  private glyph(cp: number): Glyph {
    return this.glyphs.get(cp) ?? this.glyphs.get(0x3f)!; // '?' for what the bitmaps lack
  }

  /** Width in device pixels. */
  measure(text: string): number {
    let w = 0;
    for (const ch of text) w += this.glyph(ch.codePointAt(0)!).advance;
    return w;
  }

  /** Draw with the pen starting at device x, baseline at device y. */
  draw(r: Raster, text: string, x: number, y: number, c: Rgb): void {
    let pen = x;
    for (const ch of text) {
      const g = this.glyph(ch.codePointAt(0)!);
      const gx = Math.round(pen) + g.left;
      const gy = Math.round(y) + g.top;
      for (let j = 0; j < g.h; j++) {
        for (let i = 0; i < g.w; i++) r.blend(gx + i, gy + j, c, this.alpha[g.offset + j * g.w + i]);
      }
      pen += g.advance;
    }
  }

  /** Cut text with an ellipsis to fit maxWidth device pixels. */
  fit(text: string, maxWidth: number): string {
    if (this.measure(text) <= maxWidth) return text;
    const chars = [...text];
    while (chars.length > 0 && this.measure(`${chars.join('')}…`) > maxWidth) chars.pop();
    return `${chars.join('')}…`;
  }
}

let fonts: { regular: Font; bold: Font } | undefined;
function loadFonts(): { regular: Font; bold: Font } {
  fonts ??= { regular: new Font(REGULAR), bold: new Font(BOLD) };
  return fonts;
}

// ------------------------------------------------------------------ axis ticks

/** "Nice" ticks from 0 to at least max (about five of them). */
export function niceTicks(max: number, target = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let k = 0; k * step < max + step * 1e-9 || ticks.length < 2; k++) ticks.push(Number((k * step).toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

function formatTick(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(step % 1 === 0 ? 0 : decimals + (Number((step * 10 ** decimals).toPrecision(12)) % 1 === 0 ? 0 : 1));
}

// ------------------------------------------------------------------ the chart

export interface BarChart {
  title: string;
  subtitle?: string;
  xTitle: string;
  labels: string[];
  values: number[];
  /** Bar colour (default Vega's blue). */
  color?: string;
}

/** PNG of a horizontal bar chart, one bar per label, top to bottom in the given order. */
export function barChartPng(chart: BarChart): Buffer {
  const { regular, bold } = loadFonts();
  const S = SCALE;
  const ink = hex('#222222');
  const muted = hex('#555555');
  const grid = hex('#dddddd');
  const bar = hex(chart.color ?? '#4c78a8');

  const rowH = 20;
  const barH = 14;
  const width = 800;
  const labelMax = 230; // logical px for the labels
  const labelW = Math.min(labelMax * S, Math.max(...chart.labels.map((l) => regular.measure(l)), 0)) / S;
  const left = 16 + labelW + 10;
  const right = width - 60;
  const top = chart.subtitle ? 70 : 52;
  const plotH = Math.max(1, chart.labels.length) * rowH;
  const height = top + plotH + 64;

  const r = new Raster(width * S, height * S, [255, 255, 255]);
  const max = Math.max(0, ...chart.values);
  const ticks = niceTicks(max);
  const xmax = ticks[ticks.length - 1];
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
  const xOf = (v: number): number => left + ((right - left) * v) / xmax;

  // title
  bold.draw(r, chart.title, 16 * S, 30 * S, ink);
  if (chart.subtitle) regular.draw(r, chart.subtitle, 16 * S, 52 * S, muted);

  // grid and tick labels
  for (const t of ticks) {
    const x = xOf(t);
    r.fillRect(x * S, top * S, x * S + 1, (top + plotH) * S, grid);
    const label = formatTick(t, step);
    const w = regular.measure(label);
    r.fillRect(x * S, (top + plotH) * S, x * S + S, (top + plotH + 5) * S, muted);
    regular.draw(r, label, x * S - w / 2, (top + plotH + 22) * S, muted);
  }
  // x axis line and title
  r.fillRect(left * S, (top + plotH) * S, right * S + 1, (top + plotH) * S + S, muted);
  const xtW = regular.measure(chart.xTitle);
  regular.draw(r, chart.xTitle, ((left + right) / 2) * S - xtW / 2, (top + plotH + 48) * S, ink);

  // bars, labels, values
  chart.labels.forEach((label, i) => {
    const v = chart.values[i] ?? 0;
    const yTop = top + i * rowH + (rowH - barH) / 2;
    r.fillRect(left * S, yTop * S, xOf(v) * S, (yTop + barH) * S, bar);
    const baseline = (yTop + barH / 2) * S + regular.ascent * 0.36;
    const text = regular.fit(label, labelMax * S);
    regular.draw(r, text, (left - 8) * S - regular.measure(text), baseline, ink);
    const value = v.toFixed(3);
    regular.draw(r, value, xOf(v) * S + 5 * S, baseline, muted);
  });
  // y axis line
  r.fillRect(left * S, top * S, left * S + S, (top + plotH) * S, muted);
  return r.png();
}
