/**
 * `keel params diff`, `keel metrics show` and `keel metrics diff` end to end with the built CLI,
 * real git repositories (several commits, a branch, tags) and pipelines run by `keel repro`:
 * the guide's Step 5 and Step 7 tables, DVC's table / --md / --json / --no-path / --precision /
 * --all output, -a/-T/-A with the workspace row hidden when it equals the active branch, broken
 * metrics files, cached metrics read from the cache at an old revision, and `{}` without commits.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keel, keelOk } from '../helpers/cli.js';
import { commitAll, git, writeFiles } from '../helpers/git.js';
import { keelRepo } from '../helpers/repo.js';

// ---------------------------------------------------------------------------------------------
// The guide's experiment, with `node -e` one-liners for stages
// ---------------------------------------------------------------------------------------------

/** `node -e '<js>'` (the JS must not contain single quotes). */
const nodeE = (js: string): string => {
  assert.ok(!js.includes("'"), js);
  return `node -e '${js}'`;
};

/** The guide's headline metrics (guide §1.6), keyed by "split max_features ngrams min_split". */
const METRICS: Record<string, [number, number]> = {
  '0.20 100 1 2': [0.8966753719417505, 0.9272867330993196],
  '0.20 200 2 2': [0.9202028276794669, 0.9409635439610122],
  '0.25 500 3 3': [0.9418698101249054, 0.9592337548981373],
};

const READ_PARAMS = 'const fs=require("fs");const p=fs.readFileSync("params.yaml","utf8");const g=(k)=>new RegExp("^  "+k+": (\\\\S+)","m").exec(p)[1];';

const GUIDE_DVC_YAML = `stages:
  prepare:
    cmd: ${JSON.stringify(nodeE(READ_PARAMS + 'fs.mkdirSync("data",{recursive:true});fs.writeFileSync("data/prepared.txt",g("split"))'))}
    params:
    - prepare.seed
    - prepare.split
    outs:
    - data/prepared.txt
  featurize:
    cmd: ${JSON.stringify(nodeE(READ_PARAMS + 'fs.writeFileSync("data/features.txt",fs.readFileSync("data/prepared.txt","utf8")+" "+g("max_features")+" "+g("ngrams"))'))}
    deps:
    - data/prepared.txt
    params:
    - featurize.max_features
    - featurize.ngrams
    outs:
    - data/features.txt
  train:
    cmd: ${JSON.stringify(nodeE(READ_PARAMS + 'fs.writeFileSync("model.txt",fs.readFileSync("data/features.txt","utf8")+" "+g("min_split"))'))}
    deps:
    - data/features.txt
    params:
    - train.seed
    - train.n_est
    - train.min_split
    outs:
    - model.txt
  evaluate:
    cmd: ${JSON.stringify(
      nodeE(
        `const fs=require("fs");const T=${JSON.stringify(METRICS)};const m=T[fs.readFileSync("model.txt","utf8")]||[0,0];` +
          'fs.mkdirSync("evaluation",{recursive:true});fs.writeFileSync("evaluation/metrics.json",JSON.stringify({avg_prec:m[0],roc_auc:m[1]}))',
      ),
    )}
    deps:
    - model.txt
    metrics:
    - evaluation/metrics.json:
        cache: false
`;

const guideParams = (split: string, mf: number, ng: number, minSplit: number): string =>
  `prepare:\n  split: ${split}\n  seed: 20170428\n\nfeaturize:\n  max_features: ${mf}\n  ngrams: ${ng}\n\ntrain:\n  seed: 20170428\n  n_est: 50\n  min_split: ${minSplit}\n`;

const out = (dir: string, args: string[]): string => keelOk(dir, args).stdout;

