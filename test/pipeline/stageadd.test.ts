// stage add / stage list: DVC's tests/unit/stage/test_serialize_pipeline_file.py,
// tests/unit/command/test_stage.py, tests/unit/test_run.py, and the guide's own `dvc stage add`
// runs (shared/fixtures/guide-steps step 4 and step 8 are what DVC 2.37 wrote).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotFoundError, PathError, PipelineError, UsageError } from '../../src/errors/index.js';
import { loadProjectFile, workspaceReader } from '../../src/pipeline/load.js';
import {
  addStage,
  applyDiffOrder,
  formatStageList,
  listStages,
  parseCmd,
  parseParamsArgs,
  serializeParams,
  serializeStage,
  type OutSpec,
  type StageAddDef,
} from '../../src/pipeline/stageadd.js';
import { dumpYaml } from '../../src/util/yaml.js';
import { cleanup, makeTempDir, writeFiles } from '../helpers/git.js';

const GUIDE = fileURLToPath(new URL('../../../shared/fixtures/guide-steps/', import.meta.url));
const dirs: string[] = [];
after(() => dirs.forEach(cleanup));

function tmp(files: Record<string, string> = {}): string {
  const d = makeTempDir('keel-stageadd-');
  dirs.push(d);
  writeFiles(d, files);
  return d;
}

/** the entry as plain JSON-like data (Maps → objects) */
function plain(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}
const keys = (m: Map<string, unknown>): string[] => [...m.keys()];
const out = (path: string, o: Partial<OutSpec> = {}): OutSpec => ({ path, cache: true, persist: false, metric: false, plot: false, ...o });

// ------------------------------------------------------------------ test_serialize_pipeline_file.py

test('test_cmd', () => {
  assert.deepEqual(plain(serializeStage({ cmd: 'command' })), { cmd: 'command' });
});

test('test_wdir', () => {
  assert.ok(!serializeStage({ cmd: 'c' }).has('wdir'));
  assert.ok(!serializeStage({ cmd: 'c', wdir: '.' }).has('wdir'));
  assert.equal(serializeStage({ cmd: 'c', wdir: 'some-dir' }).get('wdir'), 'some-dir');
});

test('test_deps_sorted', () => {
  assert.deepEqual(serializeStage({ cmd: 'c', deps: ['a', 'quick', 'lazy', 'fox'] }).get('deps'), ['a', 'fox', 'lazy', 'quick']);
});

test('test_outs_sorted', () => {
  assert.deepEqual(serializeStage({ cmd: 'c', deps: ['foo'], outs: ['too', 'many', 'outs'].map((p) => out(p)) }).get('outs'), ['many', 'outs', 'too']);
});

test('test_params_sorted', () => {
  const params = [
    { file: 'params.yaml', keys: ['lorem', 'ipsum'] },
    { file: 'custom.yaml', keys: ['wxyz', 'pqrs', 'baz'] },
    { file: 'params.yaml', keys: ['barr'] },
  ];
  assert.deepEqual(plain(serializeParams(params)), ['barr', 'ipsum', 'lorem', { 'custom.yaml': ['baz', 'pqrs', 'wxyz'] }]);
});

test('test_params_file_sorted', () => {
  const params = [
    { file: 'params.yaml', keys: ['lorem', 'ipsum'] },
    { file: 'custom.yaml', keys: ['wxyz', 'pqrs', 'baz'] },
    { file: 'a-file-of-params.yaml', keys: ['barr'] },
  ];
  assert.deepEqual(plain(serializeParams(params)), ['ipsum', 'lorem', { 'a-file-of-params.yaml': ['barr'] }, { 'custom.yaml': ['baz', 'pqrs', 'wxyz'] }]);
});

test('test_params_file_without_targets', () => {
  const params = [
    { file: 'params.yaml', keys: ['foo', 'bar'] },
    { file: 'params.yaml', keys: null },
    { file: 'custom.yaml', keys: ['wxyz', 'pqrs', 'baz'] },
    { file: 'a-file-of-params.yaml', keys: null },
    { file: 'a-file-of-params.yaml', keys: ['barr'] },
  ];
  assert.deepEqual(plain(serializeParams(params)), [{ 'a-file-of-params.yaml': null }, { 'custom.yaml': ['baz', 'pqrs', 'wxyz'] }, { 'params.yaml': null }]);
});

