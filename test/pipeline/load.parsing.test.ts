// Ports of DVC's tests/func/parsing/{test_foreach,test_matrix,test_interpolated_entry,
// test_resolver,test_top_level,test_errors}.py, run against interpolate.ts's Resolver with the
// params files in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver, ResolveError, type ParsingConfig } from '../../src/pipeline/interpolate.js';
import { readParamFile } from '../../src/pipeline/paramfile.js';
import { dumpYaml } from '../../src/util/yaml.js';

type Files = Record<string, unknown>;

function mk(data: Record<string, unknown>, files: Files = {}, opts: { relFile?: string; parsing?: ParsingConfig; warnings?: string[] } = {}): Resolver {
  const texts = new Map(
    Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? v : k.endsWith('.json') ? JSON.stringify(v) : dumpYaml(v)]),
  );
  const read = (rel: string): unknown => (texts.has(rel) ? readParamFile(texts.get(rel)!, rel) : undefined);
  return new Resolver(data, { relFile: opts.relFile ?? 'dvc.yaml', read, parsing: opts.parsing, onWarning: (m) => opts.warnings?.push(m) });
}

function resolveAll(r: Resolver): { stages: Record<string, unknown>; tracked: Record<string, unknown> } {
  const st = r.resolveStages();
  return {
    stages: Object.fromEntries(st.map((s) => [s.name, s.data])),
    tracked: Object.fromEntries(st.map((s) => [s.name, s.trackedVars])),
  };
}

