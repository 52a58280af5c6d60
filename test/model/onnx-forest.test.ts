/**
 * Forest → ONNX on hand-made forests, run by onnxruntime-node and checked against a hand
 * computation; malformed forest.json / vectorizer.json → FileFormatError naming the field.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { isKeelError } from '../../src/errors/index.js';
import {
  exportForestOnnx,
  exportTextForest,
  float32AtMost,
  parseForest,
  parseVectorizer,
  type ForestJson,
} from '../../src/model/onnx/index.js';

async function predict(onnx: Uint8Array, rows: number[][]): Promise<{ labels: number[]; probs: number[][] }> {
  const session = await ort.InferenceSession.create(Buffer.from(onnx));
  const m = rows[0].length;
  const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, m]) });
  await session.release();
  const k = out.probabilities.dims[1];
  assert.deepEqual(out.label.dims, [rows.length]);
  assert.equal(out.label.type, 'int64');
  assert.deepEqual(out.probabilities.dims, [rows.length, k]);
  assert.equal(out.probabilities.type, 'float32');
  const p = out.probabilities.data as Float32Array;
  return {
    labels: Array.from(out.label.data as BigInt64Array, Number),
    probs: rows.map((_, i) => Array.from(p.subarray(i * k, (i + 1) * k))),
  };
}

function assertClose(actual: number[][], expected: number[][], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, i) =>
    row.forEach((x, j) => assert.ok(Math.abs(x - expected[i][j]) <= tol, `row ${i} class ${j}: ${x} vs ${expected[i][j]}`)),
  );
}

/** Index of the first largest value (numpy's argmax). */
const argmax = (p: number[]): number => p.reduce((best, x, j) => (x > p[best] ? j : best), 0);

/**
 * Two trees on two features, in scikit-learn's arrays (depth-first, left child first):
 *   tree 0: x0 <= 0.5 ? [3, 1] : (x1 <= 0.25 ? [0, 2] : [4, 0])
 *   tree 1: x0 <= 0.75 ? [1, 4] : [5, 0]
 * (internal nodes hold their subtree's counts, as scikit-learn's do; they are not used)
 */
function handForest(classes: number[] = [0, 1]): ForestJson {
  return {
    format: 'random-forest-classifier/1',
    classes,
    n_features: 2,
    trees: [
      {
        children_left: [1, -1, 3, -1, -1],
        children_right: [2, -1, 4, -1, -1],
        feature: [0, -2, 1, -2, -2],
        threshold: [0.5, -2, 0.25, -2, -2],
        value: [[7, 3], [3, 1], [4, 2], [0, 2], [4, 0]],
      },
      {
        children_left: [1, -1, -1],
        children_right: [2, -1, -1],
        feature: [0, -2, -2],
        threshold: [0.75, -2, -2],
        value: [[6, 4], [1, 4], [5, 0]],
      },
    ],
  };
}

