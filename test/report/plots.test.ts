// Plot specs as DVC builds them: converter, matcher and template filling, checked against
// golden output of DVC's own code (test/fixtures/plots/golden.json, see its README) and against
// dvc-render's / DVC's unit-test vectors.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePlotFile } from '../../src/report/plotdata.js';
import {
  buildPlots,
  flatDatapoints,
  groupDefinitionsById,
  inferDataSources,
  normPath,
  resolveTopLevelPlot,
  plotToJson,
  type PlotSource,
  type RevisionPlots,
  type VegaPlot,
} from '../../src/report/render/plots.js';
import {
  anchor,
  ANCHOR_RANGES,
  builtinTemplate,
  fillAnchor,
  fillTemplate,
  hasAnchor,
  parseTemplate,
  TEMPLATE_NAMES,
  type JsonObject,
} from '../../src/report/render/templates.js';
import { FileFormatError, NotFoundError, UsageError } from '../../src/errors/index.js';
import { loadTemplate, templateCandidates } from '../../src/report/render/templates.js';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIX = fileURLToPath(new URL('../fixtures/plots/', import.meta.url));

interface GoldenFile {
  text?: string;
  header?: boolean;
  image_b64?: string;
  error?: string;
}
interface GoldenCase {
  name: string;
  split?: string[];
  revisions: { rev: string; definitions: RevisionPlots['definitions']; files: Record<string, GoldenFile> }[];
  expected: {
    type: 'vega' | 'image';
    name: string;
    revs?: string[];
    properties?: Record<string, unknown>;
    content?: JsonObject;
    images?: { rev: string; filename: string; src: string }[];
    split?: { content: JsonObject; anchor_definitions: Record<string, unknown> };
    source_errors: Record<string, string[]>;
    definition_errors: Record<string, string>;
  }[];
}

const golden: GoldenCase[] = JSON.parse(readFileSync(join(FIX, 'golden.json'), 'utf8'));

function toRevisions(c: GoldenCase): RevisionPlots[] {
  return c.revisions.map((r) => {
    const sources: Record<string, PlotSource> = {};
    for (const [path, f] of Object.entries(r.files)) {
      if (f.error) sources[path] = { error: new Error(f.error) };
      else if (f.image_b64) sources[path] = parsePlotFile(path, Buffer.from(f.image_b64, 'base64'));
      else sources[path] = parsePlotFile(path, Buffer.from(f.text as string, 'utf8'), { header: f.header });
    }
    return { rev: r.rev, definitions: r.definitions, sources };
  });
}

describe('golden: same specs as DVC 3 + dvc-render 1.0', () => {
  for (const c of golden) {
    test(c.name, () => {
      const split = new Set(c.split ?? []);
      const results = buildPlots(toRevisions(c));
      const splitResults = split.size ? buildPlots(toRevisions(c), { split: true }) : [];
      assert.deepEqual(
        results.map((r) => r.id),
        c.expected.map((e) => e.name),
        'plot ids and their order',
      );
      c.expected.forEach((exp, i) => {
        const got = results[i];
        assert.equal(got.type, exp.type, exp.name);
        assert.deepEqual(
          got.sourceErrors.reduce<Record<string, string[]>>((acc, e) => ((acc[e.rev] ??= []).push(e.source as string), acc), {}),
          exp.source_errors,
          `${exp.name}: source errors`,
        );
        const defErrors = Object.fromEntries(got.definitionErrors.map((e) => [e.rev, e.error.message]));
        for (const [rev, msg] of Object.entries(exp.definition_errors)) {
          assert.ok(rev in defErrors, `${exp.name}: expected an error for ${rev}: ${msg}`);
          if (msg.startsWith('Could not find') || msg.startsWith('Cannot')) assert.equal(defErrors[rev], msg);
        }
        assert.deepEqual(Object.keys(defErrors).sort(), Object.keys(exp.definition_errors).sort());
        if (got.type === 'vega') {
          assert.deepEqual(got.spec, exp.content, `${exp.name}: filled template`);
          assert.deepEqual(got.revisions, exp.revs, `${exp.name}: revisions`);
          assert.deepEqual(got.properties, exp.properties, `${exp.name}: properties`);
          // key order of the spec matters for byte-compatible --show-vega output
          assert.equal(JSON.stringify(got.spec), JSON.stringify(exp.content), `${exp.name}: key order`);
          if (exp.split) {
            const s = splitResults[i] as VegaPlot;
            assert.deepEqual(s.spec, exp.split.content, `${exp.name}: split content`);
            assert.deepEqual(s.anchorDefinitions, exp.split.anchor_definitions, `${exp.name}: anchor definitions`);
          }
        } else {
          assert.deepEqual(
            plotToJson(got).map((j) => j.url),
            (exp.images ?? []).map((im) => im.src),
          );
          assert.deepEqual(
            got.images.map((im) => [im.rev, im.filename]),
            (exp.images ?? []).map((im) => [im.rev, im.filename]),
          );
        }
      });
    });
  }
});

