/**
 * The example's model as a package: trained for real (example/dist stages on 400 mails), saved
 * as kind text-forest, loaded, and run — against the TypeScript forest and vectorizer the
 * example itself uses. Also: the bundled pre-processing is the example's transform, a tampered
 * artifact is refused, the saved metadata reads back.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { predictProba, type ForestModel } from '../../example/src/lib/forest.js';
import { analyze, STOP_WORDS, transformOne, type Vectorizer } from '../../example/src/lib/text.js';
import { denseInput } from '../../src/model/onnx/index.js';
import { loadModel, saveModel, readMeta, type LoadedModel } from '../../src/index.js';
import { cleanup } from '../helpers/git.js';
import { heldOutTexts, trainExampleModel } from './example-model.js';

describe('model package: the example’s text-forest', () => {
  let dir: string;
  let pkg: string;
  let model: LoadedModel;
  let texts: string[];
  let forest: ForestModel;
  let vectorizer: Vectorizer;

  before(async () => {
    dir = trainExampleModel(400);
    pkg = path.join(dir, 'packages/spam');
    texts = heldOutTexts(dir, 100);
    forest = JSON.parse(fs.readFileSync(path.join(dir, 'model/forest.json'), 'utf8')) as ForestModel;
    vectorizer = JSON.parse(fs.readFileSync(path.join(dir, 'model/vectorizer.json'), 'utf8')) as Vectorizer;
    await saveModel({ cwd: dir, source: 'model', out: 'packages/spam', name: 'spam' });
    model = await loadModel(pkg);
  });
  after(async () => {
    await model?.close();
    cleanup(dir);
  });

  test('the package holds the graph, the vectorizer, the pre-processing and a valid keel-model.yaml', async () => {
    assert.deepEqual(fs.readdirSync(pkg).sort(), ['keel-model.yaml', 'model.onnx', 'preprocess.mjs', 'vectorizer.json']);
    const meta = await readMeta(pkg);
    assert.equal(meta.name, 'spam');
    assert.equal(meta.runtime, 'onnx');
    assert.equal(meta.entry, 'model.onnx');
    assert.equal(meta.processing, 'preprocess.mjs');
    assert.deepEqual(meta.methods.map((m) => m.name), ['predict', 'predict_proba']);
    assert.deepEqual(meta.methods[0].input, { type: 'array', items: { type: 'string' }, description: 'one text per row' });
    assert.deepEqual(meta.methods[0].output, { type: 'array', items: { type: 'integer', enum: [0, 1] } });
    assert.deepEqual((meta.methods[1].output.items as Record<string, unknown>).maxItems, 2);
    assert.deepEqual(meta.sample, ['free money now', 'meeting at noon']);
    assert.equal(meta.requirements['onnxruntime-node'], '1.30.0');
    assert.match(meta.requirements.keel, /^\d+\.\d+\.\d+/);
    // the vectorizer is copied byte for byte; md5s are those of the files
    assert.deepEqual(fs.readFileSync(path.join(pkg, 'vectorizer.json')), fs.readFileSync(path.join(dir, 'model/vectorizer.json')));
    assert.ok(!Number.isNaN(Date.parse(meta.lineage.created)));
    assert.equal(meta.lineage.stage, undefined, 'not in a repository: no stage lineage');
  });

  test('the sample: predict → 0/1 per text, predict_proba → [p0, p1] per text', async () => {
    const labels = (await model.methods.predict(['free money now', 'meeting at noon'])) as number[];
    assert.equal(labels.length, 2);
    for (const l of labels) assert.ok(l === 0 || l === 1);
    const p = (await model.methods.predict_proba(['free money now', 'meeting at noon'])) as number[][];
    for (const [a, b] of p) assert.ok(Math.abs(a + b - 1) < 1e-6);
    assert.deepEqual(await model.methods.predict([]), []);
  });

  test('on 100 held-out mails: the package’s answers equal the example’s forest (predictProba on its tf-idf)', async () => {
    assert.equal(texts.length, 100);
    const nf = vectorizer.feature_names.length;
    const X = denseInput(texts.map((t) => transformOne(vectorizer, t)), nf);
    const rows = Array.from({ length: texts.length }, (_, i) => X.subarray(i * nf, (i + 1) * nf));
    const want = predictProba(forest, rows);
    const got = (await model.methods.predict_proba(texts)) as number[][];
    const labels = (await model.methods.predict(texts)) as number[];
    let maxDiff = 0;
    const seen = new Set<number>();
    for (let i = 0; i < texts.length; i++) {
      for (let c = 0; c < 2; c++) maxDiff = Math.max(maxDiff, Math.abs(got[i][c] - want[i][c]));
      assert.equal(labels[i], want[i][1] > want[i][0] ? 1 : 0, `row ${i}`);
      seen.add(labels[i]);
    }
    assert.ok(maxDiff <= 1e-6, `max diff ${maxDiff}`);
    assert.deepEqual([...seen].sort(), [0, 1], 'both classes occur');
    // one text per call (the serving case) gives the batch's answers
    for (let i = 0; i < 10; i++) assert.deepEqual(await model.methods.predict_proba([texts[i]]), [got[i]]);
  });

  test('preprocess.mjs is self-contained and computes the example’s transform exactly', async () => {
    const src = fs.readFileSync(path.join(pkg, 'preprocess.mjs'), 'utf8');
    assert.deepEqual([...src.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]), ['node:fs', 'node:path']);
    const pre = (await import(pathToFileURL(path.join(pkg, 'preprocess.mjs')).href)) as {
      STOP_WORDS: Set<string>;
      analyze(t: string, n: number): string[];
      load(dir: string): { preprocess(m: string, d: unknown): { type: string; data: Float32Array; dims: number[] } };
    };
    assert.deepEqual([...pre.STOP_WORDS].sort(), [...STOP_WORDS].sort());
    const tricky = [
      '', 'a', 'I', 'Ünïcödé wörds ÄRE lower-cased: STRASSE straße ΣΊΣΥΦΟΣ', 'snake_case and x2 and 42 and 3.14',
      'emoji 🎉🎉 party time 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math', 'tabs\tand\nnewlines\r\nok', "don't won't it's", '中文 日本語 한국어', 'ab', 'a b c d',
    ];
    const all = [...tricky, ...texts];
    for (const t of all) {
      assert.deepEqual(pre.analyze(t, 1), analyze(t, 1), JSON.stringify(t.slice(0, 60)));
      assert.deepEqual(pre.analyze(t, 3), analyze(t, 3), JSON.stringify(t.slice(0, 60)));
    }
    const hooks = pre.load(pkg);
    const x = hooks.preprocess('predict', all);
    assert.equal(x.type, 'float32');
    assert.deepEqual(x.dims, [all.length, vectorizer.feature_names.length]);
    assert.deepEqual(x.data, denseInput(all.map((t) => transformOne(vectorizer, t)), vectorizer.feature_names.length));
  });

  test('bad input is the caller’s error, naming the row', async () => {
    await assert.rejects(model.methods.predict(['ok', 3]), (e: Error & { code?: string }) => e.code === 'USAGE' && /data\[1\] must be a string/.test(e.message));
    await assert.rejects(model.methods.predict('free money'), (e: Error & { code?: string }) => e.code === 'USAGE' && /array of strings/.test(e.message));
  });

  test('a tampered or missing artifact is refused before anything loads', async () => {
    const bad = path.join(dir, 'packages/tampered');
    fs.cpSync(pkg, bad, { recursive: true });
    const onnx = fs.readFileSync(path.join(bad, 'model.onnx'));
    onnx[onnx.length - 5] ^= 0xff; // same size, other content
    fs.writeFileSync(path.join(bad, 'model.onnx'), onnx);
    await assert.rejects(loadModel(bad), (e: Error & { code?: string; data?: Record<string, unknown> }) => {
      assert.equal(e.code, 'CORRUPT');
      assert.match(e.message, /artifact 'model\.onnx' has md5 [0-9a-f]{32}, expected [0-9a-f]{32}; the package was not loaded/);
      assert.equal(e.data?.artifact, 'model.onnx');
      return true;
    });
    fs.appendFileSync(path.join(bad, 'preprocess.mjs'), '\nexport const evil = 1;\n');
    fs.copyFileSync(path.join(pkg, 'model.onnx'), path.join(bad, 'model.onnx'));
    await assert.rejects(loadModel(bad), /artifact 'preprocess\.mjs' has \d+ bytes, expected \d+/);
    fs.rmSync(path.join(bad, 'vectorizer.json'));
    fs.copyFileSync(path.join(pkg, 'preprocess.mjs'), path.join(bad, 'preprocess.mjs'));
    await assert.rejects(loadModel(bad), /artifact 'vectorizer\.json' is missing/);
  });

  test('saving again over a package replaces it; a non-package directory is not overwritten', async () => {
    const r = await saveModel({ cwd: dir, source: 'model', out: 'packages/spam2', name: 'again' });
    assert.equal(r.meta.name, 'again');
    const r2 = await saveModel({ cwd: dir, source: 'model', out: 'packages/spam2', name: 'again2' });
    assert.equal((await readMeta(r2.dir)).name, 'again2');
    fs.mkdirSync(path.join(dir, 'notapkg'));
    fs.writeFileSync(path.join(dir, 'notapkg/important.txt'), 'x');
    await assert.rejects(saveModel({ cwd: dir, source: 'model', out: 'notapkg' }), /not empty and is not a model package/);
    assert.equal(fs.readFileSync(path.join(dir, 'notapkg/important.txt'), 'utf8'), 'x');
    assert.deepEqual(fs.readdirSync(path.join(dir, 'packages')).filter((n) => n.includes('.tmp-')), [], 'no temp dirs left');
  });
});