function throwsResolve(f: () => unknown, message: string | RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ResolveError, `expected ResolveError, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

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
  stage1: { cmd: 'python script.py foo --out bar', outs: ['bar'], deps: ['foo'], frozen: true },
  stage2: { cmd: 'echo foo bar' },
};
const USED_VARS = {
  stage1: { 'dict.foo': 'foo', 'dict.bar': 'bar', freeze: true },
  stage2: { 'dict.foo': 'foo', 'dict.bar': 'bar' },
};

// ------------------------------------------------------------------ test_foreach.py

test('foreach: simple list (test_with_simple_list_data)', () => {
  const r = mk({ stages: { build: { foreach: ['foo', 'bar', 'baz'], do: { cmd: 'echo ${item}' } } } });
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, { 'build@foo': { cmd: 'echo foo' }, 'build@bar': { cmd: 'echo bar' }, 'build@baz': { cmd: 'echo baz' } });
  assert.deepEqual(tracked['build@foo'], {});
  assert.deepEqual(r.context.value(), {});
});

test('foreach: dict (test_with_dict_data)', () => {
  const r = mk({ stages: { build: { foreach: { model1: 'foo', model2: 'bar' }, do: { cmd: 'echo ${key} ${item}' } } } });
  assert.deepEqual(resolveAll(r).stages, { 'build@model1': { cmd: 'echo model1 foo' }, 'build@model2': { cmd: 'echo model2 bar' } });
});

test('foreach: dict with non-str keys (test_with_dict_with_non_str_keys)', () => {
  const data = new Map<unknown, unknown>([
    [2021, { thresh: 'foo' }],
    [2022, { thresh: 'bar' }],
  ]);
  const r = mk({ stages: { build: { foreach: data, do: { cmd: 'echo ${key} ${item.thresh}' } } } });
  assert.deepEqual(resolveAll(r).stages, { 'build@2021': { cmd: 'echo 2021 foo' }, 'build@2022': { cmd: 'echo 2022 bar' } });
});

test('foreach: composite list uses indexes (test_with_composite_list)', () => {
  const r = mk({ stages: { build: { foreach: [{ thresh: 'foo' }, { thresh: 'bar' }], do: { cmd: 'echo ${item.thresh}' } } } });
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, { 'build@0': { cmd: 'echo foo' }, 'build@1': { cmd: 'echo bar' } });
  assert.deepEqual(tracked['build@0'], {});
});

test('foreach: interpolated simple list (test_foreach_interpolated_simple_list)', () => {
  const r = mk({ vars: [{ models: ['foo', 'bar', 'baz'] }], stages: { build: { foreach: '${models}', do: { cmd: 'echo ${item}' } } } });
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, { 'build@foo': { cmd: 'echo foo' }, 'build@bar': { cmd: 'echo bar' }, 'build@baz': { cmd: 'echo baz' } });
  assert.deepEqual(r.context.value(), { models: ['foo', 'bar', 'baz'] });
  assert.ok(Object.values(tracked).every((t) => Object.keys(t as object).length === 0));
});

for (const foreachDef of ['${item.thresh}', '${item[thresh]}']) {
  for (const [data, result] of [
    [
      { model1: { thresh: 'foo' }, model2: { thresh: 'bar' } },
      { 'build@model1': { cmd: 'echo foo' }, 'build@model2': { cmd: 'echo bar' } },
    ],
    [
      [{ thresh: 'foo' }, { thresh: 'bar' }],
      { 'build@0': { cmd: 'echo foo' }, 'build@1': { cmd: 'echo bar' } },
    ],
  ] as [unknown, unknown][]) {
    test(`foreach: interpolate composite data ${foreachDef} ${Array.isArray(data) ? 'list' : 'dict'} (test_foreach_interpolate_with_composite_data)`, () => {
      const r = mk({ vars: [{ models: data }], stages: { build: { foreach: '${models}', do: { cmd: `echo ${foreachDef}` } } } });
      const { stages, tracked } = resolveAll(r);
      assert.deepEqual(stages, result);
      assert.deepEqual(r.context.value(), { models: data });
      assert.ok(Object.values(tracked).every((t) => Object.keys(t as object).length === 0));
    });
  }
}

test('foreach: params file dict is tracked per item (test_params_file_with_dict_tracked)', () => {
  const r = mk({ stages: { build: { foreach: '${models}', do: { cmd: 'echo ${item.thresh}' } } } }, { 'params.yaml': { models: { model1: { thresh: 'foo' }, model2: { thresh: 'bar' } } } });
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, { 'build@model1': { cmd: 'echo foo' }, 'build@model2': { cmd: 'echo bar' } });
  assert.deepEqual(tracked, {
    'build@model1': { 'params.yaml': { 'models.model1.thresh': 'foo' } },
    'build@model2': { 'params.yaml': { 'models.model2.thresh': 'bar' } },
  });
});

test('foreach: params file composite list tracked (test_params_file_tracked_for_composite_list)', () => {
  const r = mk({ stages: { build: { foreach: '${models}', do: { cmd: 'echo ${item.thresh}' } } } }, { 'params.yaml': { models: [{ thresh: 'foo' }, { thresh: 'bar' }] } });
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, { 'build@0': { cmd: 'echo foo' }, 'build@1': { cmd: 'echo bar' } });
  assert.deepEqual(tracked, {
    'build@0': { 'params.yaml': { 'models.0.thresh': 'foo' } },
    'build@1': { 'params.yaml': { 'models.1.thresh': 'bar' } },
  });
});

test('foreach: data from nested vars (test_foreach_data_from_nested_vars)', () => {
  const vars = { models: { lst: [{ thresh: 10 }, { thresh: 15 }] } };
  const r = mk({ vars: [vars], stages: { build: { foreach: '${models.lst}', do: { cmd: 'echo ${item.thresh}' } } } });
  assert.deepEqual(resolveAll(r).stages, { 'build@0': { cmd: 'echo 10' }, 'build@1': { cmd: 'echo 15' } });
  assert.deepEqual(r.context.value(), vars);
});

test('foreach: partial interpolations in the data (test_foreach_partial_interpolations)', () => {
  const r = mk({ vars: [{ bar: 'bar' }], stages: { build: { foreach: { model1: 'foo', model2: '${bar}' }, do: { cmd: 'echo ${item}' } } } });
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, { 'build@model1': { cmd: 'echo foo' }, 'build@model2': { cmd: 'echo bar' } });
  assert.ok(Object.values(tracked).every((t) => Object.keys(t as object).length === 0));
});

test('foreach: data merged from two files (test_mixed_vars_for_foreach_data)', () => {
  const r = mk(
    { vars: ['test_params.yaml'], stages: { build: { foreach: '${models}', do: { cmd: 'echo ${item}' } } } },
    { 'params.yaml': { models: { model1: 'foo' } }, 'test_params.yaml': { models: { model2: 'bar' } } },
  );
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, { 'build@model1': { cmd: 'echo foo' }, 'build@model2': { cmd: 'echo bar' } });
  assert.deepEqual(r.context.value(), { models: { model1: 'foo', model2: 'bar' } });
  assert.deepEqual(tracked, {
    'build@model1': { 'params.yaml': { 'models.model1': 'foo' } },
    'build@model2': { 'test_params.yaml': { 'models.model2': 'bar' } },
  });
});

test('foreach: nested data merged from two files (test_mixed_vars_for_foreach_data_2)', () => {
  const r = mk(
    { vars: ['test_params.yaml'], stages: { build: { foreach: '${models}', do: { cmd: 'echo ${item.thresh} ${item.epochs}' } } } },
    {
      'params.yaml': { models: { model1: { thresh: 10 }, model2: { thresh: 15 } } },
      'test_params.yaml': { models: { model1: { epochs: 5 }, model2: { epochs: 10 } } },
    },
  );
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, { 'build@model1': { cmd: 'echo 10 5' }, 'build@model2': { cmd: 'echo 15 10' } });
  assert.deepEqual(tracked, {
    'build@model1': { 'params.yaml': { 'models.model1.thresh': 10 }, 'test_params.yaml': { 'models.model1.epochs': 5 } },
    'build@model2': { 'params.yaml': { 'models.model2.thresh': 15 }, 'test_params.yaml': { 'models.model2.epochs': 10 } },
  });
});

test('foreach: interpolated wdir (test_foreach_with_interpolated_wdir)', () => {
  const r = mk({ stages: { build: { foreach: ['foo', 'bar'], do: { wdir: '${item}', cmd: 'echo hello' } } } }, {}, { relFile: 'data/dvc.yaml' });
  assert.deepEqual(resolveAll(r).stages, {
    'build@foo': { wdir: 'foo', cmd: 'echo hello' },
    'build@bar': { wdir: 'bar', cmd: 'echo hello' },
  });
});

test('foreach: local vars (test_foreach_with_local_vars)', () => {
  const r = mk({ stages: { build: { foreach: ['foo', 'bar'], do: { vars: [{ foobar: 'foobar' }], cmd: 'echo ${item} ${foobar}' } } } }, {}, { relFile: 'data/dvc.yaml' });
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, { 'build@foo': { cmd: 'echo foo foobar' }, 'build@bar': { cmd: 'echo bar foobar' } });
  assert.deepEqual(r.context.value(), {});
  assert.ok(Object.values(tracked).every((t) => Object.keys(t as object).length === 0));
});

for (const localImport of ['test_params.yaml', 'test_params.yaml:train', 'test_params.yaml:train,prepare']) {
  test(`foreach: imported stage vars ${localImport} (test_foreach_with_imported_vars)`, () => {
    const r = mk(
      { stages: { build: { foreach: ['foo', 'bar'], do: { vars: [localImport], cmd: 'echo ${item} ${train.epochs}' } } } },
      { 'params.yaml': { models: { model1: { thresh: 'foo' } } }, 'test_params.yaml': { train: { epochs: 10 }, prepare: { nums: 25 } } },
    );
    const { stages, tracked } = resolveAll(r);
    assert.deepEqual(stages, { 'build@foo': { cmd: 'echo foo 10' }, 'build@bar': { cmd: 'echo bar 10' } });
    assert.deepEqual(r.context.value(), { models: { model1: { thresh: 'foo' } } });
    assert.deepEqual(tracked, {
      'build@foo': { 'test_params.yaml': { 'train.epochs': 10 } },
      'build@bar': { 'test_params.yaml': { 'train.epochs': 10 } },
    });
  });
}

for (const localImport of ['params.yaml', 'params.yaml:train,prepare']) {
  test(`foreach: interpolated wdir + local vars ${localImport} (test_foreach_with_interpolated_wdir_and_local_vars)`, () => {
    const files: Files = { 'params.yaml': { models: { model1: { thresh: 'foo' } } } };
    for (let i = 0; i < 5; i++) files[`model-${i}/params.yaml`] = { train: { epochs: 1 + i }, prepare: { nums: 10 * i } };
    const r = mk(
      {
        stages: {
          build: { foreach: [0, 1, 2, 3, 4], do: { wdir: 'model-${item}', vars: [localImport], cmd: 'echo ${item} ${train.epochs} ${prepare.nums}' } },
        },
      },
      files,
    );
    const { stages, tracked } = resolveAll(r);
    const want: Record<string, unknown> = {};
    const wantTracked: Record<string, unknown> = {};
    for (let i = 0; i < 5; i++) {
      want[`build@${i}`] = { wdir: `model-${i}`, cmd: `echo ${i} ${i + 1} ${10 * i}` };
      wantTracked[`build@${i}`] = { [`model-${i}/params.yaml`]: { 'train.epochs': i + 1, 'prepare.nums': 10 * i } };
    }
    assert.deepEqual(stages, want);
    assert.deepEqual(tracked, wantTracked);
    assert.deepEqual(r.context.value(), { models: { model1: { thresh: 'foo' } } });
    assert.deepEqual([...r.context.imports], [['params.yaml', null]]);
  });
}

test('foreach: params booleans named as Python str() (True), literals as to_str (true)', () => {
  const r = mk(
    { stages: { a: { foreach: '${flags}', do: { cmd: 'x ${item}' } }, b: { foreach: [true, 1.5, null], do: { cmd: 'x' } } } },
    { 'params.yaml': 'flags: [true, false]\n' },
  );
  assert.deepEqual(Object.keys(resolveAll(r).stages), ['a@True', 'a@False', 'b@true', 'b@1.5', 'b@None']);
});

// ------------------------------------------------------------------ test_matrix.py

const MATRIX_DATA = {
  os: ['win', 'linux'],
  pyv: [3.7, 3.8],
  dict: [{ arg1: 1 }, { arg2: 2 }],
  list: [
    ['out1', 'out11'],
    ['out2', 'out22'],
  ],
};
const MATRIX_NAMES: string[] = [];
for (const os of ['win', 'linux']) for (const pyv of ['3.7', '3.8']) for (const d of ['dict0', 'dict1']) for (const l of ['list0', 'list1']) MATRIX_NAMES.push(`${os}-${pyv}-${d}-${l}`);

for (const [label, matrix] of [
  ['literal', MATRIX_DATA],
  ['interpolated', { os: '${os}', pyv: '${pyv}', dict: '${dict}', list: '${list}' }],
] as [string, unknown][]) {
  test(`matrix ${label} (test_matrix_interpolated)`, () => {
    const r = mk({ stages: { build: { matrix, cmd: 'echo ${item.os} ${item.pyv} ${item.dict} -- ${item.list.0} ${item.list.1}' } } }, { 'params.yaml': MATRIX_DATA });
    const want: Record<string, unknown> = {};
    for (const k of MATRIX_NAMES) {
      const [os, pyv, d, l] = k.split('-');
      const dict = d === 'dict0' ? '--arg1 1' : '--arg2 2';
      const list = l === 'list0' ? 'out1 out11' : 'out2 out22';
      want[`build@${k}`] = { cmd: `echo ${os} ${pyv} ${dict} -- ${list}` };
    }
    const { stages } = resolveAll(r);
    assert.deepEqual(stages, want);
    assert.deepEqual(Object.keys(stages), Object.keys(want)); // itertools.product order
  });
  test(`matrix ${label}: \${key} (test_matrix_key_present)`, () => {
    const r = mk({ stages: { build: { matrix, cmd: 'echo ${key}' } } }, { 'params.yaml': MATRIX_DATA });
    assert.deepEqual(resolveAll(r).stages, Object.fromEntries(MATRIX_NAMES.map((k) => [`build@${k}`, { cmd: `echo ${k}` }])));
  });
}

test('matrix over params tracks the axis values it uses', () => {
  const r = mk({ stages: { build: { matrix: { os: '${os}' }, cmd: 'echo ${item.os}' } } }, { 'params.yaml': { os: ['win', 'linux'] } });
  assert.deepEqual(resolveAll(r).tracked, { 'build@win': { 'params.yaml': { 'os.0': 'win' } }, 'build@linux': { 'params.yaml': { 'os.1': 'linux' } } });
});

// ------------------------------------------------------------------ test_interpolated_entry.py

test('test_simple', () => {
  const r = mk(TEMPLATED, { 'params.yaml': CONTEXT_DATA });
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, RESOLVED);
  assert.deepEqual(tracked, { stage1: { 'params.yaml': USED_VARS.stage1 }, stage2: { 'params.yaml': USED_VARS.stage2 } });
});

test('test_vars_import', () => {
  const r = mk({ ...TEMPLATED, vars: ['params2.yaml'] }, { 'params2.yaml': CONTEXT_DATA });
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, RESOLVED);
  assert.deepEqual(tracked, { stage1: { 'params2.yaml': USED_VARS.stage1 }, stage2: { 'params2.yaml': USED_VARS.stage2 } });
});

test('test_vars_and_params_import', () => {
  const r = mk(
    { vars: ['params.yaml', { dict: { foo: 'foobar' } }], stages: { stage1: { cmd: 'echo ${dict.foo} ${dict.bar}' } } },
    { 'params.yaml': { dict: { bar: 'bar' } } },
  );
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, { stage1: { cmd: 'echo foobar bar' } });
  assert.deepEqual(tracked, { stage1: { 'params.yaml': { 'dict.bar': 'bar' } } });
});

test('test_stage_with_wdir', () => {
  const r = mk(
    { stages: { stage1: { cmd: 'echo ${dict.foo} ${dict.bar}', params: ['value1'], wdir: 'data', vars: ['params.yaml'] } } },
    { 'params.yaml': { dict: { bar: 'bar' } }, 'data/params.yaml': { dict: { foo: 'foo' } } },
  );
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, { stage1: { cmd: 'echo foo bar', wdir: 'data', params: ['value1'] } });
  assert.deepEqual(tracked, { stage1: { 'data/params.yaml': { 'dict.foo': 'foo' }, 'params.yaml': { 'dict.bar': 'bar' } } });
});

test('test_with_templated_wdir', () => {
  const r = mk(
    { stages: { stage1: { cmd: 'echo ${dict.foo} ${dict.bar}', params: ['value1'], wdir: '${dict.ws}', vars: ['params.yaml'] } } },
    { 'params.yaml': { dict: { bar: 'bar', ws: 'data' } }, 'data/params.yaml': { dict: { foo: 'foo' } } },
  );
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, { stage1: { cmd: 'echo foo bar', wdir: 'data', params: ['value1'] } });
  assert.deepEqual(tracked, { stage1: { 'data/params.yaml': { 'dict.foo': 'foo' }, 'params.yaml': { 'dict.bar': 'bar', 'dict.ws': 'data' } } });
  assert.deepEqual([...r.context.imports], [['params.yaml', null]]);
  assert.deepEqual(r.context.value(), { dict: { bar: 'bar', ws: 'data' } });
});

test('test_resolve_local_tries_to_load_globally_used_files', () => {
  const r = mk(
    { vars: ['params.json'], stages: { build: { cmd: 'command --value ${bar}', params: [{ 'params.json': ['foo'] }], vars: ['params.json'] } } },
    { 'params.json': { bar: 'bar', foo: 'foo' } },
  );
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, { build: { cmd: 'command --value bar', params: [{ 'params.json': ['foo'] }] } });
  assert.deepEqual(tracked, { build: { 'params.json': { bar: 'bar' } } });
});

test('test_resolve_local_tries_to_load_globally_used_params_yaml', () => {
  const r = mk(
    { stages: { build: { cmd: 'command --value ${bar}', params: [{ 'params.yaml': ['foo'] }], vars: ['params.yaml'] } } },
    { 'params.yaml': { bar: 'bar', foo: 'foo' } },
  );
  const { stages, tracked } = resolveAll(r);
  assert.deepEqual(stages, { build: { cmd: 'command --value bar', params: [{ 'params.yaml': ['foo'] }] } });
  assert.deepEqual(tracked, { build: { 'params.yaml': { bar: 'bar' } } });
});

test('test_vars_relpath_overwrite', () => {
  const r = mk({ vars: ['params.yaml'], stages: { build: { wdir: 'data', cmd: 'echo ${bar}', vars: ['../params.yaml'] } } }, { 'params.yaml': { bar: 'bar', foo: 'foo' } });
  resolveAll(r);
  assert.deepEqual([...r.context.imports], [['params.yaml', null]]);
});

for (const local of [true, false]) {
  for (const vars of [['test_params.yaml:bar', 'test_params.yaml:foo'], ['test_params.yaml:foo,bar'], ['test_params.yaml'], ['test_params.yaml', 'test_params.yaml']]) {
    test(`test_vars_load_partial local=${local} ${vars.join(' ')}`, () => {
      const d: Record<string, unknown> = { stages: { build: { cmd: 'echo ${bar}', ...(local ? { vars } : {}) } } };
      if (!local) d.vars = vars;
      assert.deepEqual(resolveAll(mk(d, { 'test_params.yaml': { bar: 'bar', foo: 'foo' } })).stages, { build: { cmd: 'echo bar' } });
    });
  }
}

for (const [boolConfig, listConfig] of [
  [undefined, undefined],
  ['store_true', 'nargs'],
  ['boolean_optional', 'append'],
] as [ParsingConfig['bool'], ParsingConfig['list']][]) {
  test(`test_cmd_dict bool=${boolConfig} list=${listConfig}`, () => {
    const mixed = `quote"'d`;
    const data = {
      dict: { foo: 'foo', bar: 2, string: 'spaced string', mixed_quote_string: mixed, bool: true, 'bool-false': false, list: [1, 2, 'foo', mixed], nested: { foo: 'foo' } },
    };
    const r = mk({ stages: { stage1: { cmd: 'python script.py ${dict}' } } }, { 'params.yaml': data }, { parsing: { bool: boolConfig, list: listConfig } });
    const q = `'quote"'"'"'d'`;
    const boolResolved = boolConfig === 'boolean_optional' ? ' --bool --no-bool-false' : ' --bool';
    const listResolved = listConfig === 'append' ? ` --list 1 --list 2 --list foo --list ${q}` : ` --list 1 2 foo ${q}`;
    assert.deepEqual(resolveAll(r).stages, {
      stage1: { cmd: `python script.py --foo foo --bar 2 --string 'spaced string' --mixed_quote_string ${q}${boolResolved}${listResolved} --nested.foo foo` },
    });
  });
}

