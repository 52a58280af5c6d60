// The offline HTML page: self-contained (no URL is ever loaded), DVC's layout, and in headless
// Chromium every plot really renders, with no console error and no network request.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { parsePlotFile } from '../../src/report/plotdata.js';
import { buildPlots, type PlotSource, type RevisionPlots } from '../../src/report/render/plots.js';
import { builtinTemplate, fillTemplate, TEMPLATE_NAMES } from '../../src/report/render/templates.js';
import { htmlId, htmlPlots, renderHtml, type HtmlPlot } from '../../src/report/render/html.js';
import { svgToPng } from '../../src/report/render/png.js';
import { chromiumSkip, launchChromium } from '../helpers/chromium.js';

const FIX = fileURLToPath(new URL('../fixtures/plots/', import.meta.url));

interface GoldenCase {
  name: string;
  revisions: { rev: string; definitions: RevisionPlots['definitions']; files: Record<string, { text?: string; header?: boolean; image_b64?: string }> }[];
}
const golden: GoldenCase[] = JSON.parse(readFileSync(join(FIX, 'golden.json'), 'utf8'));

const SMALL_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#13adc7"/></svg>';

async function guidePage(): Promise<{ plots: HtmlPlot[]; html: string }> {
  const guide = golden.find((c) => c.name === 'guide_diff')!;
  const png = await svgToPng(SMALL_SVG, { scale: 1 });
  const revs: RevisionPlots[] = guide.revisions.map((r) => {
    const sources: Record<string, PlotSource> = {};
    for (const [p, f] of Object.entries(r.files)) {
      // a real PNG for importance.png, so the browser can decode it
      sources[p] = parsePlotFile(p, f.image_b64 ? png : Buffer.from(f.text as string), { header: f.header });
    }
    return { rev: r.rev, definitions: r.definitions, sources };
  });
  const plots = htmlPlots(buildPlots(revs));
  // every built-in template too, so each one is compiled and drawn by the browser bundles
  const data = ['workspace', 'main'].flatMap((rev, k) =>
    Array.from({ length: 5 }, (_, i) => ({ rev, step: i, acc: String(0.5 + i * 0.1 * (k + 1)), label: `c${i % 2}` })),
  );
  for (const name of TEMPLATE_NAMES) {
    const bar = name.startsWith('bar_');
    const confusion = name.startsWith('confusion');
    plots.push({
      id: `template ${name}`,
      spec: fillTemplate(builtinTemplate(name)!, {
        data,
        title: name,
        x: bar ? 'acc' : confusion ? 'label' : 'step',
        y: bar ? 'label' : confusion ? 'step' : 'acc',
        revs_with_datapoints: ['workspace', 'main'],
      }),
    });
  }
  plots.push({ id: 'diagram.svg', images: [{ rev: 'workspace', bytes: Buffer.from(SMALL_SVG), mime: 'image/svg+xml' }] });
  return { plots, html: renderHtml(plots) };
}

/** URL-looking strings allowed in the page: inert constants inside the vega bundles, never fetched. */
const INERT_URLS = new Set([
  'http://www.w3.org/2000/svg',
  'http://www.w3.org/1999/xlink',
  'http://www.w3.org/2000/xmlns/',
  'https://vega.github.io/schema/vega/v6.json', // $schema vega-lite writes into compiled specs
  'https://github.com/vega/vega-lite/issues/2415', // text of a vega-lite warning
]);

