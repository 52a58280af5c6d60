// Ports of DVC's tests/unit/test_interpolate.py and tests/unit/test_context.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Context,
  CtxDict,
  CtxList,
  CtxValue,
  KeyNotInContext,
  MergeError,
  ParamsLoadError,
  InterpolationError,
  parseExpr,
  shellQuote,
  toStr,
  pyStr,
} from '../../src/pipeline/interpolate.js';
import { YamlFloat } from '../../src/util/yaml.js';

const TEMPLATED = {
  stages: {
    stage1: {
      cmd: 'python script.py ${dict.foo} --out ${dict.bar}',
      outs: ['${dict.bar}'],
      deps: ['${dict.foo}'],
      frozen: '${freeze}',
    },
    stage2: { cmd: 'echo ${dict.foo} ${dict.bar}' },
  },
};
const CONTEXT_DATA = { dict: { foo: 'foo', bar: 'bar' }, list: ['param1', 'param2'], freeze: true };
const RESOLVED = {
  stages: {
    stage1: { cmd: 'python script.py foo --out bar', outs: ['bar'], deps: ['foo'], frozen: true },
    stage2: { cmd: 'echo foo bar' },
  },
};

// test_interpolate.py::test_resolve_primitive_values
for (const [template, v] of [
  ['${value}', 'value'],
  ['${ item }', 'item'],
]) {
  for (const data of [true, 12, Math.PI, null, false, 0, '0', '123', 'Foobar', '', Infinity, 3e4]) {
    test(`resolve primitive ${template} = ${String(data)}`, () => {
      const c = new Context({ [v]: data });
      assert.equal(c.resolve(template), data);
    });
  }
}

test('escape: \\${ is not interpolated (test_escape)', () => {
  const c = new Context({ value: 'value' });
  const cases: [string, string][] = [
    ['\\${value}', '${value}'],
    ['\\${ value }', '${ value }'],
    ['\\${ value } days', '${ value } days'],
    ['Month of \\${value}', 'Month of ${value}'],
    ['May the \\${value} be with you', 'May the ${value} be with you'],
    ['Great shot kid, that was \\${value} in a ${value}', 'Great shot kid, that was ${value} in a value'],
  ];
  for (const [t, want] of cases) assert.equal(c.resolve(t), want);
});

test('test_resolve_str', () => {
  const c = new Context({ first: 'James', last: 'Bond' });
  assert.equal(c.resolve('My name is ${last}, ${first} ${last}'), 'My name is Bond, James Bond');
});

test('test_resolve_primitives_dict_access', () => {
  const c = new Context({ dict: { num: 5, string: 'foo', nested: { float: Math.PI, string: 'bar' } } });
  assert.equal(c.resolve('${dict.num}'), 5);
  assert.equal(c.resolve('${dict.string}'), 'foo');
  assert.equal(c.resolve('${dict.nested.float}'), Math.PI);
  assert.equal(c.resolve('${dict.nested.string}'), 'bar');
  assert.equal(c.resolve('Number ${dict.num}'), 'Number 5');
});

test('test_resolve_primitives_list_access', () => {
  const c = new Context({ dict: [{ f: 'f' }, { fo: 'fo' }, { foo: 'foo' }, { foo: ['f', 'o', 'o'] }] });
  assert.equal(c.resolve('${dict[0].f}'), 'f');
  assert.equal(c.resolve('${dict[1].fo}'), 'fo');
  assert.equal(c.resolve('${dict[2].foo}'), 'foo');
  assert.equal(c.resolve('${dict[3].foo[0]}'), 'f');
  assert.equal(c.resolve('${ dict.1.fo}${dict.3.foo.1}bar'), 'foobar');
});

test('test_resolve_collection', () => {
  const c = new Context(CONTEXT_DATA);
  assert.deepEqual(c.resolve(TEMPLATED), RESOLVED);
});

test('test_resolve_unicode', () => {
  const c = new Context({ नेपाली: { चिया: ['चि', 'या'] } });
  assert.equal(c.resolveStr('${नेपाली.चिया[0]}${नेपाली.चिया[1]}'), 'चिया');
  assert.equal(c.resolveStr('${नेपाली[चिया][0]}${नेपाली[चिया][1]}'), 'चिया');
});

test('test_resolve_resolves_dict_keys', () => {
  const c = new Context({ dct: { foo: 'foobar', persist: true } });
  assert.deepEqual(c.resolve({ '${dct.foo}': { persist: '${dct.persist}' } }), { foobar: { persist: true } });
});