// ------------------------------------------------------------------ test_resolver.py

const DATA = { models: { bar: 'bar', foo: 'foo' } };

test('test_resolver (context merged in later)', () => {
  const r = mk(TEMPLATED, {});
  r.context.mergeUpdate(new (r.context.constructor as new (d: unknown) => typeof r.context)(CONTEXT_DATA));
  assert.deepEqual(resolveAll(r).stages, RESOLVED);
});

test('test_default_params_file_not_exist / test_local_vars / test_no_params_yaml_and_vars', () => {
  assert.deepEqual(mk({ vars: [DATA.models] }).context.value(), DATA.models);
  assert.deepEqual(mk({}).context.value(), {});
  assert.deepEqual(mk({ vars: [{ foo: 'bar', bar: 'foo' }] }).context.value(), { foo: 'bar', bar: 'foo' });
});

for (const vars of ['${file}_params.yaml', { foo: '${foo}' }]) {
  test(`global vars cannot be interpolated: ${JSON.stringify(vars)} (test_vars_interpolation_errors)`, () => {
    throwsResolve(() => mk({ vars: [vars, { bar: 'foo' }] }), "failed to parse 'vars' in 'dvc.yaml': interpolating is not allowed");
  });
}

for (const d of [{}, { vars: [] }, { vars: ['params.yaml'] }]) {
  test(`test_default_params_file ${JSON.stringify(d)}`, () => {
    assert.deepEqual(mk(d, { 'params.yaml': DATA }).context.value(), DATA);
  });
}

