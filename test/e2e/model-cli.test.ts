/**
 * `keel model save / show` and `keel apply` through the built CLI, in a keel repository where
 * the example's pipeline ran (400 mails): the package records the commit, the train stage's
 * dvc.lock entry, its params and the metrics; apply scores JSON, JSONL and CSV files.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keel, keelOk } from '../helpers/cli.js';
import { cleanup, git } from '../helpers/git.js';
import { keelRepo } from '../helpers/repo.js';
import { parseYaml } from '../../src/util/yaml.js';
import { EXAMPLE, reducedDataXml } from '../model/example-model.js';

describe('keel model / keel apply (built CLI)', () => {
  let dir: string;
  let head: string;

  before(() => {
    dir = keelRepo();
    for (const rel of ['dvc.yaml', 'params.yaml', 'dist']) fs.cpSync(path.join(EXAMPLE, rel), path.join(dir, rel), { recursive: true });
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data/data.xml'), reducedDataXml(400));
    keelOk(dir, ['add', '-q', 'data/data.xml']);
    keelOk(dir, ['repro', '-q']);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'trained');
    head = git(dir, 'rev-parse', 'HEAD').trim();
  });
  after(() => cleanup(dir));

  test('model save: a package with lineage (commit, stage, lock entry, params, metrics)', () => {
    const r = keelOk(dir, ['model', 'save', 'model', '-o', 'models/spam', '--name', 'spam-classifier']);
    assert.match(r.stdout, /^Saved model 'spam-classifier' \(onnx: predict, predict_proba\) to models\/spam from stage 'train', commit [0-9a-f]{7}\n$/);
    const meta = parseYaml(fs.readFileSync(path.join(dir, 'models/spam/keel-model.yaml'), 'utf8'), 'keel-model.yaml') as Record<string, any>;
    assert.equal(meta.name, 'spam-classifier');
    assert.deepEqual(meta.lineage.git, { commit: head, dirty: false, branch: git(dir, 'branch', '--show-current').trim() });
    assert.equal(meta.lineage.stage.name, 'train');
    assert.equal(meta.lineage.stage.file, 'dvc.yaml');
    const lock = (parseYaml(fs.readFileSync(path.join(dir, 'dvc.lock'), 'utf8'), 'dvc.lock') as Record<string, any>).stages.train;
    assert.deepEqual(meta.lineage.stage.lock, lock, 'the dvc.lock entry, as written');
    assert.deepEqual(meta.lineage.params, { 'params.yaml': { 'train.min_split': 2, 'train.n_est': 50, 'train.seed': 20170428 } });
    const metrics = meta.lineage.metrics['evaluation/metrics.json'];
    assert.deepEqual(Object.keys(metrics).sort(), ['avg_prec', 'roc_auc']);
    assert.deepEqual(metrics, JSON.parse(fs.readFileSync(path.join(dir, 'evaluation/metrics.json'), 'utf8')));
    // --stage names it explicitly; a wrong one is an error
    const bad = keel(dir, ['model', 'save', 'model', '-o', 'models/x', '--stage', 'nope']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /stage 'nope' not found/);
    // a dirty workspace is recorded as such
    fs.appendFileSync(path.join(dir, 'params.yaml'), '# edited\n');
    keelOk(dir, ['model', 'save', 'model', '-o', 'models/dirty', '--stage', 'train']);
    const dirty = parseYaml(fs.readFileSync(path.join(dir, 'models/dirty/keel-model.yaml'), 'utf8'), 'keel-model.yaml') as Record<string, any>;
    assert.equal(dirty.lineage.git.dirty, true);
    git(dir, 'checkout', '--', 'params.yaml');
  });

  test('model show: text and --json', () => {
    const t = keelOk(dir, ['model', 'show', 'models/spam']).stdout;
    assert.match(t, /^name: +spam-classifier\n/);
    assert.match(t, /runtime: +onnx \(entry model\.onnx\), processing preprocess\.mjs/);
    assert.match(t, /artifacts: +\(md5 verified\)\n  model\.onnx +[\d.]+ KiB  md5 [0-9a-f]{32}/);
    assert.match(t, /\n  predict: array of string -> array of integer \(0\|1\)/);
    assert.match(t, /\n  predict_proba: array of string -> array of array\[2\] of number/);
    assert.match(t, /sample: +\["free money now","meeting at noon"\]/);
    assert.match(t, new RegExp(`git: +${head} \\(\\w+\\), clean`));
    assert.match(t, /stage: +train \(dvc\.yaml\)\n    cmd: +node dist\/train\.js data\/features model/);
    assert.match(t, /params: +params\.yaml: train\.min_split=2, train\.n_est=50, train\.seed=20170428/);
    assert.match(t, /metrics: +evaluation\/metrics\.json: avg_prec=0\.\d+, roc_auc=0\.\d+/);
    const j = JSON.parse(keelOk(dir, ['model', 'show', 'models/spam', '--json']).stdout) as Record<string, any>;
    assert.equal(j.verified, true);
    assert.deepEqual(j.methods.map((m: { name: string }) => m.name), ['predict', 'predict_proba']);
    assert.equal(j.lineage.stage.name, 'train');
    // a tampered package: show says so and exits 1; apply refuses it
    fs.cpSync(path.join(dir, 'models/spam'), path.join(dir, 'models/tampered'), { recursive: true });
    fs.appendFileSync(path.join(dir, 'models/tampered/vectorizer.json'), ' ');
    const s = keel(dir, ['model', 'show', 'models/tampered']);
    assert.equal(s.code, 1);
    assert.match(s.stdout, /NOT VERIFIED: .*artifact 'vectorizer\.json' has \d+ bytes/);
    fs.writeFileSync(path.join(dir, 'in.json'), '["x"]');
    const a = keel(dir, ['apply', 'models/tampered', 'in.json']);
    assert.notEqual(a.code, 0);
    assert.match(a.stderr, /artifact 'vectorizer\.json' has \d+ bytes.*not loaded/);
  });

  test('apply: JSON → stdout, JSONL → .jsonl, CSV (text column) → .csv, in batches; all agree', () => {
    const texts = ['free money now, click here', 'meeting at noon', 'Re: patch for the build, see attached', 'WIN a FREE prize!!! call now', 'lunch?'];
    fs.writeFileSync(path.join(dir, 'in.json'), JSON.stringify(texts));
    const labels = JSON.parse(keelOk(dir, ['apply', 'models/spam', 'in.json']).stdout) as number[];
    assert.equal(labels.length, 5);
    for (const l of labels) assert.ok(l === 0 || l === 1);
    const probs = JSON.parse(keelOk(dir, ['apply', 'models/spam', 'in.json', '-m', 'predict_proba', '--batch-size', '2']).stdout) as number[][];
    assert.equal(probs.length, 5);
    probs.forEach((p, i) => assert.equal(labels[i], p[1] > p[0] ? 1 : 0));

    fs.writeFileSync(path.join(dir, 'in.jsonl'), texts.map((t) => JSON.stringify(t)).join('\n') + '\n');
    const r = keelOk(dir, ['apply', 'models/spam', 'in.jsonl', '-m', 'predict_proba', '-o', 'out/scores.jsonl', '-b', '2']);
    assert.match(r.stdout, /Applied 'predict_proba' to 5 rows in 3 batch\(es\): out\/scores\.jsonl/);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'out/scores.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)), probs);

    const csv = ['id,text', ...texts.map((t, i) => `${i},"${t.replace(/"/g, '""')}"`)].join('\r\n') + '\r\n';
    fs.writeFileSync(path.join(dir, 'in.csv'), csv);
    keelOk(dir, ['apply', 'models/spam', 'in.csv', '-o', 'out/labels.csv']);
    assert.equal(fs.readFileSync(path.join(dir, 'out/labels.csv'), 'utf8'), ['predict', ...labels.map(String)].join('\n') + '\n');
    keelOk(dir, ['apply', 'models/spam', 'in.csv', '-m', 'predict_proba', '-o', 'out/probs.csv']);
    assert.equal(fs.readFileSync(path.join(dir, 'out/probs.csv'), 'utf8'), ['predict_proba_0,predict_proba_1', ...probs.map((p) => p.join(','))].join('\n') + '\n');
    keelOk(dir, ['apply', 'models/spam', 'in.csv', '-o', 'out/labels.json']);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'out/labels.json'), 'utf8')), labels);

    // errors: unknown method, malformed input
    const m = keel(dir, ['apply', 'models/spam', 'in.json', '-m', 'explain']);
    assert.notEqual(m.code, 0);
    assert.match(m.stderr, /no method 'explain'/);
    fs.writeFileSync(path.join(dir, 'bad.jsonl'), '"ok"\n{oops\n');
    const b = keel(dir, ['apply', 'models/spam', 'bad.jsonl']);
    assert.match(b.stderr, /line 2 is not valid JSON/);
    fs.writeFileSync(path.join(dir, 'bad.json'), '["ok", 42]');
    assert.match(keel(dir, ['apply', 'models/spam', 'bad.json']).stderr, /data\[1\] must be a string/);
  });

  test('help lists the commands', () => {
    const h = keel(dir, ['--help']).stdout;
    assert.match(h, /\n  model +Package a trained model/);
    assert.match(h, /\n  apply +Score a JSON\/JSONL\/CSV file/);
    assert.match(keelOk(dir, ['model', '--help']).stdout, /save <model-dir-or-file> -o <package-dir>/);
  });
});
