/**
 * The example's model, natively in ONNX: a fresh small training run with the example's own code
 * (example/src/lib: the SpamAssassin mails of the bundled remote → tf-idf → random forest), the
 * forest exported to ONNX and run by onnxruntime-node on held-out mails, against the forest's own
 * `predictProba`. Also: the pre-processing description inside the .onnx file, and inference time.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { fitForest, predictProba, type ForestModel } from '../../example/src/lib/forest.js';
import { fitVectorizer, transformOne, type Vectorizer } from '../../example/src/lib/text.js';
import { collapse, isPositive, parseRowLine } from '../../example/src/prepare.js';
import { denseInput, exportForestOnnx, exportTextForest, TEXT_TFIDF_PREPROCESSING } from '../../src/model/onnx/index.js';
import { readFields, readString } from '../../src/model/onnx/protobuf.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TRAIN_ROWS = 600;
const TEST_ROWS = 1000;

/** The example's data.xml, from the bundled remote (committed), as (text, label) rows. */
function exampleMails(limit: number): { texts: string[]; labels: number[] } {
  const dvc = fs.readFileSync(path.join(ROOT, 'example/data/data.xml.dvc'), 'utf8');
  const md5 = /md5: ([0-9a-f]{32})/.exec(dvc)![1];
  const xml = fs.readFileSync(path.join(ROOT, 'example/remote/files/md5', md5.slice(0, 2), md5.slice(2)), 'utf8');
  const texts: string[] = [];
  const labels: number[] = [];
  for (const line of xml.split('\n')) {
    if (!line.includes('<row ')) continue;
    const a = parseRowLine(line);
    texts.push(`${collapse(a.get('Title') ?? '')} ${collapse(a.get('Body') ?? '')}`);
    labels.push(isPositive(a.get('Tags') ?? '') ? 1 : 0);
    if (texts.length === limit) break;
  }
  return { texts, labels };
}

/** Percentile of sorted values. */
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