test('test_load_vars_from_file', () => {
  const r = mk({ vars: ['params.yaml', 'params.json'] }, { 'params.yaml': DATA, 'params.json': { datasets: ['foo', 'bar'] } });
  assert.deepEqual(r.context.value(), { ...DATA, datasets: ['foo', 'bar'] });
});

test('test_load_vars_with_relpath', () => {
  const r = mk({ vars: ['../params.yaml'] }, { 'params.yaml': DATA }, { relFile: 'subdir/dvc.yaml' });
  assert.deepEqual(r.context.value(), DATA);
});

test('test_partial_vars_doesnot_exist (global)', () => {
  throwsResolve(() => mk({ vars: ['test_params.yaml:sub2'] }, { 'test_params.yaml': { sub1: 'sub1' } }), "failed to parse 'vars' in 'dvc.yaml': could not find 'sub2' in 'test_params.yaml'");
});

test('test_global_overwrite_error_on_imports', () => {
  throwsResolve(
    () => mk({ vars: ['params.yaml', 'params.json'] }, { 'params.yaml': DATA, 'params.json': DATA }),
    "failed to parse 'vars' in 'dvc.yaml':\ncannot redefine 'models.bar' from 'params.json' as it already exists in 'params.yaml'",
  );
});

test('test_global_overwrite_vars', () => {
  throwsResolve(() => mk({ vars: [DATA] }, { 'params.yaml': DATA }), "failed to parse 'vars' in 'dvc.yaml':\ncannot redefine 'models.bar' from 'vars[0]' as it already exists in 'params.yaml'");
});