for (const [typ, extra] of [
  ['plots', { plot: true }],
  ['metrics', { metric: true }],
  ['outs', {}],
] as [string, Partial<OutSpec>][]) {
  test(`test_outs_and_outs_flags_are_sorted ${typ}`, () => {
    const outs = [out('barr', { cache: false, ...extra }), out('foobar', { cache: false, persist: true, ...extra }), out('foo', { persist: true, ...extra }), out('bar', extra)];
    const got = serializeStage({ cmd: 'c', deps: ['input'], outs }).get(typ) as unknown[];
    assert.deepEqual(plain(got), ['bar', { barr: { cache: false } }, { foo: { persist: true } }, { foobar: { cache: false, persist: true } }]);
    assert.deepEqual([...((got[3] as Map<string, Map<string, unknown>>).get('foobar') as Map<string, unknown>).keys()], ['cache', 'persist']);
  });
}

test('test_plot_props', () => {
  assert.deepEqual(plain(serializeStage({ cmd: 'c', outs: [out('plot_file', { plot: true, plotProps: [['x', '1']] })] }).get('plots')), [{ plot_file: { x: '1' } }]);
});

test('test_frozen / test_always_changed', () => {
  assert.ok(!serializeStage({ cmd: 'c', outs: [out('output')], deps: ['input'] }).has('frozen'));
  assert.equal(serializeStage({ cmd: 'c', frozen: true }).get('frozen'), true);
  assert.ok(!serializeStage({ cmd: 'c' }).has('always_changed'));
  assert.equal(serializeStage({ cmd: 'c', alwaysChanged: true }).get('always_changed'), true);
});

test('test_order', () => {
  const e = serializeStage({ cmd: 'c', outs: [out('output')], deps: ['input'], alwaysChanged: true, frozen: true, wdir: 'some-dir' });
  assert.deepEqual(keys(e), ['cmd', 'wdir', 'deps', 'outs', 'frozen', 'always_changed']);
  const all = serializeStage({ desc: 'd', cmd: 'c', wdir: 'w', deps: ['d'], params: [{ file: 'params.yaml', keys: ['p'] }], outs: [out('o'), out('m', { metric: true }), out('p', { plot: true })], frozen: true, alwaysChanged: true, meta: { a: 1 } });
  assert.deepEqual(keys(all), ['desc', 'cmd', 'wdir', 'deps', 'params', 'outs', 'metrics', 'plots', 'frozen', 'always_changed', 'meta']);
});

for (const typ of ['outs', 'metrics', 'plots', 'params', 'deps', undefined]) {
  test(`test_order_deps_outs without ${typ}`, () => {
    const allTypes = ['deps', 'params', 'outs', 'metrics', 'plots'].filter((t) => t !== typ);
    const s: Parameters<typeof serializeStage>[0] = { cmd: 'c', outs: [] };
    allTypes.forEach((t, i) => {
      const p = `foo-${i}`;
      if (t === 'deps') s.deps = [p];
      if (t === 'params') s.params = [{ file: 'params.yaml', keys: [p] }];
      if (t === 'outs') s.outs!.push(out(p));
      if (t === 'metrics') s.outs!.push(out(p, { metric: true }));
      if (t === 'plots') s.outs!.push(out(p, { plot: true }));
    });
    assert.deepEqual(keys(serializeStage(s)), ['cmd', ...allTypes]);
  });
}

// ------------------------------------------------------------------ CLI helpers (tests/unit/command/test_stage.py)

test('parseCmd (test_stage_add parsed_command)', () => {
  assert.equal(parseCmd(['echo', 'foo', 'bar']), 'echo foo bar');
  assert.equal(parseCmd(['echo', '"foo bar"']), 'echo "foo bar"');
  assert.equal(parseCmd(['echo', 'foo bar']), 'echo "foo bar"');
  assert.equal(parseCmd(['cmd', '--flag', '']), 'cmd --flag ""');
  assert.equal(parseCmd(['python train.py --x 1']), 'python train.py --x 1');
});