describe('HTML page', () => {
  let page: { plots: HtmlPlot[]; html: string };
  before(async () => {
    page = await guidePage();
  });

  test('self-contained: no external URL, no remote script, style or image', () => {
    const { html } = page;
    const urls = [...html.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()\\]*/gi)].map((m) => m[0]);
    const unexpected = urls.filter((u) => !INERT_URLS.has(u) && u !== 'file://');
    assert.deepEqual(unexpected, [], 'only inert namespace/schema strings');
    // the markup around the two inlined bundles
    const markup = html.replace(/<script>[\s\S]*?<\/script>/g, '<script></script>');
    const no = (re: RegExp, what: string) => assert.ok(!re.test(markup), `${what}: ${markup.match(re)?.[0]}`);
    no(/\b(?:src|href)\s*=\s*["']?(?!data:)[a-z]+:/i, 'every src/href is a data: URI');
    no(/<script[^>]+src=/i, 'no remote script');
    no(/<link\b/i, 'no link element');
    no(/@import|url\(/i, 'no CSS fetch');
    no(/<(?:iframe|object|embed|base)\b/i, 'no frames');
    assert.ok(!html.includes('sourceMappingURL'), 'no source map comment');
    assert.match(markup, /<title>DVC Plot<\/title>/);
    assert.equal((html.match(/<script>/g) ?? []).length, 3, 'vega, vega-lite, embed');
  });

  test('one section per plot, id as heading; vega plots first, then images', () => {
    const { html, plots } = page;
    const heads = [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
    assert.equal(heads.length, plots.length);
    assert.deepEqual(heads.slice(0, 4), [
      'evaluation/plots/prc.json',
      'evaluation/plots/sklearn/roc.json',
      'evaluation/plots/sklearn/confusion_matrix.json',
      'evaluation/plots/metrics/avg_prec.tsv',
    ]);
    assert.deepEqual(heads.slice(-2), ['diagram.svg', 'evaluation/plots/importance.png'], 'images by directory');
    assert.match(html, /<section class="plot" id="evaluation_plots_sklearn_roc_json">/, "DVC's element id");
    assert.equal(htmlId('a b/c.d::e'), 'a_b_c_d__e');
    assert.match(html, /<figcaption>workspace<\/figcaption><img src="data:image\/png;base64,/);
    assert.match(html, /<figcaption>main<\/figcaption>/);
    assert.match(html, /src="data:image\/svg\+xml;base64,/);
    // specs are JSON islands without a $schema URL
    assert.doesNotMatch(html, /vega-lite\/v5\.json/);
  });

  test('escaping: ids, titles and data cannot break out of the page', () => {
    const html = renderHtml(
      [
        { id: '<img src=x onerror=alert(1)>', spec: { mark: 'point', data: { values: [{ a: '</script><script>alert(1)</script>' }] } } },
        { id: 'i&"', image: { bytes: Buffer.from('x'), rev: '<rev>' } },
      ],
      { title: 'a <b> & c', refreshSeconds: 5 },
    );
    assert.match(html, /<h2>&lt;img src=x onerror=alert\(1\)&gt;<\/h2>/);
    assert.match(html, /<title>a &lt;b&gt; &amp; c<\/title>/);
    assert.match(html, /<meta http-equiv="refresh" content="5">/);
    assert.equal((html.match(/<\/script>/g) ?? []).length, (html.match(/<script/g) ?? []).length);
    assert.match(html, /\\u003c\/script\\u003e/);
    assert.match(html, /<figcaption>&lt;rev&gt;<\/figcaption>/);
  });

  test('image order: numeric step images (dvclive), by directory', () => {
    const img = (id: string): HtmlPlot => ({ id, image: { bytes: Buffer.from('x') } });
    const html = renderHtml([img('b/10.png'), img('b/2.png'), { id: 'v', spec: { mark: 'point' } }, img('a/z.png'), img('b/x.png')]);
    assert.deepEqual(
      [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]),
      ['v', 'a/z.png', 'b/2.png', 'b/10.png', 'b/x.png'],
    );
  });
});

describe('HTML in headless Chromium', { skip: chromiumSkip() }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('every plot renders, no console error, no network request', async () => {
    const { html, plots } = await guidePage();
    const context = await browser.newContext({ offline: true });
    const p = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    p.on('pageerror', (e) => errors.push(String(e)));
    p.on('request', (r) => {
      if (!r.url().startsWith('data:')) requests.push(r.url());
    });
    await p.route('**', (route) => {
      requests.push(route.request().url());
      return route.abort();
    });
    await p.setContent(html, { waitUntil: 'load', timeout: 10_000 });
    const nVega = plots.filter((x) => x.spec).length;
    await p.waitForFunction(
      (n) =>
        document.querySelectorAll('.plot-error').length > 0 ||
        document.querySelectorAll('div[data-keel-spec] svg.marks').length === n,
      nVega,
      { timeout: 10_000 },
    );
    const result = await p.evaluate(() => {
      const plotsOut = [...document.querySelectorAll('div[data-keel-spec]')].map((el) => {
        const svg = el.querySelector('svg, canvas');
        const r = svg?.getBoundingClientRect();
        return {
          id: el.getAttribute('data-keel-id'),
          error: el.classList.contains('plot-error') ? el.textContent : null,
          w: r?.width ?? 0,
          h: r?.height ?? 0,
          marks: el.querySelectorAll('.role-mark').length,
          texts: [...el.querySelectorAll('text')].map((t) => t.textContent),
        };
      });
      const images = [...document.querySelectorAll('img')].map((i) => ({ ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth }));
      return { plots: plotsOut, images };
    });
    assert.equal(result.plots.length, nVega);
    for (const r of result.plots) {
      assert.equal(r.error, null, `${r.id}: ${r.error}`);
      assert.ok(r.w > 50 && r.h > 50, `${r.id} has size ${r.w}x${r.h}`);
      assert.ok(r.marks > 0, `${r.id} has marks`);
    }
    const roc = result.plots.find((r) => r.id === 'evaluation/plots/sklearn/roc.json')!;
    assert.ok(roc.texts.includes('workspace') && roc.texts.includes('main'), 'legend with both revisions');
    assert.equal(result.images.length, 3);
    assert.ok(result.images.every((i) => i.ok), JSON.stringify(result.images));
    assert.deepEqual(errors, [], 'console errors');
    assert.deepEqual(requests, [], 'network requests');
    await context.close();
  });
});