test('test_local_declared_vars_overwrite', () => {
  throwsResolve(
    () => mk({ vars: [DATA.models, DATA.models] }, { 'params.yaml': DATA }),
    "failed to parse 'vars' in 'dvc.yaml':\ncannot redefine 'bar' from 'vars[1]' as it already exists in 'vars[0]'",
  );
});

test('test_specified_params_file_not_exist', () => {
  throwsResolve(() => mk({ vars: ['not_existing_params.yaml'] }), "failed to parse 'vars' in 'dvc.yaml': 'not_existing_params.yaml' does not exist");
});

for (const local of [true, false]) {
  for (const vars of [
    ['test_params.yaml', 'test_params.yaml:sub1'],
    ['test_params.yaml:sub1', 'test_params.yaml'],
    ['test_params.yaml:sub1', 'test_params.yaml:sub1,sub2'],
  ]) {
    test(`test_vars_already_loaded_message local=${local} ${vars.join(' ')}`, () => {
      const d: Record<string, unknown> = { stages: { build: { cmd: 'echo ${sub1} ${sub2}', ...(local ? { vars } : {}) } } };
      if (!local) d.vars = vars;
      throwsResolve(() => resolveAll(mk(d, { 'test_params.yaml': { sub1: 'sub1', sub2: 'sub2' } })), /partially/);
    });
  }
}

