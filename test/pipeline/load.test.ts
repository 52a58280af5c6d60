// load.ts: dvc.yaml → typed stages (schema, templating, params, outs), on real temp files and on a
// git revision. Cases from DVC's tests/unit/stage/test_loader_pipeline_file.py,
// tests/unit/dependency/test_params.py (loads_params) and dvc/schema.py.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileFormatError, PipelineError } from '../../src/errors/index.js';
import { ResolveError } from '../../src/pipeline/interpolate.js';
import { dvcFileStage, findProjectFiles, loadProject, loadProjectFile, resolveParams, workspaceReader } from '../../src/pipeline/load.js';
import { unwrapYaml, YamlFloat } from '../../src/util/yaml.js';
import type { Stage } from '../../src/pipeline/types.js';
import { GOLDEN } from '../helpers/fixtures.js';
import { cleanup, commitAll, git, makeGitRepo, makeTempDir, writeFiles } from '../helpers/git.js';

const GUIDE = fileURLToPath(new URL('../../../shared/fixtures/guide-steps/', import.meta.url));
const dirs: string[] = [];
after(() => dirs.forEach(cleanup));

function repo(files: Record<string, string>): string {
  const d = makeTempDir('keel-load-');
  dirs.push(d);
  writeFiles(d, files);
  return d;
}

function load(root: string, rel = 'dvc.yaml', opts: { warnings?: string[] } = {}) {
  const abs = join(root, rel);
  return loadProjectFile(abs, readFileSync(abs, 'utf8'), { repoRoot: root, readFile: workspaceReader(), onWarning: (m) => opts.warnings?.push(m) });
}

function byName(stages: Stage[]): Record<string, Stage> {
  return Object.fromEntries(stages.map((s) => [s.name, s]));
}

function fileError(f: () => unknown, re: RegExp, data: Record<string, unknown> = {}): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof FileFormatError, `expected FileFormatError, got ${String(e)}`);
    assert.match(e.message, re);
    for (const [k, v] of Object.entries(data)) assert.deepEqual(e.data[k], v, `data.${k}`);
    return true;
  });
}

// ------------------------------------------------------------------ golden files