describe('the guide: Step 5 and Step 7', () => {
  let dir: string;
  before(() => {
    dir = keelRepo({ 'params.yaml': guideParams('0.20', 100, 1, 2), 'dvc.yaml': GUIDE_DVC_YAML });
    keelOk(dir, ['repro']);
    assert.equal(fs.readFileSync(path.join(dir, 'evaluation/metrics.json'), 'utf8'), '{"avg_prec":0.8966753719417505,"roc_auc":0.9272867330993196}');
    commitAll(dir, 'Set the baseline model metrics and parameters');
    git(dir, 'tag', 'baseline');
    // Step 5: edit params.yaml, repro, compare with HEAD
    writeFiles(dir, { 'params.yaml': guideParams('0.20', 200, 2, 2) });
    keelOk(dir, ['repro']);
  });

  test('params diff and metrics diff print the Step 5 tables of the guide', () => {
    assert.equal(
      out(dir, ['params', 'diff']),
      'Path         Param                   HEAD    workspace\n' +
        'params.yaml  featurize.max_features  100     200\n' +
        'params.yaml  featurize.ngrams        1       2\n',
    );
    assert.equal(
      out(dir, ['metrics', 'diff']),
      'Path                     Metric    HEAD     workspace    Change\n' +
        'evaluation/metrics.json  avg_prec  0.89668  0.9202       0.02353\n' +
        'evaluation/metrics.json  roc_auc   0.92729  0.94096      0.01368\n',
    );
  });

  test('--md, --json, --all, --no-path, --precision on the Step 5 change', () => {
    assert.equal(
      out(dir, ['params', 'diff', '--md']),
      '| Path        | Param                  | HEAD   | workspace   |\n' +
        '|-------------|------------------------|--------|-------------|\n' +
        '| params.yaml | featurize.max_features | 100    | 200         |\n' +
        '| params.yaml | featurize.ngrams       | 1      | 2           |\n\n',
    );
    assert.equal(
      out(dir, ['params', 'diff', '--json']),
      '{"params.yaml": {"featurize.max_features": {"old": 100, "new": 200, "diff": 100}, "featurize.ngrams": {"old": 1, "new": 2, "diff": 1}}}\n',
    );
    assert.equal(
      out(dir, ['params', 'diff', '--all']),
      'Path         Param                   HEAD      workspace\n' +
        'params.yaml  featurize.max_features  100       200\n' +
        'params.yaml  featurize.ngrams        1         2\n' +
        'params.yaml  prepare.seed            20170428  20170428\n' +
        'params.yaml  prepare.split           0.2       0.2\n' +
        'params.yaml  train.min_split         2         2\n' +
        'params.yaml  train.n_est             50        50\n' +
        'params.yaml  train.seed              20170428  20170428\n',
    );
    assert.equal(
      out(dir, ['metrics', 'diff', '--md']),
      '| Path                    | Metric   | HEAD    | workspace   | Change   |\n' +
        '|-------------------------|----------|---------|-------------|----------|\n' +
        '| evaluation/metrics.json | avg_prec | 0.89668 | 0.9202      | 0.02353  |\n' +
        '| evaluation/metrics.json | roc_auc  | 0.92729 | 0.94096     | 0.01368  |\n\n',
    );
    assert.equal(
      out(dir, ['metrics', 'diff', '--json']),
      '{"evaluation/metrics.json": {"avg_prec": {"old": 0.8966753719417505, "new": 0.9202028276794669, "diff": 0.02352745573771642}, ' +
        '"roc_auc": {"old": 0.9272867330993196, "new": 0.9409635439610122, "diff": 0.01367681086169259}}}\n',
    );
    assert.equal(
      out(dir, ['metrics', 'diff', '--no-path', '--precision', '2']),
      'Metric    HEAD    workspace    Change\n' + 'avg_prec  0.9     0.92         0.02\n' + 'roc_auc   0.93    0.94         0.01\n',
    );
    // nothing changed between a revision and itself: no output at all (DVC prints no "no changes" line)
    assert.equal(out(dir, ['metrics', 'diff', 'HEAD', 'HEAD']), '');
    assert.equal(out(dir, ['metrics', 'diff', 'HEAD', 'HEAD', '--md']), '| Path   | Metric   | HEAD   | HEAD   | Change   |\n|--------|----------|--------|--------|----------|\n\n');
    assert.equal(
      out(dir, ['metrics', 'diff', 'HEAD', 'HEAD', '--all']),
      'Path                     Metric    HEAD     HEAD     Change\n' +
        'evaluation/metrics.json  avg_prec  0.89668  0.89668  0.0\n' +
        'evaluation/metrics.json  roc_auc   0.92729  0.92729  0.0\n',
    );
  });

  test('metrics show: the workspace alone, with paths relative to the current directory', () => {
    assert.equal(out(dir, ['metrics', 'show']), 'Path                     avg_prec    roc_auc\nevaluation/metrics.json  0.9202      0.94096\n');
    assert.equal(out(dir, ['metrics', 'show', '--json']), '{"": {"data": {"evaluation/metrics.json": {"data": {"avg_prec": 0.9202028276794669, "roc_auc": 0.9409635439610122}}}}}\n');
    assert.equal(out(dir, ['metrics', 'show', '--precision', '3', '--csv']), 'Path,avg_prec,roc_auc\r\nevaluation/metrics.json,0.92,0.941\r\n');
    assert.equal(out(dir, ['metrics', 'show', '--md']), '| Path                    | avg_prec   | roc_auc   |\n|-------------------------|------------|-----------|\n| evaluation/metrics.json | 0.9202     | 0.94096   |\n\n');
    assert.equal(
      out(path.join(dir, 'evaluation'), ['metrics', 'diff', '--no-path']).split('\n')[0],
      'Metric    HEAD     workspace    Change',
    );
    assert.equal(out(path.join(dir, 'data'), ['metrics', 'show']), 'Path                        avg_prec    roc_auc\n../evaluation/metrics.json  0.9202      0.94096\n');
  });

  test('Step 7 on a branch: params/metrics diff against main, -a/-T/-A, --deps, --targets', () => {
    commitAll(dir, 'I did improve the model performance');
    git(dir, 'checkout', '-q', '-b', 'step7');
    writeFiles(dir, { 'params.yaml': guideParams('0.25', 500, 3, 3) });
    keelOk(dir, ['repro']);
    commitAll(dir, 'I made some changes to the model');

    assert.equal(
      out(dir, ['params', 'diff', 'main']),
      'Path         Param                   main    workspace\n' +
        'params.yaml  featurize.max_features  200     500\n' +
        'params.yaml  featurize.ngrams        2       3\n' +
        'params.yaml  prepare.split           0.2     0.25\n' +
        'params.yaml  train.min_split         2       3\n',
    );
    assert.equal(
      out(dir, ['metrics', 'diff', 'main']),
      'Path                     Metric    main     workspace    Change\n' +
        'evaluation/metrics.json  avg_prec  0.9202   0.94187      0.02167\n' +
        'evaluation/metrics.json  roc_auc   0.94096  0.95923      0.01827\n',
    );
    assert.equal(
      out(dir, ['metrics', 'diff', 'baseline', 'step7']),
      'Path                     Metric    baseline    step7    Change\n' +
        'evaluation/metrics.json  avg_prec  0.89668     0.94187  0.04519\n' +
        'evaluation/metrics.json  roc_auc   0.92729     0.95923  0.03195\n',
    );
    // the guide's CI report: `params diff main --md` (DVC 2's --show-md)
    assert.equal(
      out(dir, ['params', 'diff', 'main', '--md']),
      '| Path        | Param                  | main   | workspace   |\n' +
        '|-------------|------------------------|--------|-------------|\n' +
        '| params.yaml | featurize.max_features | 200    | 500         |\n' +
        '| params.yaml | featurize.ngrams       | 2      | 3           |\n' +
        '| params.yaml | prepare.split          | 0.2    | 0.25        |\n' +
        '| params.yaml | train.min_split        | 2      | 3           |\n\n',
    );
    // the guide's CI script spells it with DVC 2's --show-md
    assert.equal(out(dir, ['params', 'diff', 'main', '--show-md']), out(dir, ['params', 'diff', 'main', '--md']));
    assert.equal(
      out(dir, ['metrics', 'diff', 'main', '--show-md']),
      '| Path                    | Metric   | main    | workspace   | Change   |\n' +
        '|-------------------------|----------|---------|-------------|----------|\n' +
        '| evaluation/metrics.json | avg_prec | 0.9202  | 0.94187     | 0.02167  |\n' +
        '| evaluation/metrics.json | roc_auc  | 0.94096 | 0.95923     | 0.01827  |\n\n',
    );
    // --targets: only that file (here the same params.yaml, read whole)
    assert.equal(out(dir, ['params', 'diff', 'main', '--targets', 'params.yaml', '--no-path']).split('\n').length, 6);

    // -a: the workspace equals the active branch (step7), so its row is hidden
    assert.equal(
      out(dir, ['metrics', 'show', '-a']),
      'Revision    Path                     avg_prec    roc_auc\n' +
        'main        evaluation/metrics.json  0.9202      0.94096\n' +
        'step7       evaluation/metrics.json  0.94187     0.95923\n',
    );
    // a dirty workspace shows up first
    writeFiles(dir, { 'evaluation/metrics.json': '{"avg_prec": 0.5, "roc_auc": 0.75, "extra": {"n": 3}}' });
    assert.equal(
      out(dir, ['metrics', 'show', '-a']),
      'Revision    Path                     avg_prec    extra.n    roc_auc\n' +
        'workspace   evaluation/metrics.json  0.5         3          0.75\n' +
        'main        evaluation/metrics.json  0.9202      -          0.94096\n' +
        'step7       evaluation/metrics.json  0.94187     -          0.95923\n',
    );
    git(dir, 'checkout', '--', 'evaluation/metrics.json');
    // -T: tags; the workspace is compared with the active branch, which -T does not list
    assert.equal(
      out(dir, ['metrics', 'show', '-T']),
      'Revision    Path                     avg_prec    roc_auc\n' +
        'workspace   evaluation/metrics.json  0.94187     0.95923\n' +
        'baseline    evaluation/metrics.json  0.89668     0.92729\n',
    );
    // a branch and a tag on one commit make one row named "branch,tag"
    git(dir, 'tag', 'v7');
    assert.equal(
      out(dir, ['metrics', 'show', '-a', '-T']),
      'Revision    Path                     avg_prec    roc_auc\n' +
        'workspace   evaluation/metrics.json  0.94187     0.95923\n' +
        'main        evaluation/metrics.json  0.9202      0.94096\n' +
        'step7,v7    evaluation/metrics.json  0.94187     0.95923\n' +
        'baseline    evaluation/metrics.json  0.89668     0.92729\n',
    );
    // -A: every commit, named by its full sha (commits made in the same second have no stable
    // order in `git rev-list`, so compare as sets)
    const shas = git(dir, 'rev-list', 'HEAD').split('\n');
    const all = JSON.parse(out(dir, ['metrics', 'show', '-A', '--json'])) as Record<string, unknown>;
    assert.equal(Object.keys(all)[0], 'workspace');
    assert.deepEqual(Object.keys(all).slice(1).sort(), [...shas].sort());
    assert.deepEqual(all[shas[2]], { data: { 'evaluation/metrics.json': { data: { avg_prec: 0.8966753719417505, roc_auc: 0.9272867330993196 } } } });

    // --deps: only params some stage depends on; all of them are, so the same rows
    assert.equal(out(dir, ['params', 'diff', 'main', '--deps']), out(dir, ['params', 'diff', 'main']));
    git(dir, 'checkout', '-q', 'main');
  });

  test('an unknown revision is a git error', () => {
    const r = keel(dir, ['metrics', 'diff', 'no-such-rev']);
    assert.equal(r.code, 16);
    assert.match(r.stderr, /unknown Git revision 'no-such-rev'/);
    assert.equal(keel(dir, ['params', 'diff', 'HEAD', 'x', 'y']).code, 2);
    assert.equal(keel(dir, ['metrics', 'frob']).code, 2);
  });
});

