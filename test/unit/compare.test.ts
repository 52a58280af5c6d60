// Pure params/metrics comparison (src/pipeline/compare.ts). Expected values are DVC's own
// (tests/func/metrics/test_diff.py, tests/func/params/test_diff.py, tests/unit/test_compare.py)
// or what CPython 3.11 prints for the same expression.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  diffData,
  diffFileResults,
  flattenDict,
  formatDict,
  formatField,
  parsePyJson,
  pyEquals,
  pyFloatStr,
  pyFormatG,
  pyKind,
  pyRepr,
  pyRound,
  pyStr,
  pySub,
  type DiffResult,
  type FileResult,
} from '../../src/pipeline/compare.js';
import { pyJsonDumps } from '../../src/util/pyjson.js';
import { isYamlFloat, yamlFloat } from '../../src/util/yaml.js';

const r = (x: number, n: number): string => pyFloatStr(pyRound(x, n));

test('pyRound is Python round(): banker’s rounding on the exact binary value', () => {
  const cases: [number, number, string][] = [
    [2.675, 2, '2.67'], // 2.67499999999999982236431605997495353221893310546875
    [0.125, 2, '0.12'], // exact half → even
    [0.375, 2, '0.38'],
    [2.5, 0, '2.0'],
    [3.5, 0, '4.0'],
    [1.5, 0, '2.0'],
    [-2.675, 2, '-2.67'],
    [-0.001, 2, '-0.0'],
    [1e-7, 5, '0.0'],
    [123.456, -1, '120.0'],
    [125.0, -1, '120.0'],
    [1.005, 2, '1.0'],
    [8.345, 2, '8.35'],
    [0.045, 2, '0.04'],
    [99999.5, 0, '100000.0'],
    [1.23456789, 5, '1.23457'],
    [3.45678910111213, 5, '3.45679'],
    [0.9202028276794669, 5, '0.9202'],
    [0.8966753719417505, 5, '0.89668'],
    [1.098765366365355, 4, '1.0988'],
    [5e-324, 5, '0.0'],
    [1.7976931348623157e308, 2, '1.7976931348623157e+308'],
    [1e22, 3, '1e+22'],
    [0.1 + 0.2, 5, '0.3'],
  ];
  for (const [x, n, want] of cases) assert.equal(r(x, n), want, `round(${x}, ${n})`);
  assert.ok(Number.isNaN(pyRound(NaN, 2)));
  assert.equal(pyRound(Infinity, 2), Infinity);
});

test('pyFormatG is Python format(x, ".Ng")', () => {
  const cases: [number, number, string][] = [
    [1.1234, 3, '1.12'],
    [2.2345, 3, '2.23'],
    [3.3456, 3, '3.35'],
    [1.098765366365355, 4, '1.099'],
    [1.5342673, 4, '1.534'],
    [2.987725527, 4, '2.988'],
    [1.098765366365355, 7, '1.098765'],
    [1.5342673, 7, '1.534267'],
    [2.987725527, 7, '2.987726'],
    [0.0001234, 3, '0.000123'],
    [0.00001234, 3, '1.23e-05'],
    [1234567.0, 3, '1.23e+06'],
    [100.0, 3, '100'],
    [1000.0, 3, '1e+03'],
    [0.0, 5, '0'],
    [-0.0, 5, '-0'],
    [9.9999999, 3, '10'],
    [0.125, 2, '0.12'],
    [2.5, 0, '2'],
    [NaN, 3, 'nan'],
    [-Infinity, 3, '-inf'],
  ];
  for (const [x, n, want] of cases) assert.equal(pyFormatG(x, n), want, `format(${x}, '.${n}g')`);
});

test('pyRepr / pyStr follow Python str() and repr()', () => {
  assert.equal(pyStr(['bar', 'baz']), "['bar', 'baz']");
  assert.equal(pyStr(['bar', 'baz', 'qux']), "['bar', 'baz', 'qux']");
  assert.equal(pyStr([2, 3]), '[2, 3]');
  assert.equal(pyStr({ foo: 3, bar: 3 }), "{'foo': 3, 'bar': 3}");
  assert.equal(pyStr([1, yamlFloat(1), 0.5, 1e-5, true, null, "it's", 'say "hi"', 'both \' "']), `[1, 1.0, 0.5, 1e-05, True, None, "it's", 'say "hi"', 'both \\' "']`);
  assert.equal(pyStr([NaN, Infinity, -Infinity, -0]), '[nan, inf, -inf, -0.0]');
  assert.equal(pyStr(['tab\there', 'nl\n', '\x00', 'é', '\u200b', '日本', 'a\\b']), "['tab\\there', 'nl\\n', '\\x00', 'é', '\\u200b', '日本', 'a\\\\b']");
  assert.equal(pyStr(12345678901234567890n), '12345678901234567890');
  assert.equal(pyStr(1e21), '1000000000000000000000');
  assert.equal(pyStr('plain'), 'plain');
  assert.equal(pyRepr('plain'), "'plain'");
  assert.equal(pyStr(new Map<unknown, unknown>([[1, 'a'], [null, true]])), "{1: 'a', None: True}");
});

