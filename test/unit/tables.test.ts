// Tables, CSV and JSON as DVC prints them (src/pipeline/table.ts, compare-tables.ts).
// Expected strings: DVC's tests/unit/test_compare.py, tests/unit/test_tabular_data.py,
// tests/unit/command/test_metrics.py / test_params.py, tests/func/metrics/test_diff.py, the guide's
// quoted tables, and python-tabulate 0.9.0 (+ wcwidth) output for the odd cells.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffFileResults, type DiffResult } from '../../src/pipeline/compare.js';
import { pyJsonDumpsOrdered, renderJson, renderTable, tabulate, toCsv, wcswidth } from '../../src/pipeline/table.js';
import {
  diffTable,
  erroredRevisions,
  failedRevisionsMessage,
  metricsDiffTable,
  metricsShowTable,
  metricsTable,
  paramsDiffTable,
  type ShowResult,
  type TableData,
} from '../../src/pipeline/compare-tables.js';
import { yamlFloat } from '../../src/util/yaml.js';

/** TabularData.as_dict() */
const asDict = (td: TableData): Record<string, string>[] => td.rows.map((r) => Object.fromEntries(td.headers.map((h, i) => [h, r[i]])));

const dedent = (s: string): string => {
  const lines = s.replace(/^\n/, '').split('\n');
  const ind = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(ind)).join('\n');
};

// ---------------------------------------------------------------------------------------------
// The guide (Step 5 of "A guide to MLOps")
// ---------------------------------------------------------------------------------------------

test('guide: dvc metrics diff table for the Step 5 metrics', () => {
  const diff = diffFileResults(
    { 'evaluation/metrics.json': { data: { avg_prec: 0.8966753719417505, roc_auc: 0.9272867330993196 } } },
    { 'evaluation/metrics.json': { data: { avg_prec: 0.9202028276794669, roc_auc: 0.9409635439610122 } } },
  );
  assert.equal(
    metricsDiffTable(diff),
    'Path                     Metric    HEAD     workspace    Change\n' +
      'evaluation/metrics.json  avg_prec  0.89668  0.9202       0.02353\n' +
      'evaluation/metrics.json  roc_auc   0.92729  0.94096      0.01368\n',
  );
});

test('guide: dvc params diff table for the Step 5 params', () => {
  const p = (mf: number, ng: number) => ({ featurize: { max_features: mf, ngrams: ng }, prepare: { seed: 20170428, split: 0.2 }, train: { min_split: 2, n_est: 50, seed: 20170428 } });
  const diff = diffFileResults({ 'params.yaml': { data: p(100, 1) } }, { 'params.yaml': { data: p(200, 2) } });
  assert.equal(
    paramsDiffTable(diff),
    'Path         Param                   HEAD    workspace\n' +
      'params.yaml  featurize.max_features  100     200\n' +
      'params.yaml  featurize.ngrams        1       2\n',
  );
  // the CI report uses --md (the guide's `--show-md`) against main
  assert.equal(
    paramsDiffTable(diff, { md: true, aRev: 'main' }),
    '| Path        | Param                  | main   | workspace   |\n' +
      '|-------------|------------------------|--------|-------------|\n' +
      '| params.yaml | featurize.max_features | 100    | 200         |\n' +
      '| params.yaml | featurize.ngrams       | 1      | 2           |\n\n',
  );
});

// ---------------------------------------------------------------------------------------------
// tests/unit/test_compare.py
// ---------------------------------------------------------------------------------------------

test('test_diff_table (Metric and Param)', () => {
  for (const title of ['Metric', 'Param']) {
    const td = diffTable({ 'metrics.json': { 'a.b.c': { old: 1, new: 2, diff: 3 } } }, { title });
    assert.deepEqual(asDict(td), [{ Path: 'metrics.json', [title]: 'a.b.c', HEAD: '1', workspace: '2', Change: '3' }]);
  }
});