test('parseParamsArgs (test_stage_add params)', () => {
  assert.deepEqual(parseParamsArgs(['file:param1,param2', 'param3']), [
    { file: 'file', keys: ['param1', 'param2'] },
    { file: 'params.yaml', keys: ['param3'] },
  ]);
  assert.deepEqual(parseParamsArgs(['file1:', 'a,b', 'dir:x/f.yaml:k']), [
    { file: 'file1', keys: [] },
    { file: 'params.yaml', keys: ['a', 'b'] },
    { file: 'dir:x/f.yaml', keys: ['k'] },
  ]);
});

test('applyDiffOrder keeps the old key order, new keys last, lists of another length replaced', () => {
  const src = new Map<string, unknown>([
    ['cmd', 'x'],
    ['deps', ['a', 'b']],
    ['outs', [new Map([['o', new Map([['cache', false]])]])]],
  ]);
  const dest = { outs: [{ o: { persist: true, cache: true } }], cmd: 'y', frozen: true };
  assert.deepEqual(plain(applyDiffOrder(src, dest)), { outs: [{ o: { cache: false } }], cmd: 'x', deps: ['a', 'b'] });
  assert.deepEqual([...(applyDiffOrder(src, dest) as Map<string, unknown>).keys()], ['outs', 'cmd', 'deps']);
});

// ------------------------------------------------------------------ addStage on files

const yaml = (root: string) => readFileSync(join(root, 'dvc.yaml'), 'utf8');

test('addStage writes a new dvc.yaml as DVC does', async () => {
  const root = tmp();
  mkdirSync(join(root, 'src'));
  const r = await addStage(
    join(root, 'dvc.yaml'),
    {
      name: 'train',
      cmd: 'python train.py',
      desc: 'Train the model',
      deps: ['src/train.py', 'data/features'],
      params: ['train.seed,train.lr', 'custom.yaml:b,a', 'whole.json:'],
      outs: ['model.pkl'],
      outsNoCache: ['logs'],
      outsPersist: ['ckpt'],
      metricsNoCache: ['metrics.json'],
      plots: ['plots/a.png'],
      plotsNoCache: ['plots/b.csv'],
      wdir: '.',
      alwaysChanged: true,
    },
    { repoRoot: root },
  );
  assert.equal(r.action, 'Adding');
  assert.equal(r.created, true);
  assert.equal(
    yaml(root),
    [
      'stages:',
      '  train:',
      '    desc: Train the model',
      '    cmd: python train.py',
      '    deps:',
      '    - data/features',
      '    - src/train.py',
      '    params:',
      '    - train.lr',
      '    - train.seed',
      '    - custom.yaml:',
      '      - a',
      '      - b',
      '    - whole.json:',
      '    outs:',
      '    - ckpt:',
      '        persist: true',
      '    - logs:',
      '        cache: false',
      '    - model.pkl',
      '    metrics:',
      '    - metrics.json:',
      '        cache: false',
      '    plots:',
      '    - plots/a.png',
      '    - plots/b.csv:',
      '        cache: false',
      '    always_changed: true',
      '',
    ].join('\n'),
  );
  // and it loads back
  const pf = loadProjectFile(join(root, 'dvc.yaml'), yaml(root), { repoRoot: root, readFile: workspaceReader() });
  assert.deepEqual(
    pf.stages[0].params.map((p) => [p.file, p.keys]),
    [
      ['params.yaml', ['train.lr', 'train.seed']],
      ['custom.yaml', ['a', 'b']],
      ['whole.json', null],
    ],
  );
});

test('addStage: list cmd, wdir relative to dvc.yaml, absolute paths inside the repo made relative to wdir', async () => {
  const root = tmp();
  mkdirSync(join(root, 'sub/work'), { recursive: true });
  await addStage(join(root, 'sub/dvc.yaml'), { name: 's', cmd: ['a', 'b'], wdir: 'work', deps: [join(root, 'sub/work/in.txt')], outs: ['o'] }, { repoRoot: root });
  assert.equal(readFileSync(join(root, 'sub/dvc.yaml'), 'utf8'), 'stages:\n  s:\n    cmd:\n    - a\n    - b\n    wdir: work\n    deps:\n    - in.txt\n    outs:\n    - o\n');
});