// Vectors from DVC's tests/unit/render/test_vega_converter.py::test_convert
describe('converter (DVC test_convert vectors)', () => {
  const R = 'r';
  const cases: [string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>[], Record<string, unknown>][] = [
    [
      'default_x_y',
      { f: { metric: [{ v: 1 }, { v: 2 }] } },
      {},
      [
        { v: 1, step: 0, rev: R, filename: 'f', field: 'v' },
        { v: 2, step: 1, rev: R, filename: 'f', field: 'v' },
      ],
      { anchors_y_definitions: [{ filename: 'f', field: 'v' }], x: 'step', y: 'v', x_label: 'step', y_label: 'v' },
    ],
    [
      'find_in_nested_structure',
      { f: { some: 'noise', very: { nested: { metric: [{ v: 1, v2: 0.1 }, { v: 2, v2: 0.2 }] } } } },
      { x: 'v', y: 'v2', x_label: 'x', y_label: 'y' },
      [
        { v: 1, v2: 0.1, rev: R, filename: 'f', field: 'v2' },
        { v: 2, v2: 0.2, rev: R, filename: 'f', field: 'v2' },
      ],
      { anchors_y_definitions: [{ filename: 'f', field: 'v2' }], x: 'v', y: 'v2', x_label: 'x', y_label: 'y' },
    ],
    [
      'multi_source_json',
      { f: { metric: [{ v: 1 }, { v: 2 }], other_metric: [{ z: 3 }, { z: 4 }] } },
      { y: { f: ['v', 'z'] } },
      [
        { dvc_inferred_y_value: 1, z: 3, v: 1, step: 0, rev: R, filename: 'f', field: 'v' },
        { dvc_inferred_y_value: 2, z: 4, v: 2, step: 1, rev: R, filename: 'f', field: 'v' },
        { dvc_inferred_y_value: 3, v: 1, z: 3, step: 0, rev: R, filename: 'f', field: 'z' },
        { dvc_inferred_y_value: 4, v: 2, z: 4, step: 1, rev: R, filename: 'f', field: 'z' },
      ],
      {
        anchors_y_definitions: [
          { filename: 'f', field: 'v' },
          { filename: 'f', field: 'z' },
        ],
        x: 'step',
        y: 'dvc_inferred_y_value',
        y_label: 'y',
        x_label: 'step',
      },
    ],
    [
      'multi_file_y_same_prefix',
      { 'dir/f': { metric: [{ v: 1, v2: 0.1 }] }, 'dir/f2': { metric: [{ v: 1, v2: 0.1 }] } },
      { y: { 'dir/f': ['v2'], 'dir/f2': ['v2'] }, x: 'v' },
      [
        { v: 1, v2: 0.1, rev: R, filename: 'f', field: 'v2' },
        { v: 1, v2: 0.1, rev: R, filename: 'f2', field: 'v2' },
      ],
      {
        anchors_y_definitions: [
          { filename: 'f', field: 'v2' },
          { filename: 'f2', field: 'v2' },
        ],
        x: 'v',
        y: 'v2',
        x_label: 'v',
        y_label: 'v2',
      },
    ],
    [
      'y_list_x_dict',
      { f: { metric: [{ v: 1, v2: 0.1, x1: 100 }, { v: 2, v2: 0.2, x1: 1000 }] }, f2: { metric: [{ x2: -2 }, { x2: -4 }] } },
      { y: ['v', 'v2'], x: { f: 'x1', f2: 'x2' } },
      [
        { dvc_inferred_x_value: 100, dvc_inferred_y_value: 1, v: 1, v2: 0.1, x1: 100, rev: R, filename: 'f', field: 'v' },
        { dvc_inferred_x_value: 1000, dvc_inferred_y_value: 2, v: 2, v2: 0.2, x1: 1000, rev: R, filename: 'f', field: 'v' },
        { dvc_inferred_x_value: -2, dvc_inferred_y_value: 0.1, v: 1, v2: 0.1, x1: 100, rev: R, filename: 'f', field: 'v2' },
        { dvc_inferred_x_value: -4, dvc_inferred_y_value: 0.2, v: 2, v2: 0.2, x1: 1000, rev: R, filename: 'f', field: 'v2' },
      ],
      {
        anchors_y_definitions: [
          { filename: 'f', field: 'v' },
          { filename: 'f', field: 'v2' },
        ],
        x: 'dvc_inferred_x_value',
        y: 'dvc_inferred_y_value',
        x_label: 'x',
        y_label: 'y',
      },
    ],
  ];
  for (const [name, data, props, dps, expectedProps] of cases) {
    test(name, () => {
      const got = flatDatapoints('f', data, props, R);
      assert.deepEqual(got.datapoints, dps);
      const { ...p } = got.properties;
      assert.deepEqual(p, expectedProps);
    });
  }

  test('unequal datapoints / unequal x and y fail', () => {
    assert.throws(
      () => flatDatapoints('f', { f: { metric: [{ v: 1 }, { v: 2 }] }, f2: { metric: [{ v2: 0.1 }] } }, { x: { f: 'v' }, y: { f2: 'v2' } }, R),
      /Cannot join 'v' from 'f' and 'v2' from 'f2'/,
    );
    assert.throws(
      () =>
        flatDatapoints(
          'f',
          { f: { metric: [{ v: 1, v2: 0.1 }, { v: 2, v2: 0.2 }] }, f2: { metric: [{ v: 3, v2: 0.3 }] } },
          { x: { f: 'v', f2: 'v3' }, y: { f: 'v2' } },
          R,
        ),
      (e: unknown) => e instanceof UsageError && /Could not find provided field \('v3'\) in data fields \('v, v2'\)/.test(e.message),
    );
  });

  test('x label inference (test_infer_x_label)', () => {
    const data = { 'actual.csv': [{ actual: 1, y: 1 }], 'predicted.csv': [{ predicted: 1, y: 1 }], 'train_actual.csv': [{ actual: 1, y: 1 }], 'val_actual.csv': [{ actual: 1, y: 1 }] };
    const label = (x: Record<string, string>) =>
      flatDatapoints('f', data, { x, y: Object.fromEntries(Object.keys(x).map((f) => [f, 'y'])) }, R).properties.x_label;
    assert.equal(label({ 'actual.csv': 'actual' }), 'actual');
    assert.equal(label({ 'train_actual.csv': 'actual', 'val_actual.csv': 'actual' }), 'actual');
    assert.equal(label({ 'actual.csv': 'actual', 'predicted.csv': 'predicted' }), 'x');
  });
});