test('test_diff_table_with_value_column / test_no_path / test_do_not_show_changes', () => {
  const diff = { 'metrics.json': { 'a.b.c': { old: 1, new: 2, diff: 3 } } };
  assert.deepEqual(asDict(diffTable(diff, { title: 'Metric', old: false })), [{ Path: 'metrics.json', Metric: 'a.b.c', Value: '2', Change: '3' }]);
  assert.deepEqual(asDict(diffTable(diff, { title: 'Metric', noPath: true })), [{ Metric: 'a.b.c', HEAD: '1', workspace: '2', Change: '3' }]);
  assert.deepEqual(asDict(diffTable(diff, { title: 'Metric', showChanges: false })), [{ Path: 'metrics.json', Metric: 'a.b.c', HEAD: '1', workspace: '2' }]);
  assert.deepEqual(diffTable(diff, { title: 'Metric', showChanges: false }).headers, ['Path', 'Metric', 'HEAD', 'workspace']);
});

test('test_diff_table_precision / test_diff_table_rounding', () => {
  const diff = { 'metrics.json': { 'a.b.c': { old: 1.1234, new: 2.2345, diff: 3.3456 } } };
  assert.deepEqual(asDict(diffTable(diff, { title: 'Metric', precision: 3 })), [
    { Path: 'metrics.json', Metric: 'a.b.c', HEAD: '1.12', workspace: '2.23', Change: '3.35' },
  ]);
  assert.deepEqual(asDict(diffTable(diff, { title: 'Metric', precision: 3, roundDigits: true })), [
    { Path: 'metrics.json', Metric: 'a.b.c', HEAD: '1.123', workspace: '2.235', Change: '3.346' },
  ]);
});

test('test_diff_unsupported_diff_message / test_diff_new / test_diff_old_deleted', () => {
  for (const [extra, expected] of [[{ onEmptyDiff: 'no diff' }, 'no diff'], [{}, '-']] as const) {
    const td = diffTable({ 'metrics.json': { '': { old: '1', new: '2' } } }, { title: 'Metric', ...extra });
    assert.deepEqual(asDict(td), [{ Path: 'metrics.json', Metric: '', HEAD: '1', workspace: '2', Change: expected }]);
  }
  assert.deepEqual(asDict(diffTable({ 'param.json': { 'a.b.d': { old: null, new: 'new' } } }, { title: 'Param' })), [
    { Path: 'param.json', Param: 'a.b.d', HEAD: '-', workspace: 'new', Change: '-' },
  ]);
  assert.deepEqual(asDict(diffTable({ 'metric.json': { 'a.b.d': { old: 'old', new: null } } }, { title: 'Metric' })), [
    { Path: 'metric.json', Metric: 'a.b.d', HEAD: 'old', workspace: '-', Change: '-' },
  ]);
});

test('test_diff_sorted / test_diff_falsey_values / test_diff_list', () => {
  const td = diffTable(
    {
      'metrics.yaml': {
        'x.b': { old: 5, new: 6, diff: 1 },
        'a.d.e': { old: 3, new: 4, diff: 1 },
        'a.b.c': { old: 1, new: 2, diff: 1 },
      },
    },
    { title: 'Metric' },
  );
  assert.deepEqual(td.rows, [
    ['metrics.yaml', 'a.b.c', '1', '2', '1'],
    ['metrics.yaml', 'a.d.e', '3', '4', '1'],
    ['metrics.yaml', 'x.b', '5', '6', '1'],
  ]);
  assert.deepEqual(asDict(diffTable({ 'metrics.yaml': { 'x.b': { old: 0, new: yamlFloat(0), diff: yamlFloat(0) } } }, { title: 'Metric' })), [
    { Path: 'metrics.yaml', Metric: 'x.b', HEAD: '0', workspace: '0.0', Change: '0.0' },
  ]);
  for (const [composite, expected] of [
    [[2, 3], '[2, 3]'],
    [{ foo: 3, bar: 3 }, "{'foo': 3, 'bar': 3}"],
  ] as const) {
    assert.deepEqual(asDict(diffTable({ 'params.yaml': { 'a.b.c': { old: 1, new: composite } } }, { title: 'Param' })), [
      { Path: 'params.yaml', Param: 'a.b.c', HEAD: '1', workspace: expected, Change: '-' },
    ]);
  }
});

const xbDiff: DiffResult = {
  'metrics.yaml': {
    'x.b': { old: 5, new: 6 },
    'a.d.e': { old: 3, new: 4, diff: 1 },
    'a.b.c': { old: 1, new: 2, diff: 1 },
  },
};