test('value kinds: integral floats stay floats through YamlFloat', () => {
  assert.equal(pyKind(1), 'int');
  assert.equal(pyKind(1.5), 'float');
  assert.equal(pyKind(yamlFloat(1)), 'float');
  assert.equal(pyKind(-0), 'float');
  assert.equal(pyKind(10n), 'int');
  assert.equal(pyKind(true), 'bool');
  assert.equal(pyKind(new Map()), 'dict');
  assert.equal(pyStr(pySub(2.5, 1.5)), '1.0');
  assert.equal(pyStr(pySub(3, 1)), '2');
  assert.equal(pyStr(pySub(true, false)), '1');
  assert.equal(pyStr(pySub(1, 0.5)), '0.5');
  assert.equal(pyStr(pySub(2n ** 70n, 1)), '1180591620717411303423');
  assert.ok(pyEquals(1, yamlFloat(1)));
  assert.ok(pyEquals(true, 1));
  assert.ok(!pyEquals('1', 1));
  assert.ok(!pyEquals(NaN, NaN));
  assert.ok(pyEquals({ a: [1, { b: 2 }] }, { a: [1, { b: yamlFloat(2) }] }));
  assert.ok(!pyEquals({ a: 1 }, { a: 1, b: 2 }));
});

test('flattenDict is flatten_dict.flatten(reducer="dot")', () => {
  assert.deepEqual([...flattenDict({ a: { b: 1, c: {} }, d: [1], e: { f: { g: 'x' } } })], [
    ['a.b', 1],
    ['d', [1]],
    ['e.f.g', 'x'],
  ]);
  assert.deepEqual([...flattenDict({})], []);
  assert.throws(() => flattenDict({ 'a.b': 1, a: { b: 2 } }), /duplicated key 'a.b'/);
  // format_dict turns lists inside dicts into str(list)
  assert.deepEqual(formatDict({ foo: ['bar', 'baz'], n: { l: [1, 2.5] }, s: 'x' }), { foo: "['bar', 'baz']", n: { l: '[1, 2.5]' }, s: 'x' });
});

test('parsePyJson is Python json.loads, floats kept as floats', () => {
  const v = parsePyJson('{"a": 1.0, "b": 2, "c": [1e-5, NaN, -Infinity], "d": 12345678901234567890, "e": "\\u00e9\\n", "a": 3.0}') as Record<string, unknown>;
  assert.deepEqual(Object.keys(v), ['a', 'b', 'c', 'd', 'e']);
  assert.ok(isYamlFloat(v.a) && (v.a as { value: number }).value === 3);
  assert.equal(v.b, 2);
  assert.equal(pyStr(v.c), '[1e-05, nan, -inf]');
  assert.equal(v.d, 12345678901234567890n);
  assert.equal(v.e, 'é\n');
  assert.deepEqual(parsePyJson('[1, 2]'), [1, 2]);
  assert.equal(parsePyJson('-0'), 0);
  for (const bad of ["['a']", '[True]', '{"a": 1,}', '1 2', '', '"\x01"']) assert.throws(() => parsePyJson(bad), SyntaxError, bad);
});

// ---------------------------------------------------------------------------------------------
// tests/func/metrics/test_diff.py and tests/func/params/test_diff.py, at the level of the pure diff
// ---------------------------------------------------------------------------------------------

const files = (m: Record<string, unknown>): Record<string, FileResult> =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v instanceof Error ? { error: v } : { data: v }]));

const diff = (a: Record<string, unknown>, b: Record<string, unknown>, all = false): DiffResult =>
  diffFileResults(files(a), files(b), { all });

test('metrics diff: test_metrics_diff_simple / _dirty (a scalar file)', () => {
  assert.deepEqual(diff({ 'm.yaml': 1 }, { 'm.yaml': 3 }), { 'm.yaml': { '': { old: 1, new: 3, diff: 2 } } });
  assert.deepEqual(diff({ 'm.yaml': 3 }, { 'm.yaml': 4 }), { 'm.yaml': { '': { old: 3, new: 4, diff: 1 } } });
});