for (const [vars, loc] of [
  [DATA, 'build.vars[0]'],
  ['params.json', 'params.json'],
] as [unknown, string][]) {
  test(`test_local_overwrite_error ${loc}`, () => {
    const r = mk({ stages: { build: { cmd: 'echo ${models.foo}', vars: [vars] } } }, { 'params.yaml': DATA, 'params.json': DATA });
    throwsResolve(
      () => resolveAll(r),
      `failed to parse stage 'build' in 'dvc.yaml':\ncannot redefine 'models.bar' from '${loc}' as it already exists in 'params.yaml'`,
    );
  });
}

// ------------------------------------------------------------------ test_top_level.py

test('top-level params and metrics are interpolated (test_params, test_metrics)', () => {
  const r = mk({ params: ['${params.param1}', 'param11', '${params.param2}'] }, { 'params.yaml': { params: { param1: 'params.json', param2: 'params.toml' } } });
  assert.deepEqual(r.resolveTop('params'), ['params.json', 'param11', 'params.toml']);
  const m = mk({ metrics: ['${metrics.metric1}', 'metric11', '${metrics.metric2}'] }, { 'params.yaml': { metrics: { metric1: 'metrics.json', metric2: 'metrics.toml' } } });
  assert.deepEqual(m.resolveTop('metrics'), ['metrics.json', 'metric11', 'metrics.toml']);
});

