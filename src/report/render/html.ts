/**
 * One self-contained HTML page for `plots show/diff` that works offline: the vega and vega-lite
 * browser bundles are inlined, a few lines of our own replace vega-embed
 * (`vegaLite.compile` → `new vega.View(…).initialize(el).runAsync()`), images are data: URIs.
 * The page loads nothing from the network.
 *
 * Layout follows dvc-render's `render_html`: title "DVC Plot", vega plots first, then images
 * (dvclive step images in numeric order), each image captioned with its revision. Each plot is a
 * `<section>` with its id as heading.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { JsonObject } from './json.js';
import type { PlotResult } from './plots.js';
import { htmlOrder } from './plots.js';
import { isVegaSpec } from './svg.js';

export interface HtmlImage {
  /** Caption: the revision the image comes from. */
  rev?: string;
  bytes: Uint8Array;
  /** e.g. image/png (default image/png). */
  mime?: string;
}

export interface HtmlPlot {
  id: string;
  /** A filled Vega-Lite spec (or a Vega spec, told apart by `$schema`). */
  spec?: JsonObject;
  image?: HtmlImage;
  images?: HtmlImage[];
}

export interface HtmlOptions {
  /** Page title (default "DVC Plot", as DVC). */
  title?: string;
  /** Add `<meta http-equiv="refresh">` (dvclive's live report). */
  refreshSeconds?: number;
  /** Keep the plots in the given order instead of DVC's (vega first, then images). */
  keepOrder?: boolean;
}

let bundles: { vega: string; vegaLite: string } | undefined;

/** The browser builds shipped in the installed packages (UMD: globals `vega`, `vegaLite`). */
function browserBundles(): { vega: string; vegaLite: string } {
  if (!bundles) {
    const require = createRequire(import.meta.url);
    const vegaDir = dirname(require.resolve('vega')); // …/vega/build/vega.module.js
    const vlDir = dirname(require.resolve('vega-lite')); // …/vega-lite/build/index.js
    bundles = {
      vega: scriptSafe(readFileSync(join(vegaDir, 'vega.min.js'), 'utf8')),
      vegaLite: scriptSafe(readFileSync(join(vlDir, 'vega-lite.min.js'), 'utf8')),
    };
  }
  return bundles;
}

/**
 * JS text made safe inside `<script>`: no `</script` and no `<!--` (both escaped as JS allows),
 * and no source-map comment (devtools would try to fetch the map).
 */
function scriptSafe(js: string): string {
  return js.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '\\x3C!--').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
}

