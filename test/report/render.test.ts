// Vega-Lite → SVG (vega, no canvas) → PNG (resvg + bundled DejaVu): every built-in template, the
// guide's ROC / precision-recall / confusion-matrix plots, overlays of two revisions, and text
// that really is drawn in the PNG.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parsePlotFile } from '../../src/report/plotdata.js';
import { buildPlots, type PlotSource, type RevisionPlots, type VegaPlot } from '../../src/report/render/plots.js';
import { builtinTemplate, fillTemplate, TEMPLATE_NAMES, type JsonObject } from '../../src/report/render/templates.js';
import { specToSvg, withFont, FONT_FAMILY } from '../../src/report/render/svg.js';
import { svgToPng, specToPng } from '../../src/report/render/png.js';
import { decodePng as decodePngFile } from '../helpers/png.js';

const FIX = fileURLToPath(new URL('../fixtures/plots/', import.meta.url));

/** Decode an 8-bit RGBA, non-interlaced PNG (what resvg writes) into pixels. */
function decodePng(png: Buffer): { width: number; height: number; px: Buffer } {
  const d = decodePngFile(png);
  assert.equal(d.channels, 4, 'RGBA');
  return { width: d.width, height: d.height, px: d.pixels };
}

/** Pixels clearly darker than the light grid lines: text, axes, dark marks. */
function darkPixels(png: Buffer): number {
  const { px } = decodePng(png);
  let n = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] < 3 * 110) n++;
  return n;
}

function nonWhite(png: Buffer): number {
  const { px } = decodePng(png);
  let n = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i] < 250 || px[i + 1] < 250 || px[i + 2] < 250) n++;
  return n;
}