test('top-level plots are interpolated, keys too (test_plots)', () => {
  const template = {
    plots: [
      {
        '${plots.plot1_name}': {
          x: '${plots.x_cls}',
          y: { 'train_classes.csv': '${plots.y_train_cls}', 'test_classes.csv': ['${plots.y_train_cls}', '${plots.y_test_cls}'] },
          title: 'Compare test vs train confusion matrix',
          template: 'confusion',
          x_label: 'Actual class',
          y_label: 'Predicted class',
        },
      },
      { 'eval/importance2.png': null },
      { '${plots.plot3_name}': null },
      'eval/importance4.png',
      '${plots.plot5_name}',
    ],
  };
  const params = {
    plots: {
      x_cls: 'actual_class',
      y_train_cls: 'predicted_class',
      y_test_cls: 'predicted_class2',
      plot1_name: 'eval/importance1.png',
      plot3_name: 'eval/importance3.png',
      plot5_name: 'eval/importance5.png',
    },
  };
  assert.deepEqual(mk(template, { 'params.yaml': params }).resolveTop('plots'), [
    {
      'eval/importance1.png': {
        x: 'actual_class',
        y: { 'train_classes.csv': 'predicted_class', 'test_classes.csv': ['predicted_class', 'predicted_class2'] },
        title: 'Compare test vs train confusion matrix',
        template: 'confusion',
        x_label: 'Actual class',
        y_label: 'Predicted class',
      },
    },
    { 'eval/importance2.png': null },
    { 'eval/importance3.png': null },
    'eval/importance4.png',
    'eval/importance5.png',
  ]);
});

test('top-level datasets are interpolated (test_datasets)', () => {
  const r = mk(
    { datasets: [{ name: '${ds1.name}', url: '${ds1.url}', type: 'dc' }] },
    { 'params.yaml': { ds1: { name: 'dogs', url: 'dc://dogs' } } },
  );
  assert.deepEqual(r.resolveTop('datasets'), [{ name: 'dogs', url: 'dc://dogs', type: 'dc' }]);
});

// ------------------------------------------------------------------ test_errors.py

const entry = (def: Record<string, unknown>, vars: Record<string, unknown>[] = [], files: Files = {}) => () =>
  resolveAll(mk({ ...(vars.length ? { vars } : {}), stages: { build: def } }, files));

for (const vars of ['${file}_params.yaml', { foo: '${foo}' }]) {
  test(`stage vars cannot be interpolated ${JSON.stringify(vars)} (test_vars_interpolation_errors)`, () => {
    throwsResolve(entry({ vars: [vars] }), "failed to parse 'stages.build.vars' in 'dvc.yaml': interpolating is not allowed");
  });
}

test('test_failed_to_interpolate', () => {
  throwsResolve(
    entry({ cmd: 'echo ${models.foo.}' }, [{ models: { foo: 'bar' } }]),
    "failed to parse 'stages.build.cmd' in 'dvc.yaml':\n${models.foo.}\n            ^\nParseException: Expected end of text, found '.'  (at char 12), (line:1, col:13)",
  );
});

test('test_local_vars_params_file_not_exist', () => {
  throwsResolve(entry({ vars: ['not_existing_params.yaml'], cmd: 'echo ${models.foo}' }), "failed to parse stage 'build' in 'dvc.yaml': 'not_existing_params.yaml' does not exist");
});

test('test_specified_key_does_not_exist', () => {
  throwsResolve(entry({ cmd: 'echo ${models.foobar}' }, [{ models: { foo: 'foo' } }]), "failed to parse 'stages.build.cmd' in 'dvc.yaml': Could not find 'models.foobar'");
});

for (const [wdir, expected] of [
  ['${models[foobar]}', " Could not find 'models.foobar'"],
  ['${models.foo]}', "\n${models.foo]}\n            ^\nParseException: Expected end of text, found ']'  (at char 12), (line:1, col:13)"],
]) {
  test(`test_wdir_failed_to_interpolate ${wdir}`, () => {
    throwsResolve(entry({ wdir, cmd: 'echo ${models.bar}' }, [{ models: { bar: 'bar' } }]), "failed to parse 'stages.build.wdir' in 'dvc.yaml':" + expected);
  });
}

test('test_interpolate_non_string', () => {
  throwsResolve(entry({ outs: '${models}' }, [{ models: {} }]), "failed to parse 'stages.build.outs' in 'dvc.yaml':\nCannot interpolate data of type 'dict'");
});

test('a list cannot be interpolated into a string either', () => {
  throwsResolve(entry({ cmd: 'echo ${models}' }, [{ models: [1, 2] }]), "failed to parse 'stages.build.cmd' in 'dvc.yaml':\nCannot interpolate data of type 'list'");
});

test('test_interpolate_nested_iterable', () => {
  throwsResolve(entry({ cmd: 'echo ${models}' }, [{ models: { list: [1, [2, 3]] } }]), "failed to parse 'stages.build.cmd' in 'dvc.yaml':\nCannot interpolate nested iterable in 'list'");
});

test('test_partial_vars_doesnot_exist (stage)', () => {
  throwsResolve(
    entry({ vars: ['test_params.yaml:sub3'], cmd: 'echo ${sub1} ${sub2}' }, [], { 'test_params.yaml': { sub1: 'sub1', sub2: 'sub2' } }),
    "failed to parse stage 'build' in 'dvc.yaml': could not find 'sub3' in 'test_params.yaml'",
  );
});

