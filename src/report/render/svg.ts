/**
 * Vega-Lite spec → SVG in Node: vega-lite compile → vega View (renderer 'none', no canvas) →
 * `toSVG()`. vega and vega-lite are imported lazily so the CLI starts fast.
 *
 * Text: Node has no canvas, so vega estimates text widths (layout is a little wide; cosmetic).
 * `withFont` sets `config.font` so every text element names the font that `png.ts` bundles.
 */
import { UsageError } from '../../errors/index.js';
import type { JsonObject } from './json.js';
import { cloneJson, isJsonObject } from './json.js';

/** The family the PNG renderer bundles (dejavu-fonts-ttf). */
export const FONT_FAMILY = 'DejaVu Sans';

export interface SvgOptions {
  /** Font family for all text (default DejaVu Sans). */
  font?: string;
  /** Receives vega-lite / vega warnings (default: dropped). */
  onWarning?: (message: string) => void;
}

type VegaModule = typeof import('vega');
type VegaLiteModule = typeof import('vega-lite');

let libs: Promise<{ vega: VegaModule; vl: VegaLiteModule }> | undefined;

/** Load vega + vega-lite once (about 0.2 s cold). */
export function loadVega(): Promise<{ vega: VegaModule; vl: VegaLiteModule }> {
  libs ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, vl }));
  return libs;
}

/**
 * A copy of `spec` with `config.font` set to `font`, unless the spec names its own font (resvg
 * falls back to the bundled family for fonts it does not have, so text never disappears).
 */
export function withFont(spec: JsonObject, font = FONT_FAMILY): JsonObject {
  const out = cloneJson(spec);
  const config = isJsonObject(out.config) ? out.config : {};
  if (typeof config.font !== 'string') out.config = { ...config, font };
  // A static image has no inputs: a checkbox-bound param without a value (DVC's confusion
  // templates' `showValues`, which prints the counts in the cells) is switched on, so the PNG
  // shows what a reader of the HTML page would tick.
  if (Array.isArray(out.params)) {
    out.params = out.params.map((p) =>
      isJsonObject(p) && p.value === undefined && isJsonObject(p.bind) && p.bind.input === 'checkbox' ? { ...p, value: true } : p,
    );
  }
  return out;
}

/** True for a Vega (not Vega-Lite) spec, told apart by its `$schema` as vega-embed does. */
export function isVegaSpec(spec: JsonObject): boolean {
  return typeof spec.$schema === 'string' && /\/schema\/vega\/v/.test(spec.$schema);
}

function quietLogger(onWarning?: (m: string) => void) {
  let level = 0;
  const emit = (args: unknown[]) => onWarning?.(args.map(String).join(' '));
  const logger = {
    level(l?: number): any {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args: unknown[]): any {
      emit(args);
      return logger;
    },
    warn(...args: unknown[]): any {
      emit(args);
      return logger;
    },
    info(): any {
      return logger;
    },
    debug(): any {
      return logger;
    },
  };
  return logger;
}

/** Compile a Vega-Lite spec to a Vega spec (font applied). A Vega spec is returned as is. */
export async function compileVegaLite(spec: JsonObject, opts: SvgOptions = {}): Promise<JsonObject> {
  if (Object.keys(spec).length === 0) {
    throw new UsageError('the plot has no data to render', { hint: 'check that the plot files exist in the revisions asked for' });
  }
  if (isVegaSpec(spec)) return spec;
  const { vl } = await loadVega();
  const input = withFont(spec, opts.font ?? FONT_FAMILY);
  return vl.compile(input as any, { logger: quietLogger(opts.onWarning) as any }).spec as unknown as JsonObject;
}

/** Render a Vega-Lite (or Vega) spec to an SVG document. */
export async function specToSvg(spec: JsonObject, opts: SvgOptions = {}): Promise<string> {
  const { vega } = await loadVega();
  const vg = await compileVegaLite(spec, opts);
  const view = new vega.View(vega.parse(vg as any), {
    renderer: 'none',
    logger: quietLogger(opts.onWarning) as any,
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