describe('a hand-made two-tree forest', () => {
  // by hand: each tree's leaf fractions, averaged over the two trees
  const rows = [
    [0, 0], // t0 [3,1]→[.75,.25], t1 [1,4]→[.2,.8]  → [.475, .525] → 1
    [1, 0], // t0 [0,2]→[0,1],     t1 [5,0]→[1,0]    → [.5, .5]     → tie → 0
    [1, 1], // t0 [4,0]→[1,0],     t1 [5,0]→[1,0]    → [1, 0]       → 0
    [0.6, 0], // t0 [0,2]→[0,1],   t1 [1,4]→[.2,.8]  → [.1, .9]     → 1
    [0.5, 0.25], // on both thresholds: left, left   → like row 0   → 1
    [0.8, 0.3], // t0 [4,0]→[1,0], t1 [5,0]→[1,0]    → [1, 0]       → 0
  ];
  const expected = [
    [0.475, 0.525],
    [0.5, 0.5],
    [1, 0],
    [0.1, 0.9],
    [0.475, 0.525],
    [1, 0],
  ];

  test('probabilities and labels equal the hand computation, both classes, ties to the first', async () => {
    const { labels, probs } = await predict(exportForestOnnx(handForest()), rows);
    assertClose(probs, expected);
    assert.deepEqual(labels, [1, 0, 0, 1, 1, 0]);
    assert.deepEqual(probs[1], [0.5, 0.5]); // the tie is exact
    probs.forEach((p, i) => assert.equal(labels[i], argmax(p), `row ${i}: the label follows the larger probability`));
  });

  test('labels are the class values, not their indices', async () => {
    const { labels, probs } = await predict(exportForestOnnx(handForest([-3, 7])), rows);
    assert.deepEqual(labels, [7, -3, -3, 7, 7, -3]);
    assertClose(probs, expected);
  });

  test('three classes: one weight per class, the first largest wins', async () => {
    const forest: ForestJson = {
      classes: [10, 20, 30],
      n_features: 1,
      trees: [
        { children_left: [1, -1, -1], children_right: [2, -1, -1], feature: [0, -2, -2], threshold: [0, -2, -2], value: [[0, 0, 0], [2, 1, 1], [0, 0, 3]] },
        { children_left: [1, -1, -1], children_right: [2, -1, -1], feature: [0, -2, -2], threshold: [1, -2, -2], value: [[0, 0, 0], [0, 4, 0], [1, 1, 0]] },
      ],
    };
    // x=-1: [.5,.25,.25]+[0,1,0] → [.25,.625,.125] → 20; x=0.5: [0,0,1]+[0,1,0] → [0,.5,.5] → tie → 20
    // x=2: [0,0,1]+[.5,.5,0] → [.25,.25,.5] → 30
    const { labels, probs } = await predict(exportForestOnnx(forest), [[-1], [0.5], [2]]);
    assertClose(probs, [[0.25, 0.625, 0.125], [0, 0.5, 0.5], [0.25, 0.25, 0.5]]);
    assert.deepEqual(labels, [20, 20, 30]);
  });

  test('an exact tie stays a tie with 50 trees (skl2onnx’s float32 1/n weights would label it 1)', async () => {
    // 25 stumps vote [0, 1] and 25 vote [1, 0] at x = 0: scikit-learn gives [0.5, 0.5] → class 0
    const stump = (v: number[]) => ({
      children_left: [1, -1, -1], children_right: [2, -1, -1], feature: [0, -2, -2], threshold: [0.5, -2, -2],
      value: [[3, 3], v, [1, 1]],
    });
    const trees = Array.from({ length: 50 }, (_, t) => stump(t < 25 ? [0, 3] : [2, 0]));
    let naive = 0;
    for (let t = 0; t < 25; t++) naive = Math.fround(naive + Math.fround(1 / 50));
    assert.ok(naive > 0.5, 'the sum of 25 float32 weights 1/50 exceeds 0.5');
    const { labels, probs } = await predict(exportForestOnnx({ classes: [0, 1], n_features: 1, trees }), [[0], [1]]);
    assert.deepEqual(probs, [[0.5, 0.5], [0.5, 0.5]]);
    assert.deepEqual(labels, [0, 0]);
  });

  test('float64 thresholds between two float32 values decide as scikit-learn does', async () => {
    // a threshold halfway between two adjacent float32 values a < b that rounds *up* to b:
    // x = b must still go right (b > threshold)
    let a = Math.fround(0.1);
    let b = 0;
    let mid = 0;
    for (;;) {
      const bits = new Float32Array([a]);
      new Uint32Array(bits.buffer)[0]++;
      b = bits[0];
      mid = a / 2 + b / 2;
      if (Math.fround(mid) === b) break;
      a = b;
    }
    assert.ok(a < mid && mid < b && Math.fround(mid) === b);
    assert.equal(float32AtMost(mid), a);
    const forest: ForestJson = {
      classes: [0, 1],
      n_features: 1,
      trees: [{ children_left: [1, -1, -1], children_right: [2, -1, -1], feature: [0, -2, -2], threshold: [mid, -2, -2], value: [[1, 1], [1, 0], [0, 1]] }],
    };
    const { labels } = await predict(exportForestOnnx(forest), [[a], [b]]);
    assert.deepEqual(labels, [0, 1]);
  });

  test('float32AtMost: the largest float32 not above a float64', () => {
    assert.equal(float32AtMost(0.5), 0.5);
    assert.equal(float32AtMost(0), 0);
    assert.ok(Math.fround(0.1) > 0.1);
    assert.ok(float32AtMost(0.1) < 0.1 && float32AtMost(0.1) === Math.fround(float32AtMost(0.1)));
    assert.ok(float32AtMost(-0.1) <= -0.1);
    assert.equal(float32AtMost(-1e-50), -(2 ** -149));
    assert.equal(float32AtMost(1e39), 3.4028234663852886e38);
    for (const t of [1 / 3, -2 / 3, 0.7, 123.456, 1e-40, -1e-40, 2 ** -130 * 1.3]) {
      const w = float32AtMost(t);
      assert.ok(w <= t && Math.fround(w) === w, String(t));
      const next = new Float32Array([w]);
      new Int32Array(next.buffer)[0] += w >= 0 ? 1 : -1; // one float32 up
      if (w === 0 && Object.is(w, -0)) continue;
      assert.ok(next[0] > t, `${t}: ${w} is the largest`);
    }
  });
});