/** JSON inside `<script type="application/json">`: `<`, `>`, `&`, U+2028/9 escaped. */
function jsonForScript(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** The spec as embedded: `$schema` (a URL, never fetched) removed. */
function pageSpec(spec: JsonObject): JsonObject {
  const { $schema: _unused, ...rest } = spec;
  return rest;
}

const STYLE = `
body { font-family: sans-serif; margin: 16px; color: #222; }
h1 { font-size: 1.3em; }
section.plot { margin: 0 0 32px 0; }
section.plot h2 { font-size: 1.05em; font-weight: 600; margin: 0 0 8px 0; word-break: break-all; }
.vega-plot { display: inline-block; }
.plot-actions { font-size: 0.8em; margin: 4px 0; }
.plot-actions button { margin-right: 6px; }
.plot-error { color: #b00020; white-space: pre-wrap; }
.images { display: flex; flex-wrap: wrap; gap: 12px; }
.images figure { margin: 0; border: 1px dotted #888; padding: 4px; }
.images figcaption { font-size: 0.9em; margin-bottom: 4px; }
.images img { max-width: 100%; }
`;

// Our stand-in for vega-embed. Plain ES5-ish so it runs anywhere the bundles run.
const EMBED = `
(function () {
  function save(view, el, id, type) {
    var p = type === 'svg' ? view.toSVG().then(function (s) {
      return URL.createObjectURL(new Blob([s], { type: 'image/svg+xml' }));
    }) : view.toImageURL('png', 2);
    p.then(function (url) {
      var a = document.createElement('a');
      a.href = url;
      a.download = id.replace(/[^A-Za-z0-9_.-]+/g, '_') + '.' + type;
      document.body.appendChild(a);
      a.click();
      a.remove();
    });
  }
  var nodes = document.querySelectorAll('div[data-keel-spec]');
  Array.prototype.forEach.call(nodes, function (el) {
    var id = el.getAttribute('data-keel-id') || '';
    try {
      var spec = JSON.parse(document.getElementById(el.getAttribute('data-keel-spec')).textContent);
      var vg = el.getAttribute('data-keel-mode') === 'vega' ? spec
        : vegaLite.compile(spec, { logger: vega.logger(vega.Error) }).spec;
      var view = new vega.View(vega.parse(vg), { renderer: 'svg', hover: true, logLevel: vega.Error });
      view.initialize(el).runAsync().then(function () {
        var bar = document.createElement('div');
        bar.className = 'plot-actions';
        ['svg', 'png'].forEach(function (type) {
          var b = document.createElement('button');
          b.type = 'button';
          b.textContent = 'Save ' + type.toUpperCase();
          b.onclick = function () { save(view, el, id, type); };
          bar.appendChild(b);
        });
        el.parentNode.insertBefore(bar, el.nextSibling);
      }, function (e) {
        el.className += ' plot-error';
        el.textContent = 'Could not render this plot: ' + e.message;
        console.error(e);
      });
    } catch (e) {
      el.className += ' plot-error';
      el.textContent = 'Could not render this plot: ' + e.message;
      console.error(e);
    }
  });
})();
`;

/** dvc-render's `remove_special_chars`: the plot id as an HTML id. */
export function htmlId(id: string): string {
  return id.replace(/[!@#$%^&*()[\]{};,<>?\\/:.|`~=_+ ]/g, '_');
}

/** HTML plots from `buildPlots` results (vega plots without data are left out). */
export function htmlPlots(results: PlotResult[]): HtmlPlot[] {
  const out: HtmlPlot[] = [];
  for (const r of results) {
    if (r.type === 'vega') {
      if (Object.keys(r.spec).length > 0) out.push({ id: r.id, spec: r.spec });
    } else if (r.images.length > 0) {
      out.push({ id: r.id, images: r.images.map((i) => ({ rev: i.rev, bytes: i.bytes, mime: i.mime })) });
    }
  }
  return out;
}

/** Render the page. */
export function renderHtml(plots: HtmlPlot[], opts: HtmlOptions = {}): string {
  const title = opts.title ?? 'DVC Plot';
  const { vega, vegaLite } = browserBundles();
  const ordered = opts.keepOrder
    ? plots
    : htmlOrder(plots.map((p) => ({ ...p, type: p.spec ? 'vega' : 'image' }))).map(({ type: _t, ...p }) => p as HtmlPlot);

  const sections: string[] = [];
  const data: string[] = [];
  const used = new Set<string>();
  ordered.forEach((p, i) => {
    const head = `<h2>${escapeHtml(p.id)}</h2>`;
    // DVC's element id (`Renderer.remove_special_chars`), made unique
    let anchorId = htmlId(p.id);
    if (used.has(anchorId)) anchorId += `_${i}`;
    used.add(anchorId);
    if (p.spec) {
      const specId = `keel-spec-${i}`;
      const mode = isVegaSpec(p.spec) ? 'vega' : 'vega-lite';
      sections.push(
        `<section class="plot" id="${escapeHtml(anchorId)}">\n${head}\n` +
          `<div class="vega-plot" data-keel-spec="${specId}" data-keel-mode="${mode}" data-keel-id="${escapeHtml(p.id)}"></div>\n</section>`,
      );
      data.push(`<script type="application/json" id="${specId}">${jsonForScript(pageSpec(p.spec))}</script>`);
    } else {
      const images = [...(p.image ? [p.image] : []), ...(p.images ?? [])];
      const figs = images.map((img) => {
        const src = `data:${img.mime ?? 'image/png'};base64,${Buffer.from(img.bytes).toString('base64')}`;
        const cap = img.rev !== undefined ? `<figcaption>${escapeHtml(img.rev)}</figcaption>` : '';
        return `<figure>${cap}<img src="${src}" alt="${escapeHtml(`${p.id}${img.rev ? ` (${img.rev})` : ''}`)}"></figure>`;
      });
      sections.push(`<section class="plot" id="${escapeHtml(anchorId)}">\n${head}\n<div class="images">\n${figs.join('\n')}\n</div>\n</section>`);
    }
  });

  const refresh = opts.refreshSeconds !== undefined ? `\n<meta http-equiv="refresh" content="${Math.max(0, Math.floor(opts.refreshSeconds))}">` : '';
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">${refresh}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
<script>${vega}</script>
<script>${vegaLite}</script>
</head>
<body>
${sections.join('\n')}
${data.join('\n')}
<script>${EMBED}</script>
</body>
</html>
`;
}