test('addStage into an existing file keeps every other byte (comments too) and appends the stage', async () => {
  const before = [
    '# my pipeline',
    'vars:',
    '  - conf.yaml',
    '',
    'stages:',
    '  prepare:   # first',
    '    cmd: python prep.py ${x}',
    '    deps: [raw]',
    '',
    '  # the train stage is next',
    '',
    'plots:',
    '  - loss.csv',
    '',
  ].join('\n');
  const root = tmp({ 'dvc.yaml': before, 'conf.yaml': 'x: 1\n' });
  const r = await addStage(join(root, 'dvc.yaml'), { name: 'train', cmd: 'python train.py', deps: ['prepared'], outs: ['model'] }, { repoRoot: root });
  assert.equal(r.action, 'Adding');
  assert.equal(r.created, false);
  assert.equal(
    yaml(root),
    before.replace('    deps: [raw]\n', '    deps: [raw]\n  train:\n    cmd: python train.py\n    deps:\n    - prepared\n    outs:\n    - model\n'),
  );
});

test('addStage: no stages key yet, stages: {} and an empty file', async () => {
  const root = tmp({ 'dvc.yaml': 'vars:\n- a: 1\n' });
  await addStage(join(root, 'dvc.yaml'), { name: 's', cmd: 'x' }, { repoRoot: root });
  assert.equal(yaml(root), 'vars:\n- a: 1\nstages:\n  s:\n    cmd: x\n');
  writeFileSync(join(root, 'dvc.yaml'), 'stages: {}\nmetrics: [m.json]\n');
  await addStage(join(root, 'dvc.yaml'), { name: 's', cmd: 'x' }, { repoRoot: root });
  assert.equal(yaml(root), 'stages:\n  s:\n    cmd: x\nmetrics: [m.json]\n');
  writeFileSync(join(root, 'dvc.yaml'), '');
  const r = await addStage(join(root, 'dvc.yaml'), { name: 's', cmd: 'x' }, { repoRoot: root });
  assert.equal(r.created, true);
  assert.equal(yaml(root), 'stages:\n  s:\n    cmd: x\n');
});

test('addStage: an existing stage needs --force (DuplicateStageName)', async () => {
  const root = tmp({ 'dvc.yaml': 'stages:\n  train:\n    cmd: x\n' });
  await assert.rejects(
    addStage(join(root, 'dvc.yaml'), { name: 'train', cmd: 'y' }, { repoRoot: root }),
    (e: unknown) => e instanceof PipelineError && e.message === "Stage 'train' already exists in 'dvc.yaml'. Use '--force' to overwrite.",
  );
  assert.equal(yaml(root), 'stages:\n  train:\n    cmd: x\n');
});

test('addStage --force replaces the stage in place: old key order, meta, desc and out annotations kept', async () => {
  const before = [
    'stages:',
    '  a:',
    '    cmd: echo a  # keep me',
    '  train:',
    '    # lost with the stage',
    '    meta: {owner: me}',
    '    desc: old desc',
    '    outs:',
    '    - model:',
    '        desc: the model',
    '        remote: store',
    '        push: false',
    '    cmd: old',
    '    frozen: true',
    '  z:',
    '    cmd: echo z',
    '',
  ].join('\n');
  const root = tmp({ 'dvc.yaml': before });
  const r = await addStage(join(root, 'dvc.yaml'), { name: 'train', cmd: 'new', deps: ['d'], outsNoCache: ['model'], force: true }, { repoRoot: root });
  assert.equal(r.action, 'Modifying');
  assert.equal(
    yaml(root),
    [
      'stages:',
      '  a:',
      '    cmd: echo a  # keep me',
      '  train:',
      '    meta:',
      '      owner: me',
      '    desc: old desc',
      '    outs:',
      '    - model:',
      '        desc: the model',
      '        remote: store',
      '        push: false',
      '        cache: false', // apply_diff: a new key goes after the old ones
      '    cmd: new',
      '    deps:',
      '    - d',
      '  z:',
      '    cmd: echo z',
      '',
    ].join('\n'),
  );
});

