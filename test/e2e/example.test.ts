/**
 * The guide's experiment (example/) run by keel: on a reduced dataset, on the guide's original
 * StackOverflow format, and through the README's main job (scripts/demo.mjs).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { keelOk } from '../helpers/cli.js';
import { pngStats } from '../helpers/png.js';
import { git, makeTempDir } from '../helpers/git.js';
import { keelRepo } from '../helpers/repo.js';
import { parseYaml } from '../../src/util/yaml.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE = path.join(ROOT, 'example');

/** A workspace with the example's pipeline and `dataXml` as data/data.xml, tracked by keel. */
function exampleRepo(dataXml: string): string {
  const dir = keelRepo();
  for (const rel of ['dvc.yaml', 'params.yaml', 'dist', 'src']) fs.cpSync(path.join(EXAMPLE, rel), path.join(dir, rel), { recursive: true });
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data/data.xml'), dataXml);
  keelOk(dir, ['add', 'data/data.xml']);
  return dir;
}

/** The example's dataset as the bundled remote holds it (data/data.xml itself is not in git). */
function bundledDataset(): string {
  const md5 = /md5: ([0-9a-f]{32})/.exec(fs.readFileSync(path.join(EXAMPLE, 'data/data.xml.dvc'), 'utf8'))![1];
  return fs.readFileSync(path.join(EXAMPLE, 'remote/files/md5', md5.slice(0, 2), md5.slice(2)), 'utf8');
}

function reducedDataset(rows: number): string {
  const lines = bundledDataset().split('\n');
  return [...lines.slice(0, 2 + rows), '</posts>', ''].join('\n');
}