test('test_resolve_resolves_boolean_value', () => {
  const c = new Context({ enabled: true, disabled: false });
  assert.equal(c.resolveStr('${enabled}'), true);
  assert.equal(c.resolveStr('${disabled}'), false);
  assert.equal(c.resolveStr('--flag ${enabled}'), '--flag true');
  assert.equal(c.resolveStr('--flag ${disabled}'), '--flag false');
});

test('partial interpolation formats values as Python str()', () => {
  const c = new Context({ f: 0.1, one: new YamlFloat(1), tiny: 1e-7, big: new YamlFloat(1e16), none: null, inf: -Infinity, n: 3 });
  assert.equal(c.resolve('${f} ${one} ${tiny} ${big} ${none} ${inf} ${n}'), '0.1 1.0 1e-07 1e+16 None -inf 3');
  // whole-value interpolation keeps the type, YamlFloat included
  assert.ok(c.resolve('${one}') instanceof YamlFloat);
});

test('negative and spaced list indexes work as Python int() (DVC uses data[int(key)])', () => {
  const c = new Context({ lst: ['a', 'b', 'c'] });
  assert.equal(c.resolve('${lst[-1]}'), 'c');
  assert.equal(c.resolve('${lst[ 1 ]}'), 'b');
  assert.throws(() => c.resolve('${lst[3]}'), KeyNotInContext);
  assert.throws(() => c.resolve('${lst[x]}'), /Could not find 'lst.x'/);
});

// ---- test_context.py

test('test_context / dict ignores non-str keys', () => {
  const c = new Context(new Map<unknown, unknown>([['one', 1], [3, 3]]));
  assert.ok(c.has('one'));
  assert.equal(c.root.data.size, 1);
  assert.ok(c.root.data.get('one') instanceof CtxValue);
});

test('test_select', () => {
  const c = new Context({ foo: 'foo', bar: 'bar', lst: [1, 2, 3] });
  assert.equal((c.select('foo') as CtxValue).value, 'foo');
  assert.ok(c.select('lst') instanceof CtxList);
  assert.equal((c.select('lst.0') as CtxValue).value, 1);
  assert.throws(() => c.select('baz'), KeyNotInContext);
  const d = new Context({ lst: [{ foo0: 'foo0', bar0: 'bar0' }, { foo1: 'foo1', bar1: 'bar1' }] });
  assert.ok(d.select('lst.0') instanceof CtxDict);
  assert.throws(() => d.select('lst.2'), KeyNotInContext);
  assert.equal(d.select('lst.1.bar1', { unwrap: true }), 'bar1');
  assert.throws(() => d.select('lst.1.not_existing_key'), /Could not find 'lst.1.not_existing_key'/);
});

test('test_select_unwrap', () => {
  const c = new Context({ dct: { foo: 'bar' }, lst: [1, 2, 3], foo: 'foo' });
  assert.equal(c.select('dct.foo', { unwrap: true }), 'bar');
  assert.equal(c.select('lst.0', { unwrap: true }), 1);
  assert.deepEqual(c.select('dct', { unwrap: true }), { foo: 'bar' });
  assert.deepEqual(c.select('lst', { unwrap: true }), [1, 2, 3]);
});

test('test_merge_dict', () => {
  const c1 = new Context({ Train: { us: { lr: 10 } } });
  c1.mergeUpdate(new Context({ Train: { us: { layers: 100 } } }));
  assert.deepEqual(c1.select('Train.us', { unwrap: true }), { lr: 10, layers: 100 });
  assert.throws(() => c1.mergeUpdate(new Context({ Train: { us: { lr: 15 } } })), MergeError);
  c1.mergeUpdate(new Context({ Train: { us: { lr: 15 } } }), true);
  assert.deepEqual(c1.select('Train.us', { unwrap: true }), { lr: 15, layers: 100 });
});

test('test_merge_list: lists are never merged', () => {
  const c1 = new Context({ lst: [1, 2, 3] });
  assert.throws(() => c1.mergeUpdate(new Context({ lst: [10, 11, 12] })), MergeError);
  c1.mergeUpdate(new Context({ lst: [10, 11, 12] }), true);
  assert.deepEqual(c1.select('lst', { unwrap: true }), [10, 11, 12]);
});

test('test_load_from: values remember file and path', () => {
  const d = { x: { y: { z: 5 }, lst: [1, 2, 3] }, foo: 'foo' };
  const c = Context.loadFrom(() => d, 'params.yaml', null);
  const meta = (k: string) => (c.select(k) as CtxValue).meta;
  assert.deepEqual(meta('x'), { source: 'params.yaml', dpaths: ['x'], local: false });
  assert.deepEqual(meta('foo'), { source: 'params.yaml', dpaths: ['foo'], local: false });
  assert.deepEqual(meta('x.y.z'), { source: 'params.yaml', dpaths: ['x', 'y', 'z'], local: false });
  assert.deepEqual(meta('x.lst.0'), { source: 'params.yaml', dpaths: ['x', 'lst', '0'], local: false });
});