test('addStage: bad input', async () => {
  const root = tmp({ 'file.txt': '' });
  const f = join(root, 'dvc.yaml');
  const base: StageAddDef = { name: 's', cmd: 'x' };
  await assert.rejects(addStage(f, { ...base, name: 'copy-name@v1' }, { repoRoot: root }), (e: unknown) => e instanceof UsageError && e.message === 'Stage name cannot contain punctuation characters.');
  await assert.rejects(addStage(f, { ...base, name: '' }, { repoRoot: root }), /`-n\|--name` is required/);
  await assert.rejects(addStage(f, { ...base, cmd: '' }, { repoRoot: root }), /command is not specified/);
  await assert.rejects(addStage(f, { ...base, outs: ['../x'] }, { repoRoot: root }), (e: unknown) => e instanceof PathError && /outside of the repository/.test(e.message));
  await assert.rejects(addStage(f, { ...base, outs: ['a'], metrics: ['a'] }, { repoRoot: root }), /file 'a' is specified more than once\./);
  await assert.rejects(addStage(f, { ...base, outs: ['a'], deps: ['a'] }, { repoRoot: root }), /'a' is specified as an output and as a dependency\./);
  await assert.rejects(addStage(f, { ...base, wdir: 'nope' }, { repoRoot: root }), (e: unknown) => e instanceof NotFoundError && e.message === "stage working dir 'nope' does not exist");
  await assert.rejects(addStage(f, { ...base, wdir: 'file.txt' }, { repoRoot: root }), /stage working dir 'file.txt' is not directory/);
  await assert.rejects(addStage(join(root, 'nope/dvc.yaml'), base, { repoRoot: root }), (e: unknown) => e instanceof NotFoundError && e.message === "file path 'nope' does not exist");
  assert.ok(!existsSync(f));
  writeFileSync(f, 'stages:\n  s:\n    cmd: x\n    bogus: 1\n');
  await assert.rejects(addStage(f, { ...base, name: 't' }, { repoRoot: root }), /extra keys not allowed, in stages -> s -> bogus, line 4/);
});

// ------------------------------------------------------------------ the guide's own runs, byte for byte

const guideOk = existsSync(GUIDE) ? false : 'shared/fixtures/guide-steps is absent';

test('guide step 4: three `dvc stage add` from nothing give DVC\'s dvc.yaml', { skip: guideOk }, async () => {
  const root = tmp();
  const f = join(root, 'dvc.yaml');
  await addStage(f, { name: 'prepare', params: ['prepare.seed,prepare.split'], deps: ['src/prepare.py', 'data/data.xml'], outs: ['data/prepared'], cmd: parseCmd(['python', 'src/prepare.py', 'data/data.xml']) }, { repoRoot: root });
  await addStage(
    f,
    {
      name: 'featurize',
      params: ['featurize.max_features,featurize.ngrams'],
      deps: ['src/featurization.py', 'data/prepared'],
      outs: ['data/features/test.pkl', 'data/features/train.pkl'],
      cmd: 'python src/featurization.py data/prepared data/features',
    },
    { repoRoot: root },
  );
  await addStage(f, { name: 'train', params: ['train.seed,train.n_est,train.min_split'], deps: ['src/train.py', 'data/features'], outs: ['model.pkl'], cmd: 'python src/train.py data/features model.pkl' }, { repoRoot: root });
  assert.equal(yaml(root), readFileSync(join(GUIDE, 'step-4/dvc.yaml'), 'utf8'));
});