// ---------------------------------------------------------------------------------------------
// params: --deps, tracked vars, top-level params, other formats
// ---------------------------------------------------------------------------------------------

describe('params diff', () => {
  test('untracked keys of params.yaml, --deps, tracked ${} vars, top-level params files, toml', () => {
    const dir = keelRepo({
      'params.yaml': 'lr: 0.1\nunused: a\nnested:\n  list: [1, 2]\n',
      'config.yaml': 'model:\n  depth: 4\n  width: 8\n',
      'extra.json': '{"threshold": 0.5, "labels": ["a", "b"]}',
      'other.toml': '[opt]\nmomentum = 0.9\n',
      'dvc.yaml':
        'vars:\n- config.yaml\nstages:\n  train:\n    cmd: echo ${model.depth}\n    params:\n    - lr\n    - other.toml:\n      - opt.momentum\nparams:\n- extra.json\n',
    });
    commitAll(dir, 'params v1');
    writeFiles(dir, {
      'params.yaml': 'lr: 0.2\nunused: b\nnested:\n  list: [1, 3]\n',
      'config.yaml': 'model:\n  depth: 6\n  width: 9\n',
      'extra.json': '{"threshold": 0.75, "labels": ["a", "c"]}',
      'other.toml': '[opt]\nmomentum = 0.95\n',
    });
    assert.equal(
      out(dir, ['params', 'diff']),
      'Path         Param         HEAD        workspace\n' +
        'params.yaml  lr            0.1         0.2\n' +
        'params.yaml  nested.list   [1, 2]      [1, 3]\n' +
        'params.yaml  unused        a           b\n' +
        'other.toml   opt.momentum  0.9         0.95\n' +
        "extra.json   labels        ['a', 'b']  ['a', 'c']\n" +
        'extra.json   threshold     0.5         0.75\n' +
        'config.yaml  model.depth   4           6\n',
    );
    // --deps: stage params deps (and tracked vars, as DVC), no top-level or untracked keys
    assert.equal(
      out(dir, ['params', 'diff', '--deps']),
      'Path         Param         HEAD    workspace\n' +
        'params.yaml  lr            0.1     0.2\n' +
        'other.toml   opt.momentum  0.9     0.95\n' +
        'config.yaml  model.depth   4       6\n',
    );
    assert.equal(
      out(dir, ['params', 'diff', '--deps', '--json']),
      '{"params.yaml": {"lr": {"old": 0.1, "new": 0.2, "diff": 0.1}}, "other.toml": {"opt.momentum": {"old": 0.9, "new": 0.95, "diff": 0.04999999999999993}}, ' +
        '"config.yaml": {"model.depth": {"old": 4, "new": 6, "diff": 2}}}\n',
    );
    // --targets (nargs="*" as in DVC): only these files, whole
    assert.equal(
      out(dir, ['params', 'diff', '--targets', 'config.yaml', 'extra.json', '--no-path']),
      "Param        HEAD        workspace\nmodel.depth  4           6\nmodel.width  8           9\nlabels       ['a', 'b']  ['a', 'c']\nthreshold    0.5         0.75\n",
    );
    // a params file deleted in the workspace: its keys go to "-", with DVC's stderr line
    fs.rmSync(path.join(dir, 'extra.json'));
    const r = keelOk(dir, ['params', 'diff', '--targets', 'extra.json']);
    assert.equal(r.stdout, "Path        Param      HEAD        workspace\nextra.json  labels     ['a', 'b']  -\nextra.json  threshold  0.5         -\n");
    assert.equal(r.stderr, "DVC failed to load some metrics for following revisions: 'workspace'.\n");
  });

  test('a repository without commits gives {} (and no table)', () => {
    const dir = keelRepo({ 'params.yaml': 'a: 1\n', 'm.json': '{"x": 1}', 'dvc.yaml': 'metrics:\n- m.json\n' });
    assert.equal(out(dir, ['params', 'diff', '--json']), '{}\n');
    assert.equal(out(dir, ['params', 'diff']), '');
    assert.equal(out(dir, ['metrics', 'diff', '--json']), '{}\n');
    assert.equal(out(dir, ['metrics', 'diff']), '');
    // show still works on the workspace
    assert.equal(out(dir, ['metrics', 'show']), 'Path    x\nm.json  1\n');
  });
});