test('golden dvc.yaml (DVC 3.30.3) loads to the expected stages', () => {
  const root = join(GOLDEN, 'repo');
  const pf = load(root);
  assert.equal(pf.file, join(root, 'dvc.yaml'));
  assert.deepEqual(pf.params, []);
  const s = byName(pf.stages);
  assert.deepEqual(Object.keys(s), ['prep', 'train']);
  assert.deepEqual(s.prep.deps, [{ path: 'data', abs: join(root, 'data') }]);
  assert.deepEqual(s.prep.params, [{ file: 'params.yaml', abs: join(root, 'params.yaml'), keys: ['prep.factor'] }]);
  assert.deepEqual(s.prep.outs, [{ path: 'prepared.txt', abs: join(root, 'prepared.txt'), kind: 'outs', cache: true, persist: false, push: true }]);
  assert.match(s.prep.cmd as string, /^python3 -c "import yaml; f=yaml.safe_load/);
  assert.equal(s.prep.wdir, root);
  assert.equal(s.prep.wdirRaw, '.');
  assert.equal(s.prep.kind, 'pipeline');
  assert.equal(s.prep.frozen, false);
  assert.deepEqual(s.train.params, [{ file: 'params.yaml', abs: join(root, 'params.yaml'), keys: ['train'] }]);
  assert.deepEqual(
    s.train.outs.map((o) => [o.path, o.kind, o.cache]),
    [
      ['model', 'outs', true],
      ['metrics.json', 'metrics', false],
    ],
  );
  // params the stages list, read as dvc.lock would record them
  assert.deepEqual(unwrapYaml(resolveParams(s.train, workspaceReader())), { 'params.yaml': { train: { lr: 0.5 } } });
  assert.deepEqual(resolveParams(s.prep, workspaceReader()), { 'params.yaml': { 'prep.factor': 3 } });
});

test('golden data.dvc as a dvcfile stage', () => {
  const root = join(GOLDEN, 'repo');
  const f = join(root, 'data.dvc');
  const st = dvcFileStage(f, readFileSync(f, 'utf8'), root);
  assert.equal(st.name, 'data.dvc');
  assert.equal(st.kind, 'dvcfile');
  assert.deepEqual(st.outs, [{ path: 'data', abs: join(root, 'data'), kind: 'outs', cache: true, persist: false, push: true }]);
});

for (const step of ['step-4', 'step-5', 'step-8']) {
  test(`guide ${step} dvc.yaml loads`, { skip: !existsSync(GUIDE) && 'shared/fixtures/guide-steps is absent' }, () => {
    const root = join(GUIDE, step);
    const pf = load(root);
    const s = byName(pf.stages);
    assert.deepEqual(Object.keys(s).slice(0, 3), ['prepare', 'featurize', 'train']);
    assert.deepEqual(s.prepare.params[0].keys, ['prepare.seed', 'prepare.split']);
    assert.deepEqual(s.train.params[0].keys, ['train.min_split', 'train.n_est', 'train.seed']);
    const v = resolveParams(s.prepare, workspaceReader());
    assert.ok(v['params.yaml']['prepare.split'] === 0.2 || v['params.yaml']['prepare.split'] === 0.25);
    if (step !== 'step-4') {
      const ev = s.evaluate;
      // DVC's loader order: outs, then metrics, then plots
      assert.deepEqual(
        ev.outs.map((o) => [o.path, o.kind, o.cache]),
        [
          ['evaluation/plots/metrics', 'outs', false],
          ['evaluation/metrics.json', 'metrics', false],
          ['evaluation/plots/importance.png', 'plots', true],
          ['evaluation/plots/prc.json', 'plots', false],
          ['evaluation/plots/sklearn/confusion_matrix.json', 'plots', false],
          ['evaluation/plots/sklearn/roc.json', 'plots', false],
        ],
      );
      if (step === 'step-5') {
        assert.deepEqual(ev.outs[3].plot, { x: 'recall', y: 'precision' });
        assert.deepEqual(ev.outs[4].plot, { template: 'confusion', x: 'actual', y: 'predicted' });
      }
      assert.deepEqual(ev.outs[2].plot, {});
    }
  });
}

// ------------------------------------------------------------------ stage fields

test('cmd list and multi-line, wdir, desc, meta, frozen, always_changed, plots props', () => {
  const root = repo({
    'sub/dvc.yaml': [
      'stages:',
      '  a:',
      '    desc: |',
      '      first line',
      '      second',
      '    cmd:',
      '    - echo one',
      '    - echo two',
      '    wdir: ../work',
      '    deps: [in.txt]',
      '    outs:',
      '    - out.txt:',
      '        persist: true',
      '        push: false',
      '        remote: store',
      '        desc: the output',
      '        labels: [x]',
      '        type: model',
      '        meta: {k: v}',
      '    plots:',
      '    - p.csv:',
      '        x: step',
      '        y: loss',
      '        header: false',
      '    frozen: true',
      '    always_changed: true',
      '    meta: {owner: me, lr: 1.0}',
      '  b:',
      '    cmd: |',
      '      echo a',
      '      echo b',
      '',
    ].join('\n'),
  });
  const pf = load(root, 'sub/dvc.yaml');
  assert.equal(pf.dir, join(root, 'sub'));
  const { a, b } = byName(pf.stages);
  assert.deepEqual(a.cmd, ['echo one', 'echo two']);
  assert.equal(a.wdir, join(root, 'work'));
  assert.equal(a.wdirRaw, '../work');
  assert.deepEqual(a.deps, [{ path: 'in.txt', abs: join(root, 'work/in.txt') }]);
  assert.deepEqual(a.outs[0], { path: 'out.txt', abs: join(root, 'work/out.txt'), kind: 'outs', cache: true, persist: true, push: false, remote: 'store', desc: 'the output' });
  assert.deepEqual(a.outs[1], { path: 'p.csv', abs: join(root, 'work/p.csv'), kind: 'plots', cache: true, persist: false, push: true, plot: { x: 'step', y: 'loss', header: false } });
  assert.equal(a.desc, 'first line\nsecond\n');
  assert.equal(a.frozen, true);
  assert.equal(a.alwaysChanged, true);
  assert.ok((a.meta as { lr: unknown }).lr instanceof YamlFloat);
  assert.equal(b.cmd, 'echo a\necho b\n');
});

test('params: DVC _merge_params rules (test_loads_params, test_loads_params_without_any_specific_targets)', () => {
  const root = repo({
    'dvc.yaml': [
      'stages:',
      '  one:',
      '    cmd: x',
      '    params: [foo, bar, {a_file: [baz, bat]}, {b_file: [cat]}, {}, {a_file: [foobar]}]',
      '  two:',
      '    cmd: x',
      '    params:',
      '    - foo',
      '    - params.yaml:',
      '    - a_file: []',
      '    - b_file: [baz, bat]',
      '  three:',
      '    cmd: x',
      '    wdir: w',
      '    params:',
      '    - custom.yaml:',
      '    - lr',
      '',
    ].join('\n'),
  });
  const { one, two, three } = byName(load(root).stages);
  assert.deepEqual(
    one.params.map((p) => [p.file, p.keys]),
    [
      ['params.yaml', ['foo', 'bar']],
      ['a_file', ['baz', 'bat', 'foobar']],
      ['b_file', ['cat']],
    ],
  );
  assert.deepEqual(
    two.params.map((p) => [p.file, p.keys]),
    [
      ['params.yaml', null],
      ['a_file', null],
      ['b_file', ['baz', 'bat']],
    ],
  );
  assert.deepEqual(
    three.params.map((p) => [p.file, p.abs, p.keys]),
    [
      ['custom.yaml', join(root, 'w/custom.yaml'), null],
      ['params.yaml', join(root, 'w/params.yaml'), ['lr']],
    ],
  );
});

test("params: a non-list for a custom file is DVC's error (test_params_error)", () => {
  const root = repo({ 'dvc.yaml': 'stages:\n  s:\n    cmd: x\n    params:\n    - b_file: cat\n' });
  fileError(() => load(root), /Expected list of params for custom params file 'b_file', got 'str'\./, { stage: 's', line: 4 });
});

// ------------------------------------------------------------------ templating end to end

test('templating: params.yaml, vars, foreach, matrix → stages with tracked vars', () => {
  const root = repo({
    'params.yaml': 'train:\n  lr: 0.01\n  epochs: 10\nmodels: [a, b]\n',
    'conf/extra.json': '{"seed": 42, "unused": 1}',
    'dvc.yaml': [
      'vars:',
      '  - conf/extra.json:seed',
      '  - out_dir: results',
      'stages:',
      '  train:',
      '    cmd: python train.py --lr ${train.lr} --seed ${seed}',
      '    deps: [train.py]',
      '    params: [train.lr]',
      "    outs: ['${out_dir}/model.pkl']",
      '  eval:',
      '    foreach: ${models}',
      '    do:',
      '      cmd: python eval.py ${item} ${train.epochs}',
      '      outs:',
      '      - ${out_dir}/${item}.json',
      '  grid:',
      '    matrix:',
      '      model: ${models}',
      '      n: [1, 2]',
      '    cmd: echo ${item.model} ${item.n} ${key}',
      'metrics: ["${out_dir}/metrics.json"]',
      'params: [conf/extra.json]',
      'plots:',
      '  - ${out_dir}/plot.csv',
      '  - acc:',
      '      x: step',
      '      y:',
      '        ${out_dir}/a.csv: acc',
      '        ${out_dir}/b.csv: [acc, loss]',
      '',
    ].join('\n'),
  });
  const pf = load(root);
  const s = byName(pf.stages);
  assert.deepEqual(Object.keys(s), ['train', 'eval@a', 'eval@b', 'grid@a-1', 'grid@a-2', 'grid@b-1', 'grid@b-2']);
  assert.equal(s.train.cmd, 'python train.py --lr 0.01 --seed 42');
  assert.deepEqual(s.train.outs.map((o) => o.path), ['results/model.pkl']);
  assert.deepEqual(s.train.trackedVars, { 'params.yaml': { 'train.lr': 0.01 }, 'conf/extra.json': { seed: 42 } });
  assert.equal(s['eval@b'].cmd, 'python eval.py b 10');
  assert.deepEqual(s['eval@b'].outs.map((o) => o.path), ['results/b.json']);
  assert.deepEqual(s['eval@b'].trackedVars, { 'params.yaml': { 'models.1': 'b', 'train.epochs': 10 } });
  assert.equal(s['grid@b-2'].cmd, 'echo b 2 b-2');
  assert.deepEqual(pf.metrics, ['results/metrics.json']);
  assert.deepEqual(pf.params, ['conf/extra.json']);
  assert.deepEqual(pf.plots, [
    { id: 'results/plot.csv', props: null },
    { id: 'acc', props: { x: 'step', y: { 'results/a.csv': 'acc', 'results/b.csv': ['acc', 'loss'] } } },
  ]);
});

test('templating: whole-value interpolation keeps the type; dict in cmd becomes flags (parsing config)', () => {
  const root = repo({
    'params.yaml': 'opts: {lr: 0.1, verbose: true, quiet: false, layers: [1, 2]}\nfreeze: true\n',
    'dvc.yaml': 'stages:\n  s:\n    cmd: python t.py ${opts}\n    meta: {f: "${freeze}", lr: "${opts.lr}"}\n',
  });
  const abs = join(root, 'dvc.yaml');
  const pf = loadProjectFile(abs, readFileSync(abs, 'utf8'), { repoRoot: root, readFile: workspaceReader(), parsing: { bool: 'boolean_optional', list: 'append' } });
  assert.equal(pf.stages[0].cmd, 'python t.py --lr 0.1 --verbose --no-quiet --layers 1 --layers 2');
  assert.deepEqual(pf.stages[0].meta, { f: true, lr: 0.1 });
});

test('templating errors: undefined var, dict outside cmd → ResolveError naming file, stage, key, line', () => {
  const root = repo({
    'params.yaml': 'd: {a: 1}\n',
    'dvc.yaml': 'stages:\n  ok:\n    cmd: echo\n  s:\n    cmd: echo ${x}\n',
    'sub/dvc.yaml': 'stages:\n  t:\n    cmd: echo\n    deps:\n    - ${d}\n',
  });
  assert.throws(
    () => load(root),
    (e: unknown) =>
      e instanceof ResolveError &&
      e instanceof PipelineError &&
      e.message === "failed to parse 'stages.s.cmd' in 'dvc.yaml': Could not find 'x'" &&
      e.data.file === 'dvc.yaml' &&
      e.data.stage === 's' &&
      e.data.line === 5,
  );
  // sub/dvc.yaml has no params.yaml beside it: `d` is undefined there; give it one
  writeFiles(root, { 'sub/params.yaml': 'd: {a: 1}\n' });
  assert.throws(
    () => load(root, 'sub/dvc.yaml'),
    (e: unknown) => e instanceof ResolveError && e.message === "failed to parse 'stages.t.deps' in 'sub/dvc.yaml':\nCannot interpolate data of type 'dict'" && e.data.line === 4,
  );
});

test('foreach warnings go to onWarning', () => {
  const root = repo({ 'dvc.yaml': 'vars: [{item: 1}]\nstages:\n  b:\n    foreach: [x]\n    do: {cmd: "echo ${item}"}\n' });
  const warnings: string[] = [];
  const pf = load(root, 'dvc.yaml', { warnings });
  assert.equal(pf.stages[0].cmd, 'echo x');
  assert.deepEqual(warnings, ["item is already specified, will be overwritten for stages generated from 'b'"]);
});

// ------------------------------------------------------------------ schema errors

const SCHEMA_CASES: [string, string, RegExp, Record<string, unknown>][] = [
  ['unknown top-level key', 'stagez:\n  a: {cmd: x}\n', /extra keys not allowed, in stagez, line 1$/, { key: 'stagez', line: 1 }],
  ['unknown stage key', 'stages:\n  a:\n    cmd: x\n    dep: [y]\n', /extra keys not allowed, in stages -> a -> dep, line 4$/, { key: 'stages.a.dep', line: 4 }],
  ['missing cmd', 'stages:\n  a:\n    deps: [y]\n', /required key not provided, in stages -> a -> cmd, line 2$/, { line: 2 }],
  ['cmd not str/list', 'stages:\n  a:\n    cmd: {x: 1}\n', /expected str or a list, in stages -> a -> cmd, line 3$/, {}],
  ['frozen not bool', 'stages:\n  a:\n    cmd: x\n    frozen: ${f}\n', /expected bool, in stages -> a -> frozen, line 4$/, {}],
  ['deps not list', 'stages:\n  a:\n    cmd: x\n    deps: y\n', /expected a list, in stages -> a -> deps, line 4$/, {}],
  ['unknown out flag', 'stages:\n  a:\n    cmd: x\n    outs:\n    - o:\n        cahce: false\n', /extra keys not allowed, in stages -> a -> outs -> 0 -> o -> cahce, line 6$/, {}],
  ['plot flag on outs', 'stages:\n  a:\n    cmd: x\n    outs:\n    - o:\n        x: step\n', /extra keys not allowed, in stages -> a -> outs -> 0 -> o -> x/, {}],
  ['out flags null', 'stages:\n  a:\n    cmd: x\n    outs:\n    - o:\n', /expected a dictionary, in stages -> a -> outs -> 0 -> o, line 5$/, {}],
  ['foreach with cmd', 'stages:\n  a:\n    foreach: [1]\n    do: {cmd: x}\n    cmd: y\n', /extra keys not allowed, in stages -> a -> cmd, line 5$/, {}],
  ['foreach without do', 'stages:\n  a:\n    foreach: [1]\n', /required key not provided, in stages -> a -> do/, {}],
  ['do without cmd', 'stages:\n  a:\n    foreach: [1]\n    do: {deps: [x]}\n', /required key not provided, in stages -> a -> do -> cmd, line 4$/, {}],
  ['bad vars item', 'vars: [1]\nstages: {}\n', /expected str or a dictionary, in vars -> 0, line 1$/, {}],
  ['top-level plots bad prop', 'plots:\n  - p:\n      colour: red\n', /extra keys not allowed, in plots -> 0 -> p -> colour, line 3$/, {}],
  ['artifact without path', 'artifacts:\n  m:\n    type: model\n', /required key not provided, in artifacts -> m -> path/, {}],
  ['not a mapping', '- a\n- b\n', /expected a dictionary$/, {}],
];
for (const [label, text, re, data] of SCHEMA_CASES) {
  test(`schema: ${label}`, () => {
    const root = repo({ 'dvc.yaml': text });
    fileError(() => load(root), re, { file: 'dvc.yaml', ...data });
  });
}

for (const name of ['copy$name', 'copy-name?', 'copy-name@v1', 'a.b', 'a:b', 'a/b']) {
  test(`stage name with punctuation is refused: ${name}`, () => {
    const root = repo({ 'dvc.yaml': `stages:\n  '${name}':\n    cmd: x\n` });
    fileError(() => load(root), /invalid stage name .*: Stage name cannot contain punctuation characters\..*line 2$/, { key: `stages.${name}`, line: 2 });
  });
}
test('stage names DVC accepts (test_valid_stage_names)', () => {
  const root = repo({ 'dvc.yaml': "stages:\n  copy_name: {cmd: x}\n  copy-name: {cmd: x}\n  copyName: {cmd: x}\n  '12': {cmd: x}\n" });
  assert.deepEqual(
    load(root).stages.map((s) => s.name),
    ['copy_name', 'copy-name', 'copyName', '12'],
  );
});

test('accepted and ignored: artifacts, datasets, checkpoint/labels/type/meta flags, empty file', () => {
  const root = repo({
    'dvc.yaml': [
      'artifacts:',
      '  cv-model: {path: models/m.pt, type: model, labels: [a], meta: {x: 1}}',
      'datasets:',
      '  - {name: d, url: dc://d, type: dc}',
      'stages:',
      '  s:',
      '    cmd: x',
      '    metrics:',
      '    - m.json: {cache: false, checkpoint: true, type: t, labels: [l], meta: 1}',
      '',
    ].join('\n'),
    'empty/dvc.yaml': '# nothing yet\n',
  });
  assert.equal(load(root).stages[0].outs[0].kind, 'metrics');
  assert.deepEqual(load(root, 'empty/dvc.yaml').stages, []);
});

test('outputs outside the repository, in .dvc, or twice are refused; URL deps are refused', () => {
  const cases: [string, RegExp][] = [
    ['    outs: [../../x]\n', /stage 's': output '\.\.\/\.\.\/x' is outside of the repository \(line 4\)/],
    ['    outs: [../.dvc/x]\n', /inside \.git or \.dvc/],
    ['    outs: [a]\n    metrics: [a]\n', /file\/directory 'a' is specified more than once\./],
    ['    deps: [s3://bucket/x]\n', /external dependency 's3:\/\/bucket\/x' is not supported/],
  ];
  for (const [extra, re] of cases) {
    const root = repo({ 'sub/dvc.yaml': `stages:\n  s:\n    cmd: x\n${extra}` });
    fileError(() => load(root, 'sub/dvc.yaml'), re, { file: 'sub/dvc.yaml', stage: 's' });
  }
});

// ------------------------------------------------------------------ project, git revision

test('loadProject: workspace walk finds nested dvc.yaml and .dvc files', () => {
  const root = repo({
    'dvc.yaml': 'stages:\n  a: {cmd: x, outs: [o]}\n',
    'sub/dvc.yaml': 'stages:\n  b: {cmd: y}\n',
    'data.dvc': 'outs:\n- md5: 2572c69f1c0d1d626581c2aeab373368.dir\n  hash: md5\n  path: data\n',
    '.dvc/config': '',
  });
  assert.deepEqual(findProjectFiles(root), [join(root, 'dvc.yaml'), join(root, 'sub/dvc.yaml')]);
  const p = loadProject(root, { readFile: workspaceReader() });
  assert.deepEqual(
    p.stages.map((s) => [s.name, s.kind, s.file]),
    [
      ['a', 'pipeline', join(root, 'dvc.yaml')],
      ['b', 'pipeline', join(root, 'sub/dvc.yaml')],
      ['data.dvc', 'dvcfile', join(root, 'data.dvc')],
    ],
  );
  assert.equal(p.files.length, 2);
});

test('loadProject on a git revision: every read goes through readFile', () => {
  const root = makeGitRepo();
  dirs.push(root);
  writeFiles(root, {
    'params.yaml': 'lr: 0.1\n',
    'dvc.yaml': 'stages:\n  train:\n    cmd: python t.py ${lr}\n    params: [lr]\n',
  });
  commitAll(root, 'v1');
  writeFiles(root, { 'params.yaml': 'lr: 0.2\n', 'dvc.yaml': 'stages:\n  other:\n    cmd: x\n' });
  const showRev = (abs: string): string | undefined => {
    const rel = abs.slice(root.length + 1);
    try {
      return git(root, 'show', `HEAD:${rel}`) + '\n';
    } catch {
      return undefined;
    }
  };
  const list = () =>
    git(root, 'ls-tree', '-r', '--name-only', 'HEAD')
      .split('\n')
      .filter((f) => f === 'dvc.yaml' || f.endsWith('/dvc.yaml') || f.endsWith('.dvc'))
      .map((f) => join(root, f));
  const p = loadProject(root, { readFile: showRev, listFiles: list });
  assert.deepEqual(p.stages.map((s) => s.name), ['train']);
  assert.equal(p.stages[0].cmd, 'python t.py 0.1');
  assert.deepEqual(resolveParams(p.stages[0], showRev), { 'params.yaml': { lr: 0.1 } });
  const ws = loadProject(root, { readFile: workspaceReader() });
  assert.deepEqual(ws.stages.map((s) => s.name), ['other']);
});

test('YAML syntax errors name the file and line', () => {
  const root = repo({ 'dvc.yaml': 'stages:\n  a:\n    cmd: [x\n' });
  fileError(() => load(root), /YAML error at line/);
});
