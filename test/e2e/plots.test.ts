/**
 * `keel plots show | diff | modify | templates` end to end with the built CLI, on the guide's
 * evaluate stage (test/fixtures/plots-e2e/evaluate.js writes the dvclive layout: PR curve, ROC,
 * confusion-matrix records, importance.png). The guide's steps: `plots modify` ×3 gives the
 * guide's dvc.yaml, baseline committed on main, params changed, repro, `plots diff` → HTML with
 * both revisions overlaid (HEAD's importance.png comes from the DVC cache), rendered in headless
 * Chromium offline; `--png` images, `--json`, `--show-vega` (the guide's CI report command),
 * templates, a custom template in .dvc/plots/ and a top-level plot combining two files.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { keel, keelOk } from '../helpers/cli.js';
import { pngStats } from '../helpers/png.js';
import { cleanup, commitAll, git, writeFiles } from '../helpers/git.js';
import { keelRepo } from '../helpers/repo.js';
import { chromiumSkip, launchChromium } from '../helpers/chromium.js';
import { parseYaml } from '../../src/util/yaml.js';

const FIX = fileURLToPath(new URL('../fixtures/plots-e2e/', import.meta.url));
const EVALUATE = fs.readFileSync(path.join(FIX, 'evaluate.js'), 'utf8');

const PRC = 'evaluation/plots/prc.json';
const ROC = 'evaluation/plots/sklearn/roc.json';
const CM = 'evaluation/plots/sklearn/confusion_matrix.json';
const IMP = 'evaluation/plots/importance.png';

/** dvc.yaml after the guide's `dvc stage add -n evaluate … --plots-no-cache … --plots importance.png`. */
const STAGE_ADDED = `stages:
  evaluate:
    cmd: node evaluate.js
    deps:
    - evaluate.js
    params:
    - train.quality
    metrics:
    - evaluation/metrics.json:
        cache: false
    plots:
    - ${IMP}
    - ${PRC}:
        cache: false
    - ${CM}:
        cache: false
    - ${ROC}:
        cache: false
`;

/** The guide's "Resulting evaluate stage" after its three `dvc plots modify` commands. */
const GUIDE_DVC_YAML = fs.readFileSync(path.join(FIX, 'dvc.yaml'), 'utf8');

const read = (dir: string, rel: string): string => fs.readFileSync(path.join(dir, rel), 'utf8');

/** The vega-lite specs embedded in a page, by plot id. */
function pageSpecs(html: string): Map<string, { data: { values: Record<string, unknown>[] } } & Record<string, unknown>> {
  const out = new Map();
  for (const m of html.matchAll(/data-keel-spec="([^"]+)" data-keel-mode="[^"]+" data-keel-id="([^"]+)"/g)) {
    const island = new RegExp(`<script type="application/json" id="${m[1]}">([\\s\\S]*?)</script>`).exec(html);
    assert.ok(island, `spec island of ${m[2]}`);
    out.set(m[2], JSON.parse(island[1]));
  }
  return out;
}

/** The guide's repository: stage added, plots modified, baseline on main, params changed, repro'd. */
function guideRepo(): string {
  const dir = keelRepo({ 'evaluate.js': EVALUATE, 'params.yaml': 'train:\n  quality: 0.7\n', 'dvc.yaml': STAGE_ADDED });
  writeFiles(dir, { '.gitignore': 'dvc_plots\n' });
  keelOk(dir, ['repro']);
  return dir;
}