test('guide step 8: `dvc stage add --force` ×3 over step 5 gives DVC\'s dvc.yaml (plot props lost, old key order kept)', { skip: guideOk }, async () => {
  const root = tmp({ 'dvc.yaml': existsSync(GUIDE) ? readFileSync(join(GUIDE, 'step-5/dvc.yaml'), 'utf8') : '' });
  const f = join(root, 'dvc.yaml');
  await addStage(
    f,
    {
      force: true,
      name: 'featurize',
      params: ['featurize.max_features,featurize.ngrams'],
      deps: ['src/featurization.py', 'data/prepared'],
      outs: ['data/features/test.pkl', 'data/features/train.pkl', 'data/features/vectorizer', 'data/features/tfidf'],
      cmd: 'python src/featurization.py data/prepared data/features',
    },
    { repoRoot: root },
  );
  await addStage(f, { force: true, name: 'train', params: ['train.seed,train.n_est,train.min_split'], deps: ['src/train.py', 'data/features'], outs: ['models/rf'], cmd: 'python src/train.py data/features models/rf' }, { repoRoot: root });
  const r = await addStage(
    f,
    {
      force: true,
      name: 'evaluate',
      deps: ['src/evaluate.py', 'models/rf', 'data/features'],
      outsNoCache: ['evaluation/plots/metrics'],
      metricsNoCache: ['evaluation/metrics.json'],
      plotsNoCache: ['evaluation/plots/prc.json', 'evaluation/plots/sklearn/roc.json', 'evaluation/plots/sklearn/confusion_matrix.json'],
      plots: ['evaluation/plots/importance.png'],
      cmd: 'python src/evaluate.py models/rf data/features',
    },
    { repoRoot: root },
  );
  assert.equal(r.action, 'Modifying');
  assert.equal(yaml(root), readFileSync(join(GUIDE, 'step-8/dvc.yaml'), 'utf8'));
});

test('long commands fold as ruamel folds them', async () => {
  const root = tmp();
  const cmd = 'python3 -c "import json,yaml; lr=yaml.safe_load(open(\'params.yaml\'))[\'train\'][\'lr\']; v=int(open(\'prepared.txt\').read())"';
  const r = await addStage(join(root, 'dvc.yaml'), { name: 'train', cmd }, { repoRoot: root, write: false });
  assert.equal(r.text, dumpYaml({ stages: { train: { cmd } } }));
  assert.ok(r.text.split('\n').length > 4, 'folded over several lines');
  assert.ok(!existsSync(join(root, 'dvc.yaml')), 'write: false writes nothing');
});

// ------------------------------------------------------------------ stage list

test('stage list: DVC descriptions and addressing', () => {
  const root = tmp({
    'dvc.yaml': [
      'stages:',
      '  prepare:',
      '    cmd: x',
      '    deps: [data.xml]',
      '    params: [prepare.seed]',
      '    outs: [prepared]',
      '  evaluate:',
      '    cmd: x',
      '    outs: [plots/metrics]',
      '    metrics: [metrics.json]',
      '    plots: [prc.json]',
      '  check:',
      '    cmd: x',
      '    deps: [model.pkl]',
      '    params: [{custom.yaml: [a]}]',
      '  noop:',
      '    cmd: x',
      '  described:',
      '    cmd: x',
      '    outs: [o]',
      '    desc: "\\n  Trains the model  \\nsecond line"',
      '  long:',
      `    desc: ${'x'.repeat(100)}`,
      '    cmd: x',
      '',
    ].join('\n'),
    'sub/dvc.yaml': 'stages:\n  inner:\n    cmd: x\n    outs: [y]\n',
  });
  const stages = [
    ...loadProjectFile(join(root, 'dvc.yaml'), yaml(root), { repoRoot: root, readFile: workspaceReader() }).stages,
    ...loadProjectFile(join(root, 'sub/dvc.yaml'), readFileSync(join(root, 'sub/dvc.yaml'), 'utf8'), { repoRoot: root, readFile: workspaceReader() }).stages,
  ];
  const rows = listStages(stages, { cwd: root });
  assert.deepEqual(rows, [
    { name: 'prepare', description: 'Outputs prepared' },
    { name: 'evaluate', description: 'Outputs plots/metrics; Reports metrics.json, prc.json' },
    { name: 'check', description: 'Depends on model.pkl, custom.yaml' },
    { name: 'noop', description: 'No outputs or dependencies' },
    { name: 'described', description: 'Trains the model' },
    { name: 'long', description: 'x'.repeat(79) + '…' },
    { name: 'sub/dvc.yaml:inner', description: 'Outputs y' },
  ]);
  assert.equal(
    formatStageList(rows.slice(0, 2)),
    'prepare   Outputs prepared\nevaluate  Outputs plots/metrics; Reports metrics.json, prc.json',
  );
  assert.equal(formatStageList(listStages(stages.slice(0, 2), { cwd: root, nameOnly: true })), 'prepare\nevaluate');
  assert.deepEqual(
    listStages(stages, { cwd: join(root, 'sub') }).map((r) => r.name).slice(-2),
    ['../dvc.yaml:long', 'inner'],
  );
});