test('metrics diff: test_metrics_diff_yaml / _json / _json_unchanged / _active_branch_unchanged', () => {
  const m = (val: number) => ({ a: { b: { c: val, d: 1, e: String(val) } } });
  const expected = {
    'm.yaml': {
      'a.b.c': { old: 1, new: 3, diff: 2 },
      'a.b.e': { old: '1', new: '3' },
    },
  };
  assert.deepEqual(diff({ 'm.yaml': m(1) }, { 'm.yaml': m(3) }), expected);
  assert.deepEqual(diff({ 'm.json': m(1) }, { 'm.json': m(1) }), {});
});

test('metrics diff: broken / deleted file on one side counts as empty there', () => {
  const metrics = { a: { b: { c: 1, d: 1, e: '3' } } };
  const want = {
    'm.json': {
      'a.b.c': { old: 1, new: null },
      'a.b.d': { old: 1, new: null },
      'a.b.e': { old: '3', new: null },
    },
  };
  // test_metrics_diff_broken_json (JSONFileCorruptedError) and test_metrics_diff_deleted_metric
  assert.deepEqual(diff({ 'm.json': metrics }, { 'm.json': new Error('JSON file structure is corrupted') }), want);
  assert.deepEqual(diff({ 'm.json': metrics }, { 'm.json': new Error('ENOENT') }), want);
  // test_metrics_diff_new_metric: no file in HEAD
  assert.deepEqual(diff({}, { 'm.json': metrics }), {
    'm.json': {
      'a.b.c': { old: null, new: 1 },
      'a.b.d': { old: null, new: 1 },
      'a.b.e': { old: null, new: '3' },
    },
  });
  // test_metrics_diff_no_metrics
  assert.deepEqual(diff({}, {}), {});
});

test('metrics diff --all: test_metrics_diff_with_unchanged', () => {
  assert.deepEqual(diff({ 'metrics.yaml': { foo: 1, xyz: 10 } }, { 'metrics.yaml': { foo: 3, xyz: 10 } }, true), {
    'metrics.yaml': { foo: { old: 1, new: 3, diff: 2 }, xyz: { old: 10, new: 10, diff: 0 } },
  });
});

test('params diff: tests/func/params/test_diff.py', () => {
  // test_diff, test_diff_dirty
  assert.deepEqual(diff({ 'params.yaml': { foo: 'bar' } }, { 'params.yaml': { foo: 'qux' } }), {
    'params.yaml': { foo: { old: 'bar', new: 'qux' } },
  });
  // test_diff_no_changes
  assert.deepEqual(diff({ 'params.yaml': { foo: 'bar' } }, { 'params.yaml': { foo: 'bar' } }), {});
  // test_diff_new
  assert.deepEqual(diff({}, { 'params.yaml': { foo: 'bar' } }), { 'params.yaml': { foo: { old: null, new: 'bar' } } });
  // test_diff_deleted
  assert.deepEqual(diff({ 'params.yaml': { foo: 'bar' } }, { 'params.yaml': new Error('ENOENT') }), {
    'params.yaml': { foo: { old: 'bar', new: null } },
  });
  // test_diff_list: lists compare as str(list)
  assert.deepEqual(diff({ 'params.yaml': { foo: ['bar', 'baz'] } }, { 'params.yaml': { foo: ['bar', 'baz', 'qux'] } }), {
    'params.yaml': { foo: { old: "['bar', 'baz']", new: "['bar', 'baz', 'qux']" } },
  });
  // test_diff_dict
  assert.deepEqual(diff({ 'params.yaml': { foo: { bar: 'baz' } } }, { 'params.yaml': { foo: { bar: 'qux' } } }), {
    'params.yaml': { 'foo.bar': { old: 'baz', new: 'qux' } },
  });
  // test_diff_with_unchanged
  assert.deepEqual(diff({ 'params.yaml': { foo: 'bar', xyz: 'val' } }, { 'params.yaml': { foo: 'qux', xyz: 'val' } }, true), {
    'params.yaml': { foo: { old: 'bar', new: 'qux' }, xyz: { old: 'val', new: 'val' } },
  });
  // test_diff_without_targets_specified
  assert.deepEqual(diff({ 'params.yaml': { foo: { bar: 'bar' }, x: '0' } }, { 'params.yaml': { foo: { bar: 'baz' }, y: '100' } }), {
    'params.yaml': {
      'foo.bar': { old: 'bar', new: 'baz' },
      x: { old: '0', new: null },
      y: { old: null, new: '100' },
    },
  });
  // test_vars_shows_on_params_diff
  const vars = (e1: number) => ({ vars: { model1: { epoch: e1 }, model2: { epoch: 35 } } });
  assert.deepEqual(diff({}, { 'test_params.yaml': vars(15) }), {
    'test_params.yaml': { 'vars.model1.epoch': { old: null, new: 15 }, 'vars.model2.epoch': { old: null, new: 35 } },
  });
  assert.deepEqual(diff({ 'test_params.yaml': vars(15) }, { 'test_params.yaml': vars(20) }), {
    'test_params.yaml': { 'vars.model1.epoch': { old: 15, new: 20, diff: 5 } },
  });
  // test_diff_targeted: several files
  assert.deepEqual(
    diff({ 'params.yaml': { foo: 'bar' }, 'other_params.yaml': { xyz: 'val' } }, { 'params.yaml': { foo: 'qux' }, 'other_params.yaml': { xyz: 'val3' } }),
    { 'params.yaml': { foo: { old: 'bar', new: 'qux' } }, 'other_params.yaml': { xyz: { old: 'val', new: 'val3' } } },
  );
});