describe('the example’s forest in ONNX', () => {
  let vectorizer: Vectorizer;
  let forest: ForestModel;
  let testX: Float32Array; // [TEST_ROWS, n_features]
  let testRows: Float32Array[];
  let nFeatures = 0;
  let session: ort.InferenceSession;
  let onnx: Uint8Array;

  before(async () => {
    const mails = exampleMails(TRAIN_ROWS + TEST_ROWS);
    const train = mails.texts.slice(0, TRAIN_ROWS);
    // the example's params.yaml: featurize max_features 100, ngrams 1; train n_est 50, min_split 2
    vectorizer = fitVectorizer(train, { maxFeatures: 100, ngrams: 1 });
    nFeatures = vectorizer.feature_names.length;
    const X = denseInput(train.map((t) => transformOne(vectorizer, t)), nFeatures);
    forest = fitForest(X, TRAIN_ROWS, nFeatures, mails.labels.slice(0, TRAIN_ROWS), { nEstimators: 50, minSamplesSplit: 2, seed: 20170428 });
    forest.feature_names = vectorizer.feature_names;
    // held-out mails through the pre-processing: the example's transform, then the dense tensor
    testX = denseInput(mails.texts.slice(TRAIN_ROWS).map((t) => transformOne(vectorizer, t)), nFeatures);
    testRows = Array.from({ length: TEST_ROWS }, (_, i) => testX.subarray(i * nFeatures, (i + 1) * nFeatures));
    onnx = exportForestOnnx(JSON.parse(JSON.stringify(forest)), { file: 'model/forest.json' });
    session = await ort.InferenceSession.create(Buffer.from(onnx));
  });

  test(`onnxruntime's probabilities equal predictProba to 1e-6 on ${TEST_ROWS} held-out mails, labels match`, async (t) => {
    assert.equal(nFeatures, 100);
    const out = await session.run({ input: new ort.Tensor('float32', testX, [TEST_ROWS, nFeatures]) });
    const probs = out.probabilities.data as Float32Array;
    const labels = out.label.data as BigInt64Array;
    const expected = predictProba(forest, testRows);
    let maxDiff = 0;
    let ties = 0;
    const seen = new Set<number>();
    for (let i = 0; i < TEST_ROWS; i++) {
      for (let c = 0; c < 2; c++) maxDiff = Math.max(maxDiff, Math.abs(probs[i * 2 + c] - expected[i][c]));
      // scikit-learn's predict: classes_[argmax(proba)], the first class on a tie
      const want = expected[i][1] > expected[i][0] ? 1 : 0;
      if (expected[i][1] === expected[i][0]) ties++;
      assert.equal(Number(labels[i]), want, `row ${i}: proba ${expected[i]}, onnx ${probs[i * 2]}, ${probs[i * 2 + 1]}`);
      assert.equal(Number(labels[i]), probs[i * 2 + 1] > probs[i * 2] ? 1 : 0, `row ${i}: the label follows the larger probability`);
      seen.add(want);
    }
    assert.ok(maxDiff <= 1e-6, `max |onnx - predictProba| = ${maxDiff}`);
    assert.deepEqual([...seen].sort(), [0, 1], 'both classes are predicted');
    t.diagnostic(`${TEST_ROWS} rows: max |onnx - predictProba| ${maxDiff.toExponential(2)}, exact ties ${ties}, model ${onnx.length} bytes, ${forest.trees.reduce((s, x) => s + x.feature.length, 0)} nodes`);
  });

  test('one row per call (the serving case) gives the batch’s answers, exact ties included', async (t) => {
    // onnxruntime sums tree outputs differently for batches of up to 50 rows and above: with
    // skl2onnx's float32 1/n weights a 25/25 tie reads 0.50000006 (label 1) one row at a time
    // and 0.5 (label 0) in a batch of 1000. Whole votes here are exact in both.
    const expected = predictProba(forest, testRows);
    const ties = expected.flatMap((p, i) => (p[0] === p[1] ? [i] : []));
    const rows = [...new Set([...ties, ...Array.from({ length: 20 }, (_, i) => i)])];
    const batch = await session.run({ input: new ort.Tensor('float32', testX, [TEST_ROWS, nFeatures]) });
    for (const i of rows) {
      const one = await session.run({ input: new ort.Tensor('float32', testRows[i].slice(), [1, nFeatures]) });
      const label = Number((one.label.data as BigInt64Array)[0]);
      const p = Array.from(one.probabilities.data as Float32Array);
      assert.equal(label, Number((batch.label.data as BigInt64Array)[i]), `row ${i}`);
      assert.deepEqual(p, Array.from((batch.probabilities.data as Float32Array).subarray(i * 2, i * 2 + 2)), `row ${i}`);
      assert.equal(label, expected[i][1] > expected[i][0] ? 1 : 0, `row ${i}`);
      if (ties.includes(i)) assert.deepEqual(p, [0.5, 0.5], `row ${i} is an exact tie`);
    }
    t.diagnostic(`${rows.length} rows one at a time, ${ties.length} of them exact ties`);
  });

  test('with its vectorizer: the pre-processing description travels in the .onnx metadata', async () => {
    const both = exportTextForest(JSON.parse(JSON.stringify(forest)), JSON.parse(JSON.stringify(vectorizer)), {
      forestFile: 'model/forest.json',
      vectorizerFile: 'model/vectorizer.json',
      producerVersion: '0.1.0',
    });
    assert.equal(both.preprocessing.format, TEXT_TFIDF_PREPROCESSING);
    assert.deepEqual(both.preprocessing.output, { name: 'input', dtype: 'float32', shape: [null, 100] });
    assert.equal(both.preprocessing.vectorizer.artifact, 'vectorizer.json');
    // metadata_props (ModelProto field 14) read back from the bytes
    const meta = new Map(
      readFields(both.onnx)
        .filter((f) => f.field === 14)
        .map((f) => readFields(f.bytes!).map((x) => readString(x.bytes!)) as [string, string]),
    );
    assert.deepEqual(JSON.parse(meta.get('keel.preprocessing')!), both.preprocessing);
    assert.deepEqual(JSON.parse(meta.get('keel.feature_names')!), vectorizer.feature_names);
    assert.equal(meta.get('keel.n_estimators'), '50');
    // raw text → the example's transform → denseInput → onnxruntime, as the package will serve it
    const s = await ort.InferenceSession.create(Buffer.from(both.onnx));
    const texts = ['FREE money!!! Click here to claim your prize now', 'Re: the meeting notes from yesterday, see attached'];
    const x = denseInput(texts.map((text) => transformOne(vectorizer, text)), 100);
    const out = await s.run({ input: new ort.Tensor('float32', x, [2, 100]) });
    const want = predictProba(forest, [x.subarray(0, 100), x.subarray(100)]);
    const got = out.probabilities.data as Float32Array;
    for (let i = 0; i < 2; i++) for (let c = 0; c < 2; c++) assert.ok(Math.abs(got[i * 2 + c] - want[i][c]) <= 1e-6);
    await s.release();
  });

  test('inference time through onnxruntime-node (reported, not asserted)', async (t) => {
    const one = testRows.map((r) => new ort.Tensor('float32', r.slice(), [1, nFeatures]));
    const batch = new ort.Tensor('float32', testX, [TEST_ROWS, nFeatures]);
    for (let i = 0; i < 50; i++) await session.run({ input: one[i % one.length] });
    const singles: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const t0 = process.hrtime.bigint();
      await session.run({ input: one[i % one.length] });
      singles.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
    for (let i = 0; i < 3; i++) await session.run({ input: batch });
    const batches: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = process.hrtime.bigint();
      await session.run({ input: batch });
      batches.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const t0 = process.hrtime.bigint();
    predictProba(forest, testRows);
    const tsMs = Number(process.hrtime.bigint() - t0) / 1e6;
    singles.sort((a, b) => a - b);
    batches.sort((a, b) => a - b);
    t.diagnostic(
      `1 row: p50 ${pct(singles, 50).toFixed(0)} µs, p99 ${pct(singles, 99).toFixed(0)} µs; ` +
        `${TEST_ROWS} rows: p50 ${pct(batches, 50).toFixed(2)} ms, min ${batches[0].toFixed(2)} ms ` +
        `(${((TEST_ROWS / pct(batches, 50)) * 1000).toFixed(0)} rows/s); TypeScript predictProba on the same ${TEST_ROWS} rows: ${tsMs.toFixed(1)} ms`,
    );
    assert.ok(singles.length === 1000 && batches.length === 30);
  });

  const demo = path.join(ROOT, 'demo/model/forest.json');
  test('the demo workspace’s trained model (when `npm start` has made it) exports and agrees', { skip: !fs.existsSync(demo) && 'no demo/model (run npm start)' }, async (t) => {
    const forestJson = JSON.parse(fs.readFileSync(demo, 'utf8')) as ForestModel;
    const vec = JSON.parse(fs.readFileSync(path.join(ROOT, 'demo/model/vectorizer.json'), 'utf8')) as Vectorizer;
    const t0 = process.hrtime.bigint();
    const exported = exportTextForest(forestJson, vec, { forestFile: 'demo/model/forest.json', vectorizerFile: 'demo/model/vectorizer.json' });
    const exportMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const s = await ort.InferenceSession.create(Buffer.from(exported.onnx));
    const mails = exampleMails(500).texts;
    const x = denseInput(mails.map((m) => transformOne(vec, m)), forestJson.n_features);
    const out = await s.run({ input: new ort.Tensor('float32', x, [mails.length, forestJson.n_features]) });
    const want = predictProba(forestJson, mails.map((_, i) => x.subarray(i * forestJson.n_features, (i + 1) * forestJson.n_features)));
    const got = out.probabilities.data as Float32Array;
    const labels = out.label.data as BigInt64Array;
    let maxDiff = 0;
    want.forEach((p, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(got[i * 2] - p[0]), Math.abs(got[i * 2 + 1] - p[1]));
      assert.equal(Number(labels[i]), p[1] > p[0] ? 1 : 0, `row ${i}`);
    });
    assert.ok(maxDiff <= 1e-6, String(maxDiff));
    t.diagnostic(`demo model: export ${exportMs.toFixed(0)} ms, ${exported.onnx.length} bytes, max diff ${maxDiff.toExponential(2)} on ${mails.length} mails`);
    await s.release();
  });
});