/** A Python with Debian's python3-onnx (the CI installs it), or undefined. */
function pythonWithOnnx(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import onnx'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
}
const PY_ONNX = pythonWithOnnx();

test('the onnx package’s own checker accepts the models (full check, strict shape inference)', { skip: !PY_ONNX && 'python3-onnx is not installed' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-onnx-'));
  try {
    const files = [handForest(), handForest([-3, 7])].map((f, i) => {
      const p = path.join(dir, `forest${i}.onnx`);
      fs.writeFileSync(p, exportForestOnnx(f));
      return p;
    });
    const script = [
      'import sys, onnx',
      'for p in sys.argv[1:]:',
      '    m = onnx.load(p)',
      '    onnx.checker.check_model(m, full_check=True)',
      '    onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)',
      '    print(m.ir_version, sorted((o.domain, o.version) for o in m.opset_import), [n.op_type for n in m.graph.node])',
    ].join('\n');
    const r = spawnSync(PY_ONNX!, ['-c', script, ...files], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n')[0], "8 [('', 17), ('ai.onnx.ml', 3)] ['TreeEnsembleClassifier', 'Div', 'ArgMax', 'Gather']");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('malformed input', () => {
  const fileFormat = (fn: () => unknown, field: string, message: RegExp, file = 'model/forest.json'): void => {
    assert.throws(fn, (e: unknown) => {
      assert.ok(isKeelError(e), `a KeelError, got ${String(e)}`);
      assert.equal(e.code, 'FILE_FORMAT');
      assert.equal(e.data.file, file);
      assert.equal(e.data.field, field);
      assert.ok(e.message.includes(`'${file}' is malformed: ${field}`), e.message);
      assert.match(e.message, message);
      assert.ok(e.hint);
      return true;
    });
  };
  const file = 'model/forest.json';
  const broken = (edit: (f: any) => void): unknown => {
    const f = structuredClone(handForest()) as any;
    edit(f);
    return f;
  };

  test('missing arrays are named', () => {
    fileFormat(() => exportForestOnnx(broken((f) => delete f.trees[1].threshold), { file }), 'trees[1].threshold', /is missing/);
    fileFormat(() => exportForestOnnx(broken((f) => delete f.trees[0].children_left), { file }), 'trees[0].children_left', /is missing/);
    fileFormat(() => exportForestOnnx(broken((f) => delete f.trees), { file }), 'trees', /is missing/);
    fileFormat(() => exportForestOnnx(broken((f) => delete f.classes), { file }), 'classes', /is missing/);
    fileFormat(() => exportForestOnnx(broken((f) => delete f.n_features), { file }), 'n_features', /is missing/);
    fileFormat(() => exportForestOnnx(broken((f) => (f.trees[0].value = 'x')), { file }), 'trees[0].value', /must be an array, got the string "x"/);
    fileFormat(() => exportForestOnnx(broken((f) => f.trees[0].feature.pop()), { file }), 'trees[0].feature', /has 4 entries, children_left has 5/);
    fileFormat(() => exportForestOnnx(broken((f) => (f.trees = [])), { file }), 'trees', /is empty/);
    fileFormat(() => exportForestOnnx([1, 2], { file }), '(root)', /must be a JSON object, got an array/);
  });

  test('NaN thresholds, in memory and after a JSON round trip (where they become null)', () => {
    const nan = broken((f) => (f.trees[0].threshold[2] = NaN));
    fileFormat(() => exportForestOnnx(nan, { file }), 'trees[0].threshold[2]', /must be a finite number, got NaN/);
    fileFormat(() => exportForestOnnx(JSON.parse(JSON.stringify(nan)), { file }), 'trees[0].threshold[2]', /got null \(NaN or Infinity written as JSON\)/);
    fileFormat(() => parseForest(broken((f) => (f.trees[1].threshold[0] = Infinity)), file), 'trees[1].threshold[0]', /got Infinity/);
    // a leaf's threshold is not used (scikit-learn writes -2): NaN there is harmless
    assert.doesNotThrow(() => parseForest(broken((f) => (f.trees[0].threshold[1] = NaN)), file));
  });

  test('bad structure: classes, counts, features, children', () => {
    fileFormat(() => parseForest(broken((f) => (f.classes = [1])), file), 'classes', /at least 2 class labels/);
    fileFormat(() => parseForest(broken((f) => (f.classes = [1, 1])), file), 'classes', /must not repeat/);
    fileFormat(() => parseForest(broken((f) => (f.classes = [0, 0.5])), file), 'classes[1]', /must be an integer/);
    fileFormat(() => parseForest(broken((f) => (f.n_features = '2')), file), 'n_features', /must be an integer in \[1, \d+\], got the string "2"/);
    fileFormat(() => parseForest(broken((f) => (f.trees[0].value[3] = [1])), file), 'trees[0].value[3]', /must hold 2 class counts/);
    fileFormat(() => parseForest(broken((f) => (f.trees[0].value[4][0] = -1)), file), 'trees[0].value[4][0]', /finite count >= 0, got -1/);
    fileFormat(() => parseForest(broken((f) => (f.trees[0].feature[2] = 2)), file), 'trees[0].feature[2]', /integer in \[0, 1\], got 2/);
    fileFormat(() => parseForest(broken((f) => (f.trees[0].children_right[0] = 3)), file), 'trees[0].children_left[2]', /points to node 3, already the child of node 0/);
    fileFormat(() => parseForest(broken((f) => (f.trees[0].children_left[2] = 1)), file), 'trees[0].children_left[2]', /must point after node 2, got 1/);
        fileFormat(() => parseForest(broken((f) => (f.trees[0].children_right[2] = 9)), file), 'trees[0].children_right[2]', /integer in \[-1, 4\], got 9/);
    fileFormat(() => parseForest(broken((f) => (f.trees[1].children_left[0] = -1)), file), 'trees[1].children_left[0]', /both be -1/);
    fileFormat(() => parseForest(broken((f) => (f.format = 'gbdt/1')), file), 'format', /must be 'random-forest-classifier\/1'/);
    fileFormat(() => parseForest(broken((f) => (f.feature_names = ['a'])), file), 'feature_names', /1 names for n_features 2/);
  });

  test('the vectorizer: missing fields, NaN idf, unsupported parameters, a mismatch with the forest', () => {
    const vfile = 'model/vectorizer.json';
    const vectorizer = {
      kind: 'tfidf', lowercase: true, token_pattern: '(?u)\\b\\w\\w+\\b', stop_words: 'english', ngram_range: [1, 1],
      max_features: 2, smooth_idf: false, sublinear_tf: false, norm: 'l2', feature_names: ['free', 'money'], idf: [1.5, 2],
    };
    assert.equal(parseVectorizer(vectorizer, vfile).feature_names.length, 2);
    const v = (edit: (x: any) => void): unknown => {
      const x = structuredClone(vectorizer) as any;
      edit(x);
      return x;
    };
    fileFormat(() => parseVectorizer(v((x) => delete x.idf), vfile), 'idf', /is missing/, vfile);
    fileFormat(() => parseVectorizer(v((x) => (x.idf[1] = NaN)), vfile), 'idf[1]', /got NaN/, vfile);
    fileFormat(() => parseVectorizer(JSON.parse(JSON.stringify(v((x) => (x.idf[0] = NaN)))), vfile), 'idf[0]', /got null/, vfile);
    fileFormat(() => parseVectorizer(v((x) => (x.sublinear_tf = true)), vfile), 'sublinear_tf', /only value the TypeScript transform implements/, vfile);
    fileFormat(() => parseVectorizer(v((x) => (x.token_pattern = '\\S+')), vfile), 'token_pattern', /must be/, vfile);
    fileFormat(() => parseVectorizer(v((x) => (x.ngram_range = [2, 2])), vfile), 'ngram_range', /\[1, n\]/, vfile);
    fileFormat(() => parseVectorizer(v((x) => (x.feature_names[1] = 'free')), vfile), 'feature_names[1]', /repeats/, vfile);
    fileFormat(() => parseVectorizer(v((x) => x.idf.pop()), vfile), 'idf', /1 weights for 2 feature_names/, vfile);
    const named = { ...handForest(), feature_names: ['free', 'cash'] };
    fileFormat(
      () => exportTextForest(named, vectorizer, { forestFile: file, vectorizerFile: vfile }),
      'feature_names[1]',
      /is "money" but model\/forest\.json has "cash" there/,
      vfile,
    );
    fileFormat(
      () => exportTextForest(handForest(), v((x) => { x.feature_names.push('win'); x.idf.push(3); }), { forestFile: file, vectorizerFile: vfile }),
      'feature_names',
      /holds 3 terms but model\/forest\.json has n_features 2/,
      vfile,
    );
  });
});