test('test_diff_default (plain) and test_metrics_diff_md (github)', () => {
  const td = diffTable(xbDiff, { title: 'Metric' });
  assert.equal(
    renderTable(td.headers, td.rows),
    dedent(`
      Path          Metric    HEAD    workspace    Change
      metrics.yaml  a.b.c     1       2            1
      metrics.yaml  a.d.e     3       4            1
      metrics.yaml  x.b       5       6            -
      `),
  );
  assert.equal(
    renderTable(td.headers, td.rows, { markdown: true }),
    dedent(`
      | Path         | Metric   | HEAD   | workspace   | Change   |
      |--------------|----------|--------|-------------|----------|
      | metrics.yaml | a.b.c    | 1      | 2           | 1        |
      | metrics.yaml | a.d.e    | 3      | 4           | 1        |
      | metrics.yaml | x.b      | 5      | 6           | -        |

      `),
  );
  // the command-level builder gives the same text (metrics: ints are never rounded)
  assert.equal(metricsDiffTable(xbDiff), renderTable(td.headers, td.rows));
});

test('metrics_table: falsey values, no revision, non-dict values, several revisions/paths, headers', () => {
  const one = { branch_1: { data: { 'metrics.json': { data: { a: 0, b: { ad: yamlFloat(0), bc: yamlFloat(0) } } } } } };
  assert.deepEqual(asDict(metricsTable(one, { allRevs: true })), [{ Revision: 'branch_1', Path: 'metrics.json', a: '0', 'b.ad': '0.0', 'b.bc': '0.0' }]);
  assert.deepEqual(asDict(metricsTable(one, { allRevs: false })), [{ Path: 'metrics.json', a: '0', 'b.ad': '0.0', 'b.bc': '0.0' }]);
  assert.deepEqual(asDict(metricsTable({ branch_1: { data: { 'metrics.json': { data: 1 } } } }, { allRevs: true })), [
    { Revision: 'branch_1', Path: 'metrics.json', '': '1' },
  ]);
  assert.deepEqual(
    asDict(
      metricsTable(
        {
          branch_1: { data: { 'metrics.json': { data: { a: 1, b: { ad: 1, bc: 2 } } } } },
          branch_2: { data: { 'metrics.json': { data: { a: 1, b: { ad: 3, bc: 4 } } } } },
        },
        { allRevs: true },
      ),
    ),
    [
      { Revision: 'branch_1', Path: 'metrics.json', a: '1', 'b.ad': '1', 'b.bc': '2' },
      { Revision: 'branch_2', Path: 'metrics.json', a: '1', 'b.ad': '3', 'b.bc': '4' },
    ],
  );
  assert.deepEqual(
    asDict(
      metricsTable(
        {
          branch_1: {
            data: {
              'metrics.json': { data: { a: 1, b: { ad: 0.1, bc: 1.03 } } },
              'metrics_1.json': { data: { a: 2.3, b: { ad: 6.5, bc: 7.9 } } },
            },
          },
        },
        { allRevs: true },
      ),
    ),
    [
      { Revision: 'branch_1', Path: 'metrics.json', a: '1', 'b.ad': '0.1', 'b.bc': '1.03' },
      { Revision: 'branch_1', Path: 'metrics_1.json', a: '2.3', 'b.ad': '6.5', 'b.bc': '7.9' },
    ],
  );
  const td = metricsTable(
    {
      branch_1: { data: { 'metrics.json': { data: { b: { ad: 1, bc: 2 }, c: 4 } } } },
      branch_2: { data: { 'metrics.json': { data: { a: 1, b: { ad: 3, bc: 4 } } } } },
    },
    { allRevs: true },
  );
  assert.deepEqual(td.headers, ['Revision', 'Path', 'a', 'b.ad', 'b.bc', 'c']);
  assert.deepEqual(asDict(td), [
    { Revision: 'branch_1', Path: 'metrics.json', a: '-', 'b.ad': '1', 'b.bc': '2', c: '4' },
    { Revision: 'branch_2', Path: 'metrics.json', a: '1', 'b.ad': '3', 'b.bc': '4', c: '-' },
  ]);
});