test('test_load_from_raises_if_file_not_exist', () => {
  assert.throws(() => Context.loadFrom(() => undefined, 'params.yaml', null), (e: unknown) => e instanceof ParamsLoadError && e.message === "'params.yaml' does not exist");
});

test('test_clone', () => {
  const c1 = new Context({ dct: { foo0: 'foo0', bar0: 'bar0', foo1: 'foo1', bar1: 'bar1' }, lst: [1, 2, 3] });
  const c2 = c1.clone();
  (c2.root.data.get('dct') as CtxDict).set('foo0', 'foo');
  (c2.root.data.get('dct') as CtxDict).data.delete('foo1');
  assert.deepEqual(c1.value(), { dct: { foo0: 'foo0', bar0: 'bar0', foo1: 'foo1', bar1: 'bar1' }, lst: [1, 2, 3] });
  assert.deepEqual(c2.value(), { dct: { foo0: 'foo', bar0: 'bar0', bar1: 'bar1' }, lst: [1, 2, 3] });
});

test('test_track: values and lists are tracked, dicts are not', () => {
  const d = { lst: [{ foo0: 'foo0', bar0: 'bar0' }, { foo1: 'foo1', bar1: 'bar1' }], dct: { foo: 'foo', bar: 'bar', baz: 'baz' } };
  const c = Context.loadFrom(() => d, 'params.yaml', null);
  const [, tracked] = c.track(() => {
    c.select('lst');
    c.select('dct');
    c.select('dct.foo');
    c.select('lst.0');
    c.select('lst.0.foo0');
  });
  assert.deepEqual(Object.keys(tracked), ['params.yaml']);
  assert.deepEqual(Object.keys(tracked['params.yaml']).sort(), ['dct.foo', 'lst', 'lst.0.foo0']);
});

test('test_track_from_multiple_files', () => {
  const c = Context.loadFrom(() => ({ Train: { us: { lr: 10 } } }), 'params.yaml', null);
  c.mergeUpdate(Context.loadFrom(() => ({ Train: { us: { layers: 100 } } }), 'params2.yaml', null));
  const [, tracked] = c.track(() => {
    c.select('Train');
    c.select('Train.us');
    c.select('Train.us.lr');
    c.select('Train.us.layers');
  });
  assert.deepEqual(tracked, { 'params.yaml': { 'Train.us.lr': 10 }, 'params2.yaml': { 'Train.us.layers': 100 } });
});

// ---- interpolate.py helpers

test('parse errors read like pyparsing (test_failed_to_interpolate)', () => {
  assert.throws(
    () => parseExpr('models.foo.'),
    (e: unknown) =>
      e instanceof InterpolationError &&
      e.message === "${models.foo.}\n            ^\nParseException: Expected end of text, found '.'  (at char 12), (line:1, col:13)",
  );
  assert.throws(
    () => parseExpr('syntax.[error'),
    (e: unknown) => e instanceof InterpolationError && e.message === "${syntax.[error}\n        ^\nParseException: Expected end of text, found '.'  (at char 8), (line:1, col:9)",
  );
  assert.equal(parseExpr('models[0].name'), 'models.0.name');
  assert.equal(parseExpr(' item '), ' item ');
});

test('shlex.quote', () => {
  assert.equal(shellQuote('foo'), 'foo');
  assert.equal(shellQuote(''), "''");
  assert.equal(shellQuote('spaced string'), "'spaced string'");
  assert.equal(shellQuote(`quote"'d`), `'quote"'"'"'d'`);
  assert.equal(shellQuote('a/b.c:d,e=f+g@h%i-j'), 'a/b.c:d,e=f+g@h%i-j');
});

test('to_str of a dict: flags per parsing.bool / parsing.list', () => {
  const d = { a: 1, b: true, c: false, l: [1, 'x y', true], n: { m: null }, e: {}, f: 0.5 };
  assert.equal(toStr(d), "--a 1 --b --l 1 'x y' True --n.m None --f 0.5");
  assert.equal(toStr(d, { bool: 'boolean_optional', list: 'append' }), "--a 1 --b --no-c --l 1 --l 'x y' --l True --n.m None --f 0.5");
  assert.throws(() => toStr({ list: [1, [2, 3]] }), /Cannot interpolate nested iterable in 'list'/);
  assert.equal(pyStr(new YamlFloat(2)), '2.0');
});