describe('the example pipeline', () => {
  test('on a reduced dataset: repro writes metrics, plots and a lock with the guide’s params', () => {
    const dir = exampleRepo(reducedDataset(600));
    const r = keelOk(dir, ['repro']);
    for (const s of ['prepare', 'featurize', 'train', 'evaluate', 'package']) assert.match(r.stdout, new RegExp(`Running stage '${s}'`));
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'evaluation/metrics.json'), 'utf8')) as Record<string, number>;
    assert.deepEqual(Object.keys(m).sort(), ['avg_prec', 'roc_auc']);
    assert.ok(m.avg_prec > 0.6 && m.avg_prec <= 1, `avg_prec ${m.avg_prec}`);
    assert.ok(m.roc_auc > 0.7 && m.roc_auc <= 1, `roc_auc ${m.roc_auc}`);
    // dvclive-shaped plot files
    const prc = JSON.parse(fs.readFileSync(path.join(dir, 'evaluation/plots/prc.json'), 'utf8'));
    assert.ok(Array.isArray(prc.prc) && 'precision' in prc.prc[0] && 'recall' in prc.prc[0] && 'threshold' in prc.prc[0]);
    const roc = JSON.parse(fs.readFileSync(path.join(dir, 'evaluation/plots/sklearn/roc.json'), 'utf8'));
    assert.ok(Array.isArray(roc.roc) && 'fpr' in roc.roc[0] && 'tpr' in roc.roc[0]);
    const cm = JSON.parse(fs.readFileSync(path.join(dir, 'evaluation/plots/sklearn/confusion_matrix.json'), 'utf8'));
    assert.ok(Array.isArray(cm) && 'actual' in cm[0] && 'predicted' in cm[0]);
    assert.equal(fs.readFileSync(path.join(dir, 'evaluation/plots/importance.png')).subarray(1, 4).toString(), 'PNG');
    // the lock records every stage with the guide's params
    const lock = parseYaml(fs.readFileSync(path.join(dir, 'dvc.lock'), 'utf8'), 'dvc.lock') as { stages: Record<string, { params?: Record<string, Record<string, unknown>> }> };
    assert.deepEqual(Object.keys(lock.stages), ['prepare', 'featurize', 'train', 'evaluate', 'package']);
    assert.ok(fs.existsSync(path.join(dir, 'models/spam/keel-model.yaml')), 'the package stage saved the model package');
    assert.deepEqual(lock.stages.prepare.params!['params.yaml'], { 'prepare.seed': 20170428, 'prepare.split': 0.2 });
    assert.deepEqual(lock.stages.featurize.params!['params.yaml'], { 'featurize.max_features': 100, 'featurize.ngrams': 1 });
    assert.deepEqual(lock.stages.train.params!['params.yaml'], { 'train.min_split': 2, 'train.n_est': 50, 'train.seed': 20170428 });
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
    assert.match(keelOk(dir, ['metrics', 'show']).stdout, /evaluation\/metrics\.json\s+0\.\d+\s+0\.\d+/);
    const plots = keelOk(dir, ['plots', 'show', '--png']).stdout;
    assert.match(plots, /dvc_plots\/index\.html/);
    for (const f of ['evaluation_plots_prc.json.png', 'evaluation_plots_sklearn_roc.json.png', 'evaluation_plots_sklearn_confusion_matrix.json.png'])
      assert.ok(fs.statSync(path.join(dir, 'dvc_plots', f)).size > 5000, f);
    // a params change re-runs from featurize on, and the diffs show it
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'baseline');
    fs.writeFileSync(path.join(dir, 'params.yaml'), fs.readFileSync(path.join(dir, 'params.yaml'), 'utf8').replace('max_features: 100', 'max_features: 50'));
    const r2 = keelOk(dir, ['repro']);
    assert.match(r2.stdout, /Stage 'prepare' didn't change, skipping/);
    assert.match(r2.stdout, /Running stage 'featurize'/);
    assert.match(keelOk(dir, ['params', 'diff']).stdout, /params\.yaml\s+featurize\.max_features\s+100\s+50/);
    assert.match(keelOk(dir, ['metrics', 'diff']).stdout, /Path\s+Metric\s+HEAD\s+workspace\s+Change\nevaluation\/metrics\.json\s+avg_prec/);
    // the pull-request report of that change (issue 6): both tables and the three plots, drawn
    git(dir, 'branch', '-M', 'main');
    keelOk(dir, ['report']);
    const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    assert.match(md, /\| params\.yaml \| featurize\.max_features \| 100 +\| 50 +\|/);
    assert.match(md, /\| evaluation\/metrics\.json \| avg_prec +\| 0\.\d+ +\| 0\.\d+ +\| -?0\.\d+ +\|/);
    for (const f of ['evaluation_plots_prc.json.png', 'evaluation_plots_sklearn_roc.json.png', 'evaluation_plots_sklearn_confusion_matrix.json.png']) {
      assert.ok(md.includes(`(./report-plots/${f} `), f);
      const st = pngStats(path.join(dir, 'report-plots', f));
      assert.ok(st.width > 300 && st.colours > 20 && st.dark > 1000, `${f}: ${JSON.stringify(st)}`);
    }
  });

  test("the same pipeline runs on the guide's StackOverflow data.xml format", () => {
    const dir = exampleRepo(fs.readFileSync(path.join(EXAMPLE, 'test-data/stackoverflow-sample.xml'), 'utf8'));
    keelOk(dir, ['repro']);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'evaluation/metrics.json'), 'utf8')) as Record<string, number>;
    assert.ok(Number.isFinite(m.avg_prec) && Number.isFinite(m.roc_auc));
    const train = fs.readFileSync(path.join(dir, 'data/prepared/train.tsv'), 'utf8').trim().split('\n');
    const labels = new Set(train.map((l) => l.split('\t')[1]));
    assert.deepEqual([...labels].sort(), ['0', '1'], 'the r tag gives the positive class');
  });
});

describe('the main job (npm start)', () => {
  test('prepares demo/, pulls from the bundled remote, reproduces, shows metrics and plots, serves the model; a rerun runs no stage', () => {
    const demo = path.join(makeTempDir(), 'demo');
    const run = () => spawnSync(process.execPath, [path.join(ROOT, 'scripts/demo.mjs')], { cwd: ROOT, env: { ...process.env, KEEL_DEMO_DIR: demo, KEEL_DEMO_PORT: '0', KEEL_DEMO_NO_SERVE: '1', NO_COLOR: '1' }, encoding: 'utf8' });
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /\$ keel pull/);
    assert.match(first.stdout, /Running stage 'evaluate'/);
    assert.match(first.stdout, /evaluation\/metrics\.json\s+0\.9\d+\s+0\.9\d+/);
    assert.ok(fs.existsSync(path.join(demo, 'dvc_plots/index.html')));
    // the model is packaged, served and answers the sample requests (spam, ham, the guide's text)
    assert.ok(fs.existsSync(path.join(demo, 'models/spam/keel-model.yaml')));
    assert.match(first.stdout, /\/predict -H[^\n]*\n\[1,0,0\]/);
    assert.match(first.stdout, /\/predict_proba -H[^\n]*\n\[\[0\.\d+,0\.\d+\],/);
    const second = run();
    assert.equal(second.status, 0, second.stderr);
    assert.doesNotMatch(second.stdout, /Running stage/);
    assert.match(second.stdout, /Stage 'train' didn't change, skipping/);
  });
});