test('test_metrics_show_precision', () => {
  const metrics = { branch_1: { data: { 'metrics.json': { data: { a: 1.098765366365355, b: { ad: 1.5342673, bc: 2.987725527 } } } } } };
  assert.deepEqual(asDict(metricsTable(metrics, { allRevs: true, precision: 4 })), [
    { Revision: 'branch_1', Path: 'metrics.json', a: '1.099', 'b.ad': '1.534', 'b.bc': '2.988' },
  ]);
  assert.deepEqual(asDict(metricsTable(metrics, { allRevs: true, precision: 4, roundDigits: true })), [
    { Revision: 'branch_1', Path: 'metrics.json', a: '1.0988', 'b.ad': '1.5343', 'b.bc': '2.9877' },
  ]);
  assert.deepEqual(asDict(metricsTable(metrics, { allRevs: true, precision: 7 })), [
    { Revision: 'branch_1', Path: 'metrics.json', a: '1.098765', 'b.ad': '1.534267', 'b.bc': '2.987726' },
  ]);
});

test('test_metrics_show_default / test_metrics_show_markdown', () => {
  const show: ShowResult = {
    branch_1: { data: { 'metrics.json': { data: { b: { ad: 1, bc: 2 }, c: 4 } } }, error: new Error('Failed just a little bit') },
    branch_2: { data: { 'metrics.json': { data: { a: 1, b: { ad: 3, bc: 4 } } } } },
  };
  assert.equal(
    metricsShowTable(show, { allRevs: true }),
    dedent(`
      Revision    Path          a    b.ad    b.bc    c
      branch_1    metrics.json  -    1       2       4
      branch_2    metrics.json  1    3       4       -
      `),
  );
  const md: ShowResult = {
    branch_1: { data: { 'metrics.json': { data: { b: { ad: 1, bc: 2 }, c: 4 } } } },
    branch_2: { data: { 'metrics.json': { data: { a: 1, b: { ad: 3, bc: 4 } } } } },
    branch_3: { error: new Error('failed') },
  };
  assert.equal(
    metricsShowTable(md, { allRevs: true, md: true }),
    dedent(`
      | Revision   | Path         | a   | b.ad   | b.bc   | c   |
      |------------|--------------|-----|--------|--------|-----|
      | branch_1   | metrics.json | -   | 1      | 2      | 4   |
      | branch_2   | metrics.json | 1   | 3      | 4      | -   |

      `),
  );
  assert.deepEqual(erroredRevisions(show), ['branch_1']);
  assert.deepEqual(erroredRevisions(md), ['branch_3']);
  assert.deepEqual(erroredRevisions({ workspace: { data: { 'm.yaml': { error: new Error('x') } } } }), ['workspace']);
  assert.equal(failedRevisionsMessage(['workspace', 'v1']), "DVC failed to load some metrics for following revisions: 'workspace, v1'.");
});

test('metrics show: default precision 5, an errored file gives a row of dashes, csv', () => {
  const show: ShowResult = {
    workspace: {
      data: {
        'evaluation/metrics.json': { data: { avg_prec: 0.9202028276794669, roc_auc: 0.9409635439610122 } },
        'broken.json': { error: new Error('JSON file structure is corrupted') },
      },
    },
  };
  assert.equal(
    metricsShowTable(show),
    'Path                     avg_prec    roc_auc\n' + 'evaluation/metrics.json  0.9202      0.94096\n' + 'broken.json              -           -\n',
  );
  assert.equal(metricsShowTable(show, { precision: 2 }).split('\n')[1], 'evaluation/metrics.json  0.92        0.94');
  assert.equal(metricsShowTable(show, { precision: 0 }), metricsShowTable(show)); // `precision or 5`
  assert.equal(metricsShowTable(show, { csv: true }), 'Path,avg_prec,roc_auc\r\nevaluation/metrics.json,0.9202,0.94096\r\nbroken.json,-,-\r\n');
  // test_show_no_metrics_files: nothing to print
  assert.equal(metricsShowTable({ workspace: { data: {} } }), '');
  assert.equal(metricsShowTable({ workspace: { data: {} } }, { md: true }), '| Path   |\n|--------|\n\n');
});

