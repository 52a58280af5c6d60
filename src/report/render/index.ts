/**
 * Plots rendering, DVC-compatible: plot files → datapoints → filled Vega-Lite specs (templates.ts,
 * plots.ts) → SVG / PNG in Node (svg.ts, png.ts) or one offline HTML page (html.ts).
 * Importing this module is cheap: vega, vega-lite and resvg load on first render.
 */
export * from './templates.js';
export * from './plots.js';
export { specToSvg, compileVegaLite, withFont, isVegaSpec, loadVega, FONT_FAMILY, type SvgOptions } from './svg.js';
export { svgToPng, specToPng, fontFiles, type PngOptions } from './png.js';
export { renderHtml, htmlPlots, htmlId, escapeHtml, type HtmlPlot, type HtmlImage, type HtmlOptions } from './html.js';
export type { Json, JsonObject } from './json.js';
