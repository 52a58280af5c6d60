/** PNG checks for tests: a minimal decoder and pixel statistics ("is there a plot in this image?"). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { inflateSync } from 'node:zlib';

/** Minimal PNG decoder (8-bit RGB/RGBA, not interlaced: what resvg writes). */
export function decodePng(buf: Buffer): { width: number; height: number; channels: number; pixels: Buffer; px: (x: number, y: number) => [number, number, number, number] } {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, 'bit depth 8');
      assert.equal(data[12], 0, 'not interlaced');
      channels = ({ 2: 3, 6: 4 } as Record<number, number>)[data[9]];
      assert.ok(channels, `colour type ${data[9]}`);
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? pixels[y * stride + i - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= channels ? pixels[(y - 1) * stride + i - channels] : 0;
      let v = line[i];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + i] = v & 0xff;
    }
  }
  return {
    width,
    height,
    channels,
    pixels,
    px: (x, y) => {
      const i = y * stride + x * channels;
      return [pixels[i], pixels[i + 1], pixels[i + 2], channels === 4 ? pixels[i + 3] : 255];
    },
  };
}

/** Pixel statistics: distinct colours, near-black pixels overall and in the title band. */
export function pngStats(file: string): { width: number; height: number; colours: number; dark: number; darkTitle: number } {
  const img = decodePng(fs.readFileSync(file));
  const colours = new Set<number>();
  let dark = 0;
  let darkTitle = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const [r, g, b, a] = img.px(x, y);
      colours.add((r << 16) | (g << 8) | b);
      if (a > 128 && Math.max(r, g, b) < 80) {
        dark++;
        if (y < 60) darkTitle++;
      }
    }
  }
  return { width: img.width, height: img.height, colours: colours.size, dark, darkTitle };
}


/** How many pixels are close to colour `rgb` (each channel within `tol`). */
export function countColour(file: string, rgb: [number, number, number], tol = 24): number {
  const img = decodePng(fs.readFileSync(file));
  let n = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const [r, g, b, a] = img.px(x, y);
      if (a > 128 && Math.abs(r - rgb[0]) <= tol && Math.abs(g - rgb[1]) <= tol && Math.abs(b - rgb[2]) <= tol) n++;
    }
  }
  return n;
}