test('tests/func/metrics/test_diff.py::test_metrics_diff_cli', () => {
  const diff = diffFileResults({ 'm.yaml': { data: { foo: 1.23456789 } } }, { 'm.yaml': { data: { foo: 3.45678910111213 } } });
  assert.equal(metricsDiffTable(diff, { aRev: 'HEAD~2' }), 'Path    Metric    HEAD~2    workspace    Change\n' + 'm.yaml  foo       1.23457   3.45679      2.22222\n');
});

test('metrics diff: --no-path, --precision, revision titles, integral float changes', () => {
  const diff = diffFileResults({ 'm.json': { data: { acc: 0.5, n: 10 } } }, { 'm.json': { data: { acc: 1.5, n: 12 } } });
  assert.equal(
    metricsDiffTable(diff, { noPath: true, aRev: 'v1', bRev: 'v2' }),
    'Metric    v1    v2    Change\n' + 'acc       0.5   1.5   1.0\n' + 'n         10    12    2\n',
  );
  const p = diffFileResults({ 'm.json': { data: { x: 0.123456 } } }, { 'm.json': { data: { x: 0.654321 } } });
  assert.equal(metricsDiffTable(p, { precision: 2 }), 'Path    Metric    HEAD    workspace    Change\nm.json  x         0.12    0.65         0.53\n');
});

test('params diff: values are str() and never rounded; no Change column; --no-path', () => {
  const diff = diffFileResults(
    { 'params.yaml': { data: { lr: 0.0012345678, flag: false, name: 'a', l: [1, 2] } } },
    { 'params.yaml': { data: { lr: 0.002, flag: true, name: "b'c", l: [1, 2, 3] } } },
  );
  assert.equal(
    paramsDiffTable(diff, { noPath: true }),
    'Param    HEAD          workspace\n' + 'flag     False         True\n' + 'l        [1, 2]        [1, 2, 3]\n' + 'lr       0.0012345678  0.002\n' + "name     a             b'c\n",
  );
});

test('nothing changed: DVC prints nothing, or only the header with --md', () => {
  assert.equal(paramsDiffTable({}), '');
  assert.equal(metricsDiffTable({}), '');
  assert.equal(
    paramsDiffTable({}, { md: true }),
    '| Path   | Param   | HEAD   | workspace   |\n|--------|---------|--------|-------------|\n\n',
  );
  assert.equal(
    metricsDiffTable({}, { md: true, noPath: true }),
    '| Metric   | HEAD   | workspace   | Change   |\n|----------|--------|-------------|----------|\n\n',
  );
});

// ---------------------------------------------------------------------------------------------
// tests/unit/test_tabular_data.py
// ---------------------------------------------------------------------------------------------

test('test_table_empty: render prints nothing, markdown prints the header, csv the header row', () => {
  const headers = ['Col1', 'Col2', 'Col3'];
  assert.equal(renderTable(headers, []), '');
  assert.equal(renderTable(headers, [], { markdown: true }), '| Col1   | Col2   | Col3   |\n|--------|--------|--------|\n\n');
  assert.equal(toCsv(headers, []), 'Col1,Col2,Col3\r\n');
});

test('test_list_operations: to_csv', () => {
  assert.equal(toCsv(['col1', 'col2', 'col3'], [['1', '2', '3']]), 'col1,col2,col3\r\n1,2,3\r\n');
  // Python csv quoting (QUOTE_MINIMAL) and a lone empty field
  assert.equal(toCsv(['a'], [['x,y'], ['q"z'], ['l\nb'], [''], ['é']]), 'a\r\n"x,y"\r\n"q""z"\r\n"l\nb"\r\n""\r\n\u00e9\r\n');
});

// ---------------------------------------------------------------------------------------------
// tabulate 0.9.0 details (expected strings printed by python-tabulate 0.9.0 with wcwidth)
// ---------------------------------------------------------------------------------------------