describe('plots on the guide pipeline', () => {
  let dir: string;
  before(() => {
    dir = guideRepo();
  });
  after(() => cleanup(dir));

  test("plots modify ×3 (the guide's commands) writes the guide's dvc.yaml", () => {
    for (const args of [
      [PRC, '-x', 'recall', '-y', 'precision'],
      [ROC, '-x', 'fpr', '-y', 'tpr'],
      [CM, '-x', 'actual', '-y', 'predicted', '-t', 'confusion'],
    ]) {
      const r = keelOk(dir, ['plots', 'modify', ...args]);
      assert.equal(r.stdout, "Modifying stage 'evaluate' in 'dvc.yaml'\n");
    }
    assert.equal(read(dir, 'dvc.yaml'), GUIDE_DVC_YAML);
    // the same props again: nothing to write
    assert.equal(keelOk(dir, ['plots', 'modify', PRC, '-x', 'recall']).stdout, '');
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n', 'plot props do not touch dvc.lock');
    // baseline on main, then the guide's Step 5 change
    commitAll(dir, 'Set the baseline model metrics and parameters');
    writeFiles(dir, { 'params.yaml': 'train:\n  quality: 0.85\n' });
    keelOk(dir, ['repro']);
    assert.ok(!git(dir, 'ls-files', IMP), 'importance.png is DVC-cached, not in git');
  });

  test('plots diff (tracked files modified) → HEAD vs workspace overlaid in each chart, offline page', () => {
    const r = keelOk(dir, ['plots', 'diff']);
    const index = path.join(dir, 'dvc_plots', 'index.html');
    assert.equal(r.stdout, `file://${index}\n`);
    const html = fs.readFileSync(index, 'utf8');
    const specs = pageSpecs(html);
    assert.deepEqual([...specs.keys()], [PRC, CM, ROC], "vega plots in dvc.yaml's order");
    for (const [id, spec] of specs) {
      const revs = new Set(spec.data.values.map((d) => d.rev));
      assert.deepEqual([...revs], ['workspace', 'HEAD'], `${id}: both revisions, workspace first`);
    }
    const prc = specs.get(PRC)!;
    const enc = prc.encoding as Record<string, unknown>;
    assert.deepEqual(enc.x, { field: 'recall', type: 'quantitative', title: 'recall' });
    assert.deepEqual(enc.color, { field: 'rev', scale: { domain: ['workspace', 'HEAD'], range: ['#945dd6', '#13adc7'] } });
    const layer = (prc.layer as { encoding: Record<string, unknown> }[])[0];
    assert.deepEqual(layer.encoding.y, { field: 'precision', type: 'quantitative', title: 'precision', scale: { zero: false } });
    assert.deepEqual(prc.title, { text: PRC, anchor: 'middle' });
    // the PR curves differ between the revisions (the model changed)
    const curve = (rev: string) => JSON.stringify(prc.data.values.filter((d) => d.rev === rev).map((d) => [d.recall, d.precision]));
    assert.notEqual(curve('workspace'), curve('HEAD'));
    // importance.png: workspace file and HEAD's from the cache, as data: URIs
    assert.match(html, /<figcaption>workspace<\/figcaption><img src="data:image\/png;base64,/);
    assert.match(html, /<figcaption>HEAD<\/figcaption><img src="data:image\/png;base64,/);
    const imgs = [...html.matchAll(/<img src="data:image\/png;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1], 'base64'));
    assert.equal(imgs.length, 2);
    assert.notDeepEqual(imgs[0], imgs[1], 'two different importance charts');
    const cached = fs.readFileSync(path.join(dir, IMP));
    assert.ok(imgs.some((b) => b.equals(cached)));
    // self-contained: no remote script, style, link or image
    const markup = html.replace(/<script>[\s\S]*?<\/script>/g, '<script></script>');
    assert.doesNotMatch(markup, /\b(?:src|href)\s*=\s*["']?(?!data:)[a-z]+:/i);
    assert.doesNotMatch(markup, /<link\b|<script[^>]+src=/i);
  });

  test('plots diff main workspace, and one rev (= [rev, workspace]) label revisions as typed', () => {
    for (const args of [['main', 'workspace'], ['main']]) {
      const r = keelOk(dir, ['plots', 'diff', ...args, '--json']);
      const data = JSON.parse(r.stdout).data;
      assert.deepEqual(data[ROC][0].revisions, ['workspace', 'main']);
    }
  });

  test('the page renders in headless Chromium: every plot drawn, no console error, no network request', { skip: chromiumSkip() }, async () => {
    keelOk(dir, ['plots', 'diff', 'HEAD']);
    const html = read(dir, 'dvc_plots/index.html');
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
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
      await p.setContent(html, { waitUntil: 'load', timeout: 15_000 });
      await p.waitForFunction(
        () => document.querySelectorAll('.plot-error').length > 0 || document.querySelectorAll('div[data-keel-spec] svg.marks').length === 3,
        undefined,
        { timeout: 15_000 },
      );
      const result = await p.evaluate(() => ({
        plots: [...document.querySelectorAll('div[data-keel-spec]')].map((el) => {
          const r = el.querySelector('svg')?.getBoundingClientRect();
          return {
            id: el.getAttribute('data-keel-id'),
            error: el.classList.contains('plot-error') ? el.textContent : null,
            w: r?.width ?? 0,
            h: r?.height ?? 0,
            marks: el.querySelectorAll('.role-mark').length,
            texts: [...el.querySelectorAll('text')].map((t) => t.textContent),
          };
        }),
        images: [...document.querySelectorAll('img')].map((i) => ({ ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth })),
        headings: [...document.querySelectorAll('h2')].map((h) => h.textContent),
      }));
      assert.deepEqual(result.headings, [PRC, CM, ROC, IMP]);
      assert.equal(result.plots.length, 3);
      for (const r of result.plots) {
        assert.equal(r.error, null, `${r.id}: ${r.error}`);
        assert.ok(r.w > 100 && r.h > 100, `${r.id} has size ${r.w}x${r.h}`);
        assert.ok(r.marks > 0, `${r.id} has marks`);
        assert.ok(r.texts.includes('workspace') && r.texts.includes('HEAD'), `${r.id} shows both revisions: ${r.texts.join('|')}`);
      }
      assert.deepEqual(result.images, [
        { ok: true, w: 240 },
        { ok: true, w: 240 },
      ]);
      assert.deepEqual(errors, [], 'console errors');
      assert.deepEqual(requests, [], 'network requests');
      await context.close();
    } finally {
      await browser?.close();
    }
  });

  test('plots show --png: one non-blank PNG with text per plot, listed; wall time', (t) => {
    const t0 = performance.now();
    const r = keelOk(dir, ['plots', 'show', '--png']);
    const ms = performance.now() - t0;
    t.diagnostic(`keel plots show --png (3 vega plots + 1 image): ${ms.toFixed(0)} ms`);
    const names = [
      'evaluation_plots_prc.json.png',
      'evaluation_plots_sklearn_confusion_matrix.json.png',
      'evaluation_plots_sklearn_roc.json.png',
    ];
    assert.equal(
      r.stdout,
      [`file://${path.join(dir, 'dvc_plots/index.html')}`, 'dvc_plots/workspace_evaluation_plots_importance.png', ...names.map((n) => `dvc_plots/${n}`), ''].join('\n'),
    );
    for (const n of names) {
      const s = pngStats(path.join(dir, 'dvc_plots', n));
      assert.ok(s.width >= 500 && s.height >= 500, `${n}: ${s.width}x${s.height}`);
      assert.ok(s.colours > 20, `${n}: ${s.colours} colours, not blank`);
      assert.ok(s.dark > 1500, `${n}: ${s.dark} near-black pixels (axis titles, labels)`);
      assert.ok(s.darkTitle > 200, `${n}: the title is drawn (${s.darkTitle} dark pixels in the top band)`);
    }
    assert.ok(fs.readFileSync(path.join(dir, 'dvc_plots/workspace_evaluation_plots_importance.png')).equals(fs.readFileSync(path.join(dir, IMP))));
    assert.ok(ms < 10_000, `plots show --png took ${ms.toFixed(0)} ms`);
    // --svg: the same plots as SVG documents with their text
    const svg = keelOk(dir, ['plots', 'show', PRC, '--svg', '-o', 'svgs']);
    assert.match(svg.stdout, /svgs\/evaluation_plots_prc\.json\.svg\n$/);
    const doc = read(dir, 'svgs/evaluation_plots_prc.json.svg');
    assert.match(doc, /^<svg /);
    assert.match(doc, /<text[^>]*>evaluation\/plots\/prc\.json<\/text>/);
    assert.match(doc, /<text[^>]*>recall<\/text>/);
  });

  test('--json: DVC\'s shape (vega content + revisions, images written to the out dir, errors)', () => {
    const r = keelOk(dir, ['plots', 'diff', 'HEAD', '--json']);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(doc), ['data']);
    assert.deepEqual(Object.keys(doc.data), [IMP, PRC, CM, ROC]);
    for (const id of [PRC, CM, ROC]) {
      assert.equal(doc.data[id].length, 1);
      const e = doc.data[id][0];
      assert.deepEqual(Object.keys(e), ['type', 'revisions', 'content']);
      assert.equal(e.type, 'vega');
      assert.deepEqual(e.revisions, ['workspace', 'HEAD']);
      assert.equal(e.content.$schema, 'https://vega.github.io/schema/vega-lite/v5.json');
      assert.equal(e.content.title.text, id);
    }
    assert.equal(doc.data[CM][0].content.facet.column.field, 'rev', 'confusion template');
    const imgs = doc.data[IMP];
    assert.deepEqual(
      imgs.map((i: { revisions: string[]; url: string }) => [i.revisions, i.url]),
      [
        [['workspace'], path.join(dir, 'dvc_plots', 'workspace_evaluation_plots_importance.png')],
        [['HEAD'], path.join(dir, 'dvc_plots', 'HEAD_evaluation_plots_importance.png')],
      ],
    );
    for (const i of imgs) assert.ok(fs.statSync(i.url).size > 100);
    // --split keeps the anchors apart
    const split = JSON.parse(keelOk(dir, ['plots', 'show', PRC, '--json', '--split']).stdout).data[PRC][0];
    assert.equal(split.content.data.values, '<DVC_METRIC_DATA>');
    assert.equal(split.anchor_definitions['<DVC_METRIC_DATA>'].length > 10, true);
    // a missing file is an error entry, the rest still renders
    fs.renameSync(path.join(dir, ROC), path.join(dir, 'roc.bak'));
    try {
      const e = JSON.parse(keelOk(dir, ['plots', 'show', '--json']).stdout);
      assert.deepEqual(e.errors, [
        { name: ROC, rev: 'workspace', source: ROC, type: 'FileNotFoundError', msg: `No such file or directory: '${ROC}'` },
      ]);
      assert.deepEqual(e.data[ROC], []);
      const h = keelOk(dir, ['plots', 'show']);
      assert.match(h.stderr, /failed to load some plots for following revisions: 'workspace'\./);
    } finally {
      fs.renameSync(path.join(dir, 'roc.bak'), path.join(dir, ROC));
    }
  });

  test("--show-vega: the guide's CI report command prints one spec", () => {
    const r = keelOk(dir, ['plots', 'diff', '--target', PRC, '-x', 'recall', '-y', 'precision', '--show-vega', 'main']);
    const spec = JSON.parse(r.stdout);
    assert.equal(spec.title.text, PRC);
    assert.deepEqual(spec.encoding.color.scale.domain, ['workspace', 'main']);
    assert.deepEqual([...new Set(spec.data.values.map((d: { rev: string }) => d.rev))], ['workspace', 'main']);
    const cm = JSON.parse(
      keelOk(dir, ['plots', 'diff', '--targets', CM, '--template', 'confusion', '-x', 'actual', '-y', 'predicted', '--show-vega', 'main']).stdout,
    );
    assert.equal(cm.facet.column.field, 'rev');
    const none = keel(dir, ['plots', 'show', '--show-vega']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /please specify a target for `--show-vega`/);
    assert.match(keel(dir, ['plots', 'show', PRC, ROC, '--show-vega']).stderr, /only specify one target/);
    assert.match(keel(dir, ['plots', 'show', PRC, '--show-vega', '--json']).stderr, /mutually exclusive/);
  });

  test('command-line props override the definition: -x/-y/--title/--x-label/-t', () => {
    const r = keelOk(dir, ['plots', 'show', ROC, '-x', 'threshold', '-y', 'fpr', '--title', 'FPR by threshold', '--x-label', 'cut', '-t', 'scatter', '--show-vega']);
    const spec = JSON.parse(r.stdout);
    assert.equal(spec.title.text, 'FPR by threshold');
    assert.equal(spec.mark.type, 'point');
    assert.deepEqual([spec.encoding.x.field, spec.encoding.x.title, spec.encoding.y.field, spec.encoding.y.title], ['threshold', 'cut', 'fpr', 'fpr']);
    const bad = keel(dir, ['plots', 'show', ROC, '-t', 'no-such-template']);
    assert.equal(bad.code, 7);
    assert.match(bad.stderr, /Template 'no-such-template' not found/);
  });

  test('plots templates lists the built-ins and dumps one', () => {
    const names = keelOk(dir, ['plots', 'templates']).stdout.trim().split('\n');
    assert.ok(names.length >= 8);
    for (const n of ['simple', 'linear', 'confusion', 'confusion_normalized', 'scatter', 'smooth', 'bar_horizontal', 'bar_horizontal_sorted'])
      assert.ok(names.includes(n), n);
    const linear = JSON.parse(keelOk(dir, ['plots', 'templates', 'linear']).stdout);
    assert.equal(linear.$schema, 'https://vega.github.io/schema/vega-lite/v5.json');
    assert.equal(linear.data.values, '<DVC_METRIC_DATA>');
    const bad = keel(dir, ['plots', 'templates', 'nope']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Unexpected template: nope\./);
  });

  test('a custom template in .dvc/plots/ and a top-level plot combining two files', () => {
    writeFiles(dir, {
      '.dvc/plots/points.json': JSON.stringify({
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        data: { values: '<DVC_METRIC_DATA>' },
        title: '<DVC_METRIC_TITLE>',
        mark: { type: 'point', tooltip: true },
        encoding: {
          x: { field: '<DVC_METRIC_X>', type: 'quantitative', title: '<DVC_METRIC_X_LABEL>' },
          y: { field: '<DVC_METRIC_Y>', type: 'quantitative', title: '<DVC_METRIC_Y_LABEL>' },
          color: { field: 'rev', type: 'nominal' },
          shape: { field: 'field', type: 'nominal' },
        },
      }),
    });
    fs.appendFileSync(
      path.join(dir, 'dvc.yaml'),
      `plots:
- Precision and TPR by threshold:
    x: threshold
    y:
      ${PRC}: precision
      ${ROC}: tpr
    template: points
    y_label: rate
`,
    );
    try {
      const doc = JSON.parse(keelOk(dir, ['plots', 'show', '--json']).stdout);
      const ids = Object.keys(doc.data);
      assert.equal(ids[0], 'Precision and TPR by threshold', 'top-level definitions come first');
      const c = doc.data[ids[0]][0].content;
      assert.equal(c.mark.type, 'point', 'the custom template');
      assert.equal(c.encoding.y.field, 'dvc_inferred_y_value');
      assert.equal(c.encoding.y.title, 'rate');
      const fields = new Set(c.data.values.map((d: { field: string }) => d.field));
      assert.deepEqual([...fields].sort(), ['precision', 'tpr'], 'both files in one plot');
      const prc = JSON.parse(read(dir, PRC)).prc.length;
      const roc = JSON.parse(read(dir, ROC)).roc.length;
      assert.equal(c.data.values.length, prc + roc);
      // a target selects it by name (a regex, as DVC matches targets); a PNG of it renders
      const r = keelOk(dir, ['plots', 'show', 'Precision and TPR.*', '--png', '-o', 'combined']);
      assert.match(r.stdout, /combined\/Precision_and_TPR_by_threshold\.png\n$/);
      assert.ok(pngStats(path.join(dir, 'combined/Precision_and_TPR_by_threshold.png')).dark > 1000);
      // from a subdirectory: paths are relative to it, plot names work as typed
      const sub = path.join(dir, 'evaluation');
      assert.deepEqual(Object.keys(JSON.parse(keelOk(sub, ['plots', 'show', 'plots/prc.json', '--json']).stdout).data), [PRC]);
      assert.deepEqual(Object.keys(JSON.parse(keelOk(sub, ['plots', 'show', 'Precision and TPR.*', '--json']).stdout).data), [ids[0]]);
      // -t with a custom template name on any plot
      const spec = JSON.parse(keelOk(dir, ['plots', 'show', ROC, '-t', 'points', '--show-vega']).stdout);
      assert.equal(spec.mark.type, 'point');
    } finally {
      git(dir, 'checkout', '--', 'dvc.yaml');
    }
  });

  test('-o and plots.out_dir choose the output dir (relative to the cwd)', () => {
    keelOk(dir, ['config', 'plots.out_dir', 'reports/plots']);
    try {
      const r = keelOk(dir, ['plots', 'show']);
      assert.equal(r.stdout, `file://${path.join(dir, 'reports/plots/index.html')}\n`);
      const sub = keelOk(path.join(dir, 'evaluation'), ['plots', 'show', '-o', 'here']);
      assert.equal(sub.stdout, `file://${path.join(dir, 'evaluation/here/index.html')}\n`);
      assert.ok(fs.existsSync(path.join(dir, 'evaluation/here/index.html')));
    } finally {
      keelOk(dir, ['config', '--unset', 'plots.out_dir']);
      fs.rmSync(path.join(dir, 'evaluation/here'), { recursive: true, force: true });
    }
    // --open never fails the command
    const o = keelOk(dir, ['plots', 'show', '--open']);
    assert.match(o.stdout, /^file:\/\/.*index\.html\n/);
  });

  test('two git revisions (branches): plots diff main better; a clean tree shows the workspace alone', () => {
    git(dir, 'checkout', '-q', '-b', 'better');
    commitAll(dir, 'I did improve the model performance');
    const both = JSON.parse(keelOk(dir, ['plots', 'diff', 'main', 'better', '--json']).stdout).data;
    assert.deepEqual(both[PRC][0].revisions, ['main', 'better']);
    assert.deepEqual(
      both[IMP].map((i: { revisions: string[] }) => i.revisions[0]),
      ['main', 'better'],
      "both revisions' importance.png read from the cache",
    );
    const clean = JSON.parse(keelOk(dir, ['plots', 'diff', '--json']).stdout).data;
    assert.deepEqual(clean[PRC][0].revisions, ['workspace']);
    const bad = keel(dir, ['plots', 'diff', 'no-such-rev']);
    assert.equal(bad.code, 16);
    assert.match(bad.stderr, /unknown Git revision 'no-such-rev'/);
  });
});

describe('plots modify', () => {
  const YAML = `# the pipeline
stages:
  prep:
    cmd: node -e "1"
    deps:
    - in.csv
    outs:
    - data.csv
    - z.csv:
        cache: false
  train:  # trains
    cmd: node -e "2"
    plots:
    - loss.csv:
        cache: false
        x: step
        header: false
        y: loss
# trailing comment
`;
  test('turns an output into a plot, sets and unsets props; other stages and comments stay', () => {
    const dir = keelRepo({ 'dvc.yaml': YAML });
    try {
      keelOk(dir, ['plots', 'modify', 'data.csv', '-x', 'a', '-y', 'b', '--title', 'T']);
      // DVC's to_pipeline_file + apply_diff: outs shrink, the new `plots` key goes last
      assert.equal(
        read(dir, 'dvc.yaml'),
        `# the pipeline
stages:
  prep:
    cmd: node -e "1"
    deps:
    - in.csv
    outs:
    - z.csv:
        cache: false
    plots:
    - data.csv:
        x: a
        y: b
        title: T
  train:  # trains
    cmd: node -e "2"
    plots:
    - loss.csv:
        cache: false
        x: step
        header: false
        y: loss
# trailing comment
`,
      );
      // existing keys keep their place, new ones go last; --unset takes several names
      keelOk(dir, ['plots', 'modify', 'loss.csv', '--unset', 'header', 'x', '-y', 'val_loss', '--x-label', 'epoch', '--no-header']);
      assert.match(
        read(dir, 'dvc.yaml'),
        /\n {2}train:\n {4}cmd: node -e "2"\n {4}plots:\n {4}- loss\.csv:\n {8}cache: false\n {8}header: false\n {8}y: val_loss\n {8}x_label: epoch\n# trailing comment\n$/,
      );
      // unsetting every prop leaves a plain plot
      keelOk(dir, ['plots', 'modify', 'data.csv', '--unset', 'x', '--unset', 'y', '--unset', 'title']);
      assert.match(read(dir, 'dvc.yaml'), /\n {4}plots:\n {4}- data\.csv\n {2}train:/);
      // errors
      const notPlot = keel(dir, ['plots', 'modify', 'z.csv', '--unset', 'x']);
      assert.equal(notPlot.code, 2);
      assert.match(notPlot.stderr, /'z\.csv' is not a known plot/);
      const missing = keel(dir, ['plots', 'modify', 'nope.csv', '-x', 'a']);
      assert.equal(missing.code, 7);
      assert.match(missing.stderr, /Unable to find DVC file with output 'nope\.csv'/);
      const tpl = keel(dir, ['plots', 'modify', 'data.csv', '-t', 'nope']);
      assert.equal(tpl.code, 7);
      assert.match(tpl.stderr, /Template 'nope' not found/);
      const prop = keel(dir, ['plots', 'modify', 'data.csv', '--unset', 'colour']);
      assert.match(prop.stderr, /unknown plot property 'colour'/);
    } finally {
      cleanup(dir);
    }
  });

  test('a file indented its own way: only the stage is rewritten (in DVC\'s style), the rest stays byte for byte', () => {
    const four = `stages:
    a:
        cmd: node -e "1"
        plots:
        - p.json
    b:   # keep me
        cmd: node -e "2"
        outs:
        - o.txt
`;
    const dir = keelRepo({ 'dvc.yaml': four });
    try {
      keelOk(dir, ['plots', 'modify', 'p.json', '-x', 'epoch']);
      const text = read(dir, 'dvc.yaml');
      assert.ok(text.endsWith(four.slice(four.indexOf('    b:'))), text);
      assert.deepEqual(parseYaml(text, 'dvc.yaml'), {
        stages: { a: { cmd: 'node -e "1"', plots: [{ 'p.json': { x: 'epoch' } }] }, b: { cmd: 'node -e "2"', outs: ['o.txt'] } },
      });
    } finally {
      cleanup(dir);
    }
  });

  test('a templated (foreach) stage is refused, as DVC refuses to dump it', () => {
    const dir = keelRepo({
      'dvc.yaml': `stages:
  eval:
    foreach: [a, b]
    do:
      cmd: node -e "1"
      plots:
      - \${item}.csv
`,
    });
    try {
      const r = keel(dir, ['plots', 'modify', 'a.csv', '-x', 'step']);
      assert.equal(r.code, 15);
      assert.match(r.stderr, /cannot dump a parametrized stage: 'eval@a'/);
    } finally {
      cleanup(dir);
    }
  });
});

describe('plots without plots', () => {
  test('no commits / no definitions: nothing written, DVC\'s message; missing target is a source error', () => {
    const dir = keelRepo({});
    try {
      const r = keelOk(dir, ['plots', 'diff']);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, 'No plots were loaded, visualization file will not be created.\n');
      assert.equal(keelOk(dir, ['plots', 'diff', '--json']).stdout, '{}\n');
      assert.ok(!fs.existsSync(path.join(dir, 'dvc_plots')));
      commitAll(dir, 'init');
      writeFiles(dir, { 'loss.csv': 'step,loss\n0,1.0\n1,0.5\n2,0.25\n' });
      // a plain file target needs no definition (CSV: strings, plotted as numbers)
      const s = JSON.parse(keelOk(dir, ['plots', 'show', 'loss.csv', '--show-vega']).stdout);
      // CSV values stay strings; without -x DVC's own `step` index replaces the column
      assert.deepEqual(s.data.values.map((d: { loss: string; step: number }) => [d.step, d.loss]), [[0, '1.0'], [1, '0.5'], [2, '0.25']]);
      assert.equal(s.encoding.x.field, 'step');
      assert.equal(s.layer[0].encoding.y.field, 'loss');
      const miss = keelOk(dir, ['plots', 'show', 'missing.csv']);
      assert.match(miss.stderr, /workspace: No such file or directory: 'missing\.csv'/);
    } finally {
      cleanup(dir);
    }
  });
});