// ---------------------------------------------------------------------------------------------
// metrics: broken files, non-dict files, cached metrics, top-level metrics, yaml and nested keys
// ---------------------------------------------------------------------------------------------

describe('metrics', () => {
  test('a corrupted metrics file: an error for that file ("-" in the table) and DVC\'s stderr line', () => {
    const dir = keelRepo({ 'm.json': '{"a": {"b": {"c": 1, "d": 1, "e": "3"}}}', 'dvc.yaml': 'metrics:\n- m.json\n' });
    commitAll(dir, 'metrics');
    writeFiles(dir, { 'm.json': '{"a": {"b": {"c": 1, "d": 1, "e": "3"}}}ma\nlformed\n' });
    const d = keelOk(dir, ['metrics', 'diff']);
    assert.equal(d.stdout, 'Path    Metric    HEAD    workspace    Change\nm.json  a.b.c     1       -            -\nm.json  a.b.d     1       -            -\nm.json  a.b.e     3       -            -\n');
    assert.equal(d.stderr, "DVC failed to load some metrics for following revisions: 'workspace'.\n");
    assert.equal(out(dir, ['metrics', 'diff', '--json']), '{"m.json": {"a.b.c": {"old": 1, "new": null}, "a.b.d": {"old": 1, "new": null}, "a.b.e": {"old": "3", "new": null}}}\n');
    const s = keelOk(dir, ['metrics', 'show']);
    assert.equal(s.stdout, 'Path\nm.json\n');
    assert.equal(s.stderr, "DVC failed to load some metrics for following revisions: ''.\n");
    assert.equal(
      out(dir, ['metrics', 'show', '--json']),
      '{"": {"data": {"m.json": {"error": {"type": "JSONFileCorruptedError", "msg": "unable to read: \'m.json\', JSON file structure is corrupted"}}}}}\n',
    );
    // with -a the errored workspace row shows "-" under the other revisions' columns
    assert.equal(
      keelOk(dir, ['metrics', 'show', '-a']).stdout,
      'Revision    Path    a.b.c    a.b.d    a.b.e\nworkspace   m.json  -        -        -\nmain        m.json  1        1        3\n',
    );
  });

  test('a revision whose dvc.yaml cannot be loaded: {error} for the revision, a warning and DVC\'s stderr line', () => {
    const dir = keelRepo({ 'm.json': '{"a": 1}', 'dvc.yaml': 'metrics:\n- m.json\n' });
    commitAll(dir, 'metrics');
    writeFiles(dir, { 'dvc.yaml': 'metrics:\n- m.json\nmetrics: []\n' });
    const d = keelOk(dir, ['metrics', 'diff']);
    assert.equal(d.stdout, 'Path    Metric    HEAD    workspace    Change\nm.json  a         1       -            -\n');
    assert.match(d.stderr, /^WARNING: failed to load metrics in revision 'workspace', 'dvc.yaml' is malformed: .*\nDVC failed to load some metrics for following revisions: 'workspace'.\n$/);
    const s = keelOk(dir, ['metrics', 'show', '--json']);
    assert.match(s.stdout, /^\{"": \{"error": \{"type": "FileFormatError", "msg": "'dvc.yaml' is malformed: /);
    // the old revision still loads
    assert.equal(out(dir, ['metrics', 'show', '-a']), 'Revision    Path    a\nmain        m.json  1\n');
  });

  test('a metrics file that parses to something other than a mapping: "unable to parse"', () => {
    const dir = keelRepo({ 'scores.yaml': 'acc: 0.91\nloss: 0.2\n', 'dvc.yaml': 'metrics:\n- scores.yaml\n' });
    commitAll(dir, 'scores');
    writeFiles(dir, { 'scores.yaml': 'training crashed\n' });
    assert.equal(
      out(dir, ['metrics', 'diff']),
      'Path         Metric    HEAD    workspace        Change\n' + 'scores.yaml  acc       0.91    unable to parse  -\n' + 'scores.yaml  loss      0.2     unable to parse  -\n',
    );
    assert.equal(out(dir, ['metrics', 'diff', '--json']), '{"scores.yaml": {"acc": {"old": 0.91, "new": "unable to parse"}, "loss": {"old": 0.2, "new": "unable to parse"}}}\n');
    // show puts a non-mapping value in a column with an empty name
    assert.equal(out(dir, ['metrics', 'show']), 'Path\nscores.yaml  training crashed\n');
  });

  test('cached metrics outputs are read from the cache at old revisions; lists and nulls are dropped', () => {
    const dir = keelRepo({
      'dvc.yaml': `stages:\n  score:\n    cmd: ${JSON.stringify(nodeE('const fs=require("fs");const n=Number(fs.readFileSync("n.txt","utf8"));fs.writeFileSync("scores.json",JSON.stringify({acc:n/10,hist:[1,2],none:null,sub:{f1:n/20,tag:"run"+n}}))'))}\n    deps:\n    - n.txt\n    metrics:\n    - scores.json\n`,
      'n.txt': '7',
    });
    keelOk(dir, ['repro']);
    assert.equal(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'), '/scores.json\n');
    commitAll(dir, 'seven');
    writeFiles(dir, { 'n.txt': '9' });
    keelOk(dir, ['repro']);
    commitAll(dir, 'nine');
    // scores.json is not in git: both revisions read it from the cache by the hash in dvc.lock
    assert.equal(
      out(dir, ['metrics', 'diff', 'HEAD~1', 'HEAD']),
      'Path         Metric    HEAD~1    HEAD    Change\nscores.json  acc       0.7       0.9     0.2\nscores.json  sub.f1    0.35      0.45    0.1\nscores.json  sub.tag   run7      run9    -\n',
    );
    const [head, prev] = [git(dir, 'rev-parse', 'HEAD'), git(dir, 'rev-parse', 'HEAD~1')];
    assert.equal(
      out(dir, ['metrics', 'show', '-A']),
      'Revision                                  Path         acc    sub.f1    sub.tag\n' +
        'workspace                                 scores.json  0.9    0.45      run9\n' +
        `${head}  scores.json  0.9    0.45      run9\n` +
        `${prev}  scores.json  0.7    0.35      run7\n`,
    );
    // the workspace file missing (not checked out): read from the cache too
    fs.rmSync(path.join(dir, 'scores.json'));
    assert.equal(out(dir, ['metrics', 'show']), 'Path         acc    sub.f1    sub.tag\nscores.json  0.9    0.45      run9\n');
  });

  test('top-level metrics of a dvc.yaml in a subdirectory, directories expanded, --targets', () => {
    const dir = keelRepo({
      'sub/dvc.yaml': 'metrics:\n- ../eval\n- local.yaml\n',
      'sub/local.yaml': 'x: 1\n',
      'eval/a.json': '{"p": 0.1}',
      'eval/deep/b.yaml': 'q: 2.0\n',
      'free.json': '{"z": 5}',
    });
    commitAll(dir, 'v1');
    writeFiles(dir, { 'eval/a.json': '{"p": 0.15}', 'eval/deep/b.yaml': 'q: 3.5\n', 'sub/local.yaml': 'x: 2\n', 'free.json': '{"z": 6}' });
    assert.equal(
      out(dir, ['metrics', 'diff']),
      'Path              Metric    HEAD    workspace    Change\n' +
        'eval/a.json       p         0.1     0.15         0.05\n' +
        'eval/deep/b.yaml  q         2.0     3.5          1.5\n' +
        'sub/local.yaml    x         1       2            1\n',
    );
    assert.equal(
      out(dir, ['metrics', 'show']),
      'Path              p     q    x\neval/a.json       0.15  -    -\neval/deep/b.yaml  -     3.5  -\nsub/local.yaml    -     -    2\n',
    );
    // targets: any file, even one no dvc.yaml names (positional for show, --targets for diff)
    assert.equal(out(dir, ['metrics', 'show', 'free.json']), 'Path       z\nfree.json  6\n');
    assert.equal(out(dir, ['metrics', 'diff', '--targets', 'free.json', 'eval/a.json', '--no-path']), 'Metric    HEAD    workspace    Change\nz         5       6            1\np         0.1     0.15         0.05\n');
  });
});

describe('speed', () => {
  test('metrics diff HEAD~1 HEAD wall time (reported, not asserted)', () => {
    const dir = keelRepo({ 'params.yaml': guideParams('0.20', 100, 1, 2), 'dvc.yaml': GUIDE_DVC_YAML });
    keelOk(dir, ['repro']);
    commitAll(dir, 'baseline');
    writeFiles(dir, { 'params.yaml': guideParams('0.20', 200, 2, 2) });
    keelOk(dir, ['repro']);
    commitAll(dir, 'step 5');
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint();
      keelOk(dir, ['metrics', 'diff', 'HEAD~1', 'HEAD']);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    console.log(`keel metrics diff HEAD~1 HEAD (${dir}): median ${times[2].toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times[4].toFixed(0)})`);
  });
});