test('tabulate: wide characters, multiline plain cells, ANSI codes, stripping, no headers', () => {
  const t = (rows: (string | null)[][], h: string[], f: 'plain' | 'github') => tabulate(rows, h, f, { missingval: '-' });
  assert.equal(
    t([['params.yaml', 'train.name', '中文', '日本語テキスト']], ['Path', 'Param', 'HEAD', 'workspace'], 'plain'),
    'Path         Param       HEAD    workspace\nparams.yaml  train.name  中文    日本語テキスト',
  );
  assert.equal(
    t([['params.yaml', 'msg', 'line1\nline2', 'x']], ['Path', 'Param', 'HEAD', 'workspace'], 'plain'),
    'Path         Param    HEAD    workspace\nparams.yaml  msg      line1   x\n                      line2',
  );
  assert.equal(
    t([['params.yaml', 'msg', 'line1\nline2', 'x']], ['Path', 'Param', 'HEAD', 'workspace'], 'github'),
    '| Path        | Param   | HEAD   | workspace   |\n|-------------|---------|--------|-------------|\n| params.yaml | msg     | line1\nline2        | x           |',
  );
  assert.equal(t([['\x1b[31mred\x1b[0m', '  padded  ', null]], ['a', 'b', 'c'], 'plain'), 'a    b       c\n\x1b[31mred\x1b[0m  padded  -');
  assert.equal(t([['e\u0301', '']], ['x', 'y'], 'github'), '| x   | y   |\n|-----|-----|\n| e\u0301   |     |');
  assert.equal(t([], ['Path', 'Metric'], 'github'), '| Path   | Metric   |\n|--------|----------|');
  assert.equal(t([['a', 'b']], [], 'github'), '|---|---|\n| a | b |');
  assert.equal(t([['a', 'b']], [], 'plain'), 'a  b');
  assert.equal(t([], [], 'plain'), '');
  assert.equal(wcswidth('日本'), 4);
  assert.equal(wcswidth('e\u0301'), 1);
  assert.equal(wcswidth('a\tb'), -1);
});

// ---------------------------------------------------------------------------------------------
// --json (ui.write_json): tests/unit/command/test_metrics.py, test_params.py
// ---------------------------------------------------------------------------------------------

test('--json output is json.dumps of the diff / show result', () => {
  // test_metrics_diff_json: json.dumps(diff["diff"]) in out
  assert.equal(renderJson({ 'metrics.yaml': { '': { old: 1, new: 3 } } }), '{"metrics.yaml": {"": {"old": 1, "new": 3}}}\n');
  // test_params_diff_show_json
  assert.equal(renderJson({ 'params.yaml': { a: 'b' } }), '{"params.yaml": {"a": "b"}}\n');
  // test_metrics_show_json: json.dumps(d), key order kept
  const d = { branch_1: { 'metrics.json': { b: { ad: 1, bc: 2 }, c: 4 } }, branch_2: { 'metrics.json': { a: 1, b: { ad: 3, bc: 4 } } } };
  assert.equal(renderJson(d), JSON.stringify(d).replace(/,/g, ', ').replace(/:/g, ': ') + '\n');
  // floats as Python prints them; errors as encode_exception; indent=2 on a TTY
  const diff = diffFileResults({ 'm.json': { data: { x: 1.5, y: 1e-7 } } }, { 'm.json': { data: { x: 2.5, y: 2e-7 } } });
  assert.equal(pyJsonDumpsOrdered(diff), '{"m.json": {"x": {"old": 1.5, "new": 2.5, "diff": 1.0}, "y": {"old": 1e-07, "new": 2e-07, "diff": 1e-07}}}');
  const err = new Error('JSON file structure is corrupted');
  err.name = 'JSONFileCorruptedError';
  assert.equal(
    renderJson({ workspace: { data: { 'm.json': { error: err } } } }, { indent: 2 }),
    '{\n  "workspace": {\n    "data": {\n      "m.json": {\n        "error": {\n          "type": "JSONFileCorruptedError",\n          "msg": "JSON file structure is corrupted"\n        }\n      }\n    }\n  }\n}\n',
  );
  assert.equal(pyJsonDumpsOrdered({ a: [], b: {}, c: 'é', d: NaN, e: yamlFloat(3) }, { indent: 2 }), '{\n  "a": [],\n  "b": {},\n  "c": "\\u00e9",\n  "d": NaN,\n  "e": 3.0\n}');
});