describe('definitions', () => {
  test('group by id: prefixed with the config file only when the id repeats (DVC test_group_definitions)', () => {
    const g = groupDefinitionsById({ config_file_1: { plot_id_1: {}, plot_id_2: {} }, config_file_2: { plot_id_1: {}, plot_id_3: null } });
    assert.deepEqual([...g.keys()], ['config_file_1::plot_id_1', 'config_file_2::plot_id_1', 'plot_id_2', 'plot_id_3']);
    assert.deepEqual(g.get('plot_id_3'), ['plot_id_3', {}]);
  });
  test('data sources', () => {
    assert.deepEqual(inferDataSources('a.json', { x: 'step' }), ['a.json']);
    assert.deepEqual(inferDataSources('p', { y: { 'a.json': 'acc', 'b.json': ['acc', 'loss'] }, x: { 'c.json': 'x', 'd.json': 'x' } }), [
      'a.json',
      'b.json',
      'c.json',
    ]);
  });
  test('top-level plots: path ids vs named plots (_resolve_definitions, _adjust_sources)', () => {
    assert.deepEqual(resolveTopLevelPlot('sub/dvc.yaml', '../logs/acc.tsv', { x: 'step' }), {
      kind: 'path',
      path: 'logs/acc.tsv',
      props: { x: 'step' },
    });
    assert.deepEqual(resolveTopLevelPlot('dvc.yaml', './a.json', null), { kind: 'path', path: 'a.json', props: {} });
    assert.deepEqual(resolveTopLevelPlot('sub/dvc.yaml', 'acc', { x: { 'x.json': 'x' }, y: { 'a.json': 'acc', './b/c.json': ['l'] }, title: 't' }), {
      kind: 'named',
      id: 'acc',
      props: { title: 't', x: { 'sub/x.json': 'x' }, y: { 'sub/a.json': 'acc', 'sub/b/c.json': ['l'] } },
    });
    assert.deepEqual(['a//b/./c/', '../x/../y', '/../a', '//a', '///a', '', 'a/..'].map(normPath), ['a/b/c', '../y', '/a', '//a', '/a', '.', '.']);
  });
  test('workspace goes first; the colour domain follows', () => {
    const rev = (name: string): RevisionPlots => ({
      rev: name,
      definitions: { '': { 'l.json': null } },
      sources: { 'l.json': parsePlotFile('l.json', '[{"loss": 1}, {"loss": 0.5}]') },
    });
    const [p] = buildPlots([rev('main'), rev('workspace')]) as VegaPlot[];
    assert.deepEqual(p.revisions, ['workspace', 'main']);
    const enc = (p.spec.encoding as JsonObject).color as JsonObject;
    assert.deepEqual(enc, { field: 'rev', scale: { domain: ['workspace', 'main'], range: ANCHOR_RANGES.color.slice(0, 2) } });
  });
  test('no data in any revision: empty spec, no JSON entry', () => {
    const [p] = buildPlots([{ rev: 'workspace', definitions: { '': { 'l.json': null } }, sources: {} }]) as VegaPlot[];
    assert.deepEqual(p.spec, {});
    assert.deepEqual(plotToJson(p), []);
  });
});