test('the guide’s Step 5 params change (featurize.max_features 100→200, ngrams 1→2)', () => {
  const p = (mf: number, ng: number) => ({ prepare: { split: 0.2, seed: 20170428 }, featurize: { max_features: mf, ngrams: ng }, train: { seed: 20170428, n_est: 50, min_split: 2 } });
  assert.deepEqual(diff({ 'params.yaml': p(100, 1) }, { 'params.yaml': p(200, 2) }), {
    'params.yaml': {
      'featurize.max_features': { old: 100, new: 200, diff: 100 },
      'featurize.ngrams': { old: 1, new: 2, diff: 1 },
    },
  });
});

test('"unable to parse", bools, floats, one-element lists (dvc/utils/diff.py rules)', () => {
  // a dict on one side and a non-dict on the other
  assert.deepEqual(diff({ 'm.json': { a: 1, b: { c: 2 } } }, { 'm.json': 'text' }), {
    'm.json': { a: { old: 1, new: 'unable to parse' }, 'b.c': { old: 2, new: 'unable to parse' } },
  });
  // a falsy scalar counts as empty
  assert.deepEqual(diff({ 'm.json': 0 }, { 'm.json': { a: 1 } }), { 'm.json': { a: { old: null, new: 1 } } });
  // whole-file lists go through str() then json.loads, and one-element lists are unwrapped
  assert.deepEqual(diff({ 'm.json': [1] }, { 'm.json': [2] }), { 'm.json': { '': { old: 1, new: 2, diff: 1 } } });
  assert.deepEqual(diff({ 'm.json': 'abc' }, { 'm.json': 'abd' }), { 'm.json': { '': { old: 'abc', new: 'abd' } } });
  const d = diff(
    { 'm.json': { x: 1.5, f: false, l: [1, 'a'], s: '1' } },
    { 'm.json': { x: 2.5, f: true, l: [1, 'b'], s: 1 } },
  );
  assert.equal(
    pyJsonDumps(d),
    '{"m.json": {"f": {"diff": 1, "new": true, "old": false}, "l": {"new": "[1, \'b\']", "old": "[1, \'a\']"}, "s": {"new": 1, "old": "1"}, "x": {"diff": 1.0, "new": 2.5, "old": 1.5}}}',
  );
  // a string that parses as JSON is compared as the parsed value
  assert.deepEqual(diffData('2.0', '2'), {});
});

test('formatField is _format_field (round vs .Ng, nested values, str())', () => {
  assert.equal(formatField(1.1234, 3), '1.12');
  assert.equal(formatField(1.1234, 3, true), '1.123');
  assert.equal(formatField(2.2345, 3, true), '2.235'); // test_diff_table_rounding
  assert.equal(formatField(3.3456, 3, true), '3.346');
  assert.equal(formatField(0, 5, true), '0');
  assert.equal(formatField(yamlFloat(0), 5, true), '0.0');
  assert.equal(formatField(true, 5, true), 'True');
  assert.equal(formatField(null), 'None');
  assert.equal(formatField('-'), '-');
  assert.equal(formatField([2, 3]), '[2, 3]');
  assert.equal(formatField({ foo: 3, bar: 3 }), "{'foo': 3, 'bar': 3}");
  assert.equal(formatField({ a: 1.23456789 }, 3), "{'a': '1.23'}"); // .g results are str inside
  assert.equal(formatField({ a: 1.23456789 }, 3, true), "{'a': 1.235}");
  assert.equal(formatField(1.23456789, 0, true), '1.23456789'); // precision 0 = none
  assert.equal(formatField(2.0000001, 5, true), '2.0');
});