const foreachDef = (foreach: unknown, doDef: Record<string, unknown> = {}, vars: Record<string, unknown>[] = [], files: Files = {}, warnings?: string[]) => () =>
  resolveAll(mk({ ...(vars.length ? { vars } : {}), stages: { build: { foreach, do: doDef } } }, files, { warnings }));

test('test_foreach_data_syntax_error', () => {
  throwsResolve(
    foreachDef('${syntax.[error}'),
    "failed to parse 'stages.build.foreach' in 'dvc.yaml':\n${syntax.[error}\n        ^\nParseException: Expected end of text, found '.'  (at char 8), (line:1, col:9)",
  );
});

for (const key of ['modelss', 'modelss.123']) {
  test(`test_foreach_data_key_does_not_exists ${key}`, () => {
    throwsResolve(foreachDef('${' + key + '}'), `failed to parse 'stages.build.foreach' in 'dvc.yaml': Could not find '${key}'`);
  });
}

for (const data of ['${foo}', '${dct.model1}', '${lst.0}', 'foobar']) {
  test(`test_foreach_data_expects_list_or_dict ${data}`, () => {
    throwsResolve(
      foreachDef(data, {}, [{ foo: 'bar', dct: { model1: 'a-out' }, lst: ['foo', 'bar'] }]),
      "failed to resolve 'stages.build.foreach' in 'dvc.yaml': expected list/dictionary, got str",
    );
  });
}

for (const [globalData, where] of [
  [{ item: 10, key: 10 }, 'item and key are'],
  [{ item: 10 }, 'item is'],
  [{ key: 5 }, 'key is'],
] as [Record<string, unknown>, string][]) {
  test(`test_foreach_overwriting_item_in_list ${where}`, () => {
    const warnings: string[] = [];
    foreachDef({ model1: 10, model2: 5 }, { cmd: 'x' }, [globalData], {}, warnings)();
    assert.deepEqual(warnings, [`${where} already specified, will be overwritten for stages generated from 'build'`]);
  });
}

test('test_foreach_do_syntax_errors', () => {
  throwsResolve(
    foreachDef(['foo', 'bar'], { cmd: 'echo ${syntax.[error}' }),
    "failed to parse 'stages.build.cmd' in 'dvc.yaml':\n${syntax.[error}\n        ^\nParseException: Expected end of text, found '.'  (at char 8), (line:1, col:9)",
  );
});

for (const [key, loc] of [
  ['item.thresh', 'stages.build@1.cmd'],
  ['foo.bar', 'stages.build@0.cmd'],
]) {
  test(`test_foreach_do_definition_item_does_not_exist ${key}`, () => {
    throwsResolve(foreachDef([{ thresh: '10' }, {}], { cmd: '${' + key + '}' }, [{ foo: 'bar' }]), `failed to parse '${loc}' in 'dvc.yaml': Could not find '${key}'`);
  });
}

for (const redefine of [{ item: 5 }, { key: 5 }, { item: 5, key: 10 }, { item: { epochs: 10 } }] as Record<string, unknown>[]) {
  for (const fromFile of [true, false]) {
    test(`test_item_key_in_generated_stage_vars ${JSON.stringify(redefine)} fromFile=${fromFile}`, () => {
      const vars = fromFile ? ['test_params.yaml'] : [redefine];
      const keys = Object.keys(redefine);
      throwsResolve(
        foreachDef({ model1: { thresh: '10' }, model2: { thresh: 5 } }, { vars, cmd: '${item}' }, [{ foo: 'bar' }], { 'test_params.yaml': redefine }),
        new RegExp(
          `^failed to parse stage 'build@model1' in 'dvc\\.yaml': attempted to modify reserved ${keys.length > 1 ? 'keys' : 'key'} ${keys.join(' and ')}` +
            (fromFile ? " in 'test_params\\.yaml'" : '') +
            '$',
        ),
      );
    });
  }
}

test('test_foreach_wdir_key_does_not_exist', () => {
  throwsResolve(foreachDef('${models}', { wdir: '${ite}', cmd: 'echo ${item}' }, [{ models: ['foo', 'bar'] }]), "failed to parse 'stages.build@foo.wdir' in 'dvc.yaml': Could not find 'ite'");
});

test('errors carry file, stage, key and line in data', () => {
  const r = mk({ stages: { build: { cmd: 'echo ${nope}' } } }, {}, { relFile: 'sub/dvc.yaml' });
  assert.throws(
    () => r.resolveStages(),
    (e: unknown) => e instanceof ResolveError && e.data.file === 'sub/dvc.yaml' && e.data.stage === 'build' && e.data.key === 'stages.build.cmd' && e.code === 'PIPELINE',
  );
});