describe('templates', () => {
  test('the built-ins, in DVC order', () => {
    assert.deepEqual(TEMPLATE_NAMES, [
      'simple',
      'linear',
      'confusion',
      'confusion_normalized',
      'scatter',
      'scatter_jitter',
      'smooth',
      'bar_horizontal_sorted',
      'bar_horizontal',
    ]);
    for (const n of TEMPLATE_NAMES) {
      const t = builtinTemplate(n)!;
      assert.equal(t.content.$schema, 'https://vega.github.io/schema/vega-lite/v5.json');
      assert.ok(hasAnchor(t.content, 'data'), n);
    }
    assert.deepEqual(builtinTemplate('linear')!.content, builtinTemplate('smooth')!.content);
  });

  // dvc-render tests/test_vega.py
  test('default template marks (test_default_template_mark)', () => {
    const c = fillTemplate(builtinTemplate('linear')!, { data: [{ first_val: 100, second_val: 100, val: 2 }] });
    const layer = c.layer as JsonObject[];
    assert.equal(((layer[0].layer as JsonObject[])[0] as JsonObject).mark, 'line');
    assert.deepEqual(layer[1].mark, { type: 'line', opacity: 0.2 });
    assert.deepEqual(layer[2].mark, { type: 'circle', size: 10 });
  });
  test('confusion groupby (test_confusion)', () => {
    const c = fillTemplate(builtinTemplate('confusion')!, {
      data: [
        { predicted: 'B', actual: 'A' },
        { predicted: 'A', actual: 'A' },
      ],
      x: 'predicted',
      y: 'actual',
    });
    const spec = c.spec as JsonObject;
    assert.deepEqual((spec.transform as JsonObject[])[0].groupby, ['actual', 'predicted']);
    assert.equal(((spec.encoding as JsonObject).x as JsonObject).field, 'predicted');
  });
  test('escape special characters in fields, not in titles (test_escape_special_characters)', () => {
    const c = fillTemplate(builtinTemplate('simple')!, {
      data: [{ 'foo.bar[0]': 0, 'foo.bar[1]': 3 }],
      x: 'foo.bar[0]',
      y: 'foo.bar[1]',
    });
    const x = (c.encoding as JsonObject).x as JsonObject;
    assert.equal(x.field, 'foo\\.bar\\[0\\]');
    assert.equal(x.title, 'foo.bar[0]');
    assert.deepEqual((c.data as JsonObject).values, [{ 'foo.bar[0]': 0, 'foo.bar[1]': 3 }]);
  });
  test('anchors inside strings of custom templates (test_fill_anchor_in_string)', () => {
    const t = parseTemplate(
      JSON.stringify({
        data: { values: anchor('data') },
        transform: [{ calculate: 'pow(datum.<DVC_METRIC_Y> - datum.<DVC_METRIC_X>,2)', as: 'SR' }],
        encoding: { x: { field: anchor('x') }, y: { field: anchor('y') } },
      }),
      'custom',
    );
    const c = fillTemplate(t, { data: [{ SR: 'B', lab: 'A' }], x: 'SR', y: 'lab' });
    assert.equal((c.transform as JsonObject[])[0].calculate, 'pow(datum.lab - datum.SR,2)');
  });
  test('a template without the data anchor is rejected (test_bad_template_on_missing_data)', () => {
    for (const bad of [{ data: { values: 'BAD_ANCHOR' } }, { repeat: ['q'], spec: { data: { values: 'BAD' } } }]) {
      assert.throws(() => fillTemplate(parseTemplate(JSON.stringify(bad), 'bar'), { data: [{ val: 2 }] }), FileFormatError);
    }
    const good = { repeat: ['q'], spec: { data: { values: anchor('data') } } };
    assert.ok(fillTemplate(parseTemplate(JSON.stringify(good), 'bar'), { data: [{ val: 2 }] }));
    assert.throws(() => parseTemplate('"content"', 'name'), FileFormatError);
  });
  test('wrong field (test_raise_on_wrong_field)', () => {
    assert.throws(() => fillTemplate(builtinTemplate('linear')!, { data: [{ val: 2 }], x: 'no_val' }), /Field 'no_val' does not exist/);
    assert.ok(fillTemplate(builtinTemplate('linear')!, { data: [{ val: 2 }], x: 'no_val' }, { strict: false }));
  });
  test('colour range wraps after 7 revisions (test_color_anchor)', () => {
    const revs = ['B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'];
    const c = fillTemplate(builtinTemplate('linear')!, {
      data: revs.map((r) => ({ rev: r, acc: '0.1', step: '1', filename: 'acc', field: 'acc' })),
      x: 'step',
      y: 'acc',
      anchors_y_definitions: [{ filename: 'acc', field: 'acc' }],
      revs_with_datapoints: revs,
    });
    const colors = ANCHOR_RANGES.color as string[];
    assert.deepEqual((c.encoding as JsonObject).color, { field: 'rev', scale: { domain: revs, range: [...colors, ...colors.slice(0, 2)] } });
  });
  test('revisions from the datapoints when not given (dvc-render issue 149)', () => {
    const c = fillTemplate(builtinTemplate('linear')!, {
      data: [{ rev: 'B', acc: 1, step: 1 }, { rev: 'C', acc: 1, step: 1 }, { acc: 1, step: 2 }],
      x: 'step',
      y: 'acc',
    });
    assert.deepEqual(((c.encoding as JsonObject).color as JsonObject).scale, { domain: ['B', 'C'], range: ANCHOR_RANGES.color.slice(0, 2) });
  });
  test('find/fill anchors as dvc-render (lists only exact, dicts also inside strings)', () => {
    assert.ok(hasAnchor({ key: [{ sub: anchor('x') }] }, 'x'));
    assert.ok(!hasAnchor({ key: 'prefix <DVC_METRIC_X>' }, 'x'));
    assert.ok(!hasAnchor({ key: [[anchor('x')]] }, 'x'));
    assert.deepEqual(fillAnchor({ a: ['<DVC_METRIC_X> in list', anchor('x')], b: 'in <DVC_METRIC_X> dict' }, 'x', 'v'), {
      a: ['<DVC_METRIC_X> in list', 'v'],
      b: 'in v dict',
    });
  });
  test('custom template lookup (test_get_template_from_dir)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-tpl-'));
    const plotsDir = join(dir, '.dvc', 'plots');
    mkdirSync(join(plotsDir, 'subdir'), { recursive: true });
    writeFileSync(join(plotsDir, 'template.json'), JSON.stringify({ template_content: 'foo' }));
    writeFileSync(join(plotsDir, 'subdir', 'template.json'), JSON.stringify({ template_content: 'sub' }));
    writeFileSync(join(plotsDir, 'linear.json'), JSON.stringify({ overridden: true }));
    writeFileSync(join(dir, 'own.json'), JSON.stringify({ own: 1 }));
    const o = { templatesDir: plotsDir, cwd: dir };
    assert.deepEqual(loadTemplate('template', o).content, { template_content: 'foo' });
    assert.deepEqual(loadTemplate('template.json', o).content, { template_content: 'foo' });
    assert.deepEqual(loadTemplate('subdir/template', o).content, { template_content: 'sub' });
    assert.deepEqual(loadTemplate('own.json', o).content, { own: 1 });
    assert.deepEqual(loadTemplate('linear', o).content, { overridden: true }, '.dvc/plots/linear.json wins over the built-in');
    assert.deepEqual(loadTemplate('confusion', o).content, builtinTemplate('confusion')!.content);
    assert.deepEqual(loadTemplate(undefined, { cwd: dir }).content, builtinTemplate('linear')!.content);
    assert.throws(() => loadTemplate('bar', o), NotFoundError);
    assert.deepEqual(templateCandidates('a.b', '/t', '/c'), ['/t/a.b', '/t/a.json', '/c/a.b']);
  });
});
