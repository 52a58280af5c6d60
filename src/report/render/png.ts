/**
 * SVG → PNG with resvg and the bundled DejaVu Sans fonts (npm `dejavu-fonts-ttf`).
 *
 * resvg draws NO text when it finds no font, and says nothing. So system fonts are never
 * loaded (`loadSystemFonts: false`, deterministic output on any machine) and DejaVu Sans (+ Bold)
 * is passed explicitly and set as the default and sans-serif family. resvg is loaded lazily.
 */
import { createRequire } from 'node:module';
import type { JsonObject } from './json.js';
import { FONT_FAMILY, specToSvg, type SvgOptions } from './svg.js';

type ResvgModule = typeof import('@resvg/resvg-js');

export interface PngOptions {
  /** Zoom factor (default 2: crisp on high-DPI screens and in PR comments). */
  scale?: number;
  /** Background colour (default white; Vega's own background is drawn too). */
  background?: string;
}

let resvg: Promise<ResvgModule> | undefined;

function loadResvg(): Promise<ResvgModule> {
  resvg ??= import('@resvg/resvg-js').then((m) => ((m as any).Resvg ? m : (m as any).default) as ResvgModule);
  return resvg;
}

let fonts: string[] | undefined;

/** Paths of the bundled font files (DejaVu Sans regular and bold). */
export function fontFiles(): string[] {
  if (!fonts) {
    const require = createRequire(import.meta.url);
    fonts = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => require.resolve(`dejavu-fonts-ttf/ttf/${f}`));
  }
  return fonts;
}

/** Rasterise an SVG document. */
export async function svgToPng(svg: string, opts: PngOptions = {}): Promise<Buffer> {
  const { Resvg } = await loadResvg();
  const r = new Resvg(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles: fontFiles(),
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
    fitTo: { mode: 'zoom', value: opts.scale ?? 2 },
    background: opts.background ?? 'white',
    logLevel: 'off',
  });
  return r.render().asPng();
}

/** Vega-Lite spec → PNG (specToSvg then svgToPng). */
export async function specToPng(spec: JsonObject, opts: PngOptions & SvgOptions = {}): Promise<Buffer> {
  return svgToPng(await specToSvg(spec, opts), opts);
}