/** The text content of every <text> element of an SVG. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
}

interface GoldenCase {
  name: string;
  revisions: { rev: string; definitions: RevisionPlots['definitions']; files: Record<string, { text?: string; header?: boolean; image_b64?: string }> }[];
}
const golden: GoldenCase[] = JSON.parse(readFileSync(join(FIX, 'golden.json'), 'utf8'));
const guide = golden.find((c) => c.name === 'guide_diff')!;

function revisionsOf(c: GoldenCase): RevisionPlots[] {
  return c.revisions.map((r) => {
    const sources: Record<string, PlotSource> = {};
    for (const [p, f] of Object.entries(r.files)) {
      sources[p] = parsePlotFile(p, f.image_b64 ? Buffer.from(f.image_b64, 'base64') : Buffer.from(f.text as string), { header: f.header });
    }
    return { rev: r.rev, definitions: r.definitions, sources };
  });
}

const guidePlots = buildPlots(revisionsOf(guide));
const byId = (id: string) => guidePlots.find((p) => p.id === id) as VegaPlot;

// data that suits every template: numbers as strings (as from CSV), two revisions
const series = (rev: string, k: number) =>
  Array.from({ length: 6 }, (_, i) => ({ rev, step: String(i), acc: String(0.5 + i * 0.05 * k), label: `c${i % 3}` }));

describe('SVG', () => {
  before(async () => {
    await specToSvg(fillTemplate(builtinTemplate('simple')!, { data: series('w', 1), x: 'step', y: 'acc' })); // warm the lazy imports
  });

  for (const name of TEMPLATE_NAMES) {
    test(`template ${name}: title, axis titles and marks`, async () => {
      const confusion = name.startsWith('confusion');
      const bar = name.startsWith('bar_');
      const props = confusion
        ? { x: 'label', y: 'step', x_label: 'Actual label', y_label: 'Predicted step' }
        : bar
          ? { x: 'acc', y: 'label', x_label: 'Accuracy', y_label: 'Class' }
          : { x: 'step', y: 'acc', x_label: 'Training step', y_label: 'Accuracy' };
      const spec = fillTemplate(builtinTemplate(name)!, {
        data: [...series('workspace', 1), ...series('main', 2)],
        title: `Plot of ${name}`,
        anchors_y_definitions: [{ filename: 'f.csv', field: props.y }],
        revs_with_datapoints: ['workspace', 'main'],
        ...props,
      });
      const svg = await specToSvg(spec);
      assert.match(svg, /^<svg/);
      const t = texts(svg);
      assert.ok(t.includes(`Plot of ${name}`), `title in ${t.join('|')}`);
      if (name !== 'scatter_jitter') {
        assert.ok(t.includes(props.x_label), `x axis title (${name})`);
        assert.ok(t.includes(props.y_label), `y axis title (${name})`);
      }
      assert.match(svg, /role-mark/, 'has marks');
      assert.match(svg, /font-family="DejaVu Sans"|font-family: ?"?DejaVu Sans/);
      // there is real geometry: a path with coordinates or rects with size
      assert.match(svg, /<path[^>]* d="M[0-9.-]+,[0-9.-]+/);
      if (!confusion) {
        assert.ok(t.includes('workspace') && t.includes('main'), `both revisions in the legend of ${name}`);
      } else {
        assert.ok(t.includes('workspace') && t.includes('main'), 'one facet per revision');
      }
    });
  }

  test('two revisions overlay in ONE chart, coloured with DVC palette', async () => {
    const roc = byId('evaluation/plots/sklearn/roc.json');
    assert.deepEqual(roc.revisions, ['workspace', 'main']);
    const svg = await specToSvg(roc.spec);
    const t = texts(svg);
    assert.ok(t.includes('workspace') && t.includes('main'), 'legend names both revisions');
    assert.ok(t.includes('fpr') && t.includes('tpr') && t.includes('evaluation/plots/sklearn/roc.json'));
    assert.equal((svg.match(/class="mark-group role-frame root"/g) ?? []).length, 1, 'one chart');
    // one line per revision, each in its colour
    const strokes = new Set([...svg.matchAll(/class="mark-line role-mark[^"]*"[^]*?<\/g>/g)].flatMap((m) => [...m[0].matchAll(/stroke="(#[0-9a-f]{6})"/g)].map((x) => x[1])));
    assert.ok(strokes.has('#945dd6') && strokes.has('#13adc7'), `line colours: ${[...strokes].join(',')}`);
  });

  test('precision-recall (guide prc.json shape)', async () => {
    const prc = byId('evaluation/plots/prc.json');
    const svg = await specToSvg(prc.spec);
    const t = texts(svg);
    assert.ok(t.includes('recall') && t.includes('precision'));
    assert.ok(t.includes('workspace') && t.includes('main'));
  });

  test('confusion matrix from dvclive records ({"actual": "1", "predicted": "0"}, strings)', async () => {
    const cm = byId('evaluation/plots/sklearn/confusion_matrix.json');
    const values = (cm.spec.data as JsonObject).values as JsonObject[];
    assert.deepEqual(Object.keys(values[0]).sort(), ['actual', 'predicted', 'rev']);
    const svg = await specToSvg(cm.spec);
    const t = texts(svg);
    assert.ok(t.includes('actual') && t.includes('predicted'));
    assert.ok(t.includes('workspace') && t.includes('main'), 'a facet per revision');
    assert.ok(t.includes('0') && t.includes('1'), 'class labels');
    // 2×2 cells per revision + the hover layers
    assert.ok((svg.match(/<path[^>]*d="M[^"]*h[0-9.]+v[0-9.]+h-[0-9.]+Z"/g) ?? []).length >= 8, 'rect cells');
  });

  test('dvclive step series (TSV strings, step index)', async () => {
    const p = byId('evaluation/plots/metrics/avg_prec.tsv');
    assert.deepEqual((p.spec.data as JsonObject).values, [
      { step: 0, avg_prec: '0.9126', rev: 'workspace' },
      { step: 0, avg_prec: '0.8874', rev: 'main' },
    ]);
    const t = texts(await specToSvg(p.spec));
    assert.ok(t.includes('avg_prec') && t.includes('step'));
  });

  test('an empty spec (no data) is a clear error', async () => {
    await assert.rejects(specToSvg({}), /no data to render/);
  });

  test('withFont: sets config.font, keeps other config and a font the spec names', () => {
    assert.deepEqual(withFont({ config: { axis: { grid: false } } }).config, { axis: { grid: false }, font: FONT_FAMILY });
    assert.deepEqual(withFont({ config: { font: 'Lato' } }).config, { font: 'Lato' });
    const orig = { mark: 'point' };
    withFont(orig);
    assert.deepEqual(orig, { mark: 'point' }, 'input untouched');
  });
});

describe('PNG', () => {
  test('non-blank, and the text is drawn (font bundled, no system fonts)', async () => {
    const roc = byId('evaluation/plots/sklearn/roc.json');
    const svg = await specToSvg(roc.spec);
    const png = await svgToPng(svg);
    const { width, height } = decodePng(png);
    assert.ok(width > 600 && height > 500, `${width}x${height} at zoom 2`);
    const noText = await svgToPng(svg.replace(/<text[^>]*>[^<]*<\/text>/g, ''));
    assert.ok(nonWhite(png) > 10_000, 'non-blank');
    const withText = darkPixels(png);
    const without = darkPixels(noText);
    assert.ok(withText > without + 2_000, `text adds dark pixels: ${withText} vs ${without}`);
  });

  test('specToPng and scale', async () => {
    const spec = byId('evaluation/plots/prc.json').spec;
    const one = decodePng(await specToPng(spec, { scale: 1 }));
    const two = decodePng(await specToPng(spec));
    assert.equal(two.width, one.width * 2);
    assert.equal(two.height, one.height * 2);
  });
});
