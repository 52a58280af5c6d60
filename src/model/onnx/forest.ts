/**
 * The example's random forest (forest.json: scikit-learn's `tree_` arrays per tree, see
 * example/src/lib/forest.ts) → an ONNX model built on one ai.onnx.ml `TreeEnsembleClassifier`.
 *
 * The trees are encoded as skl2onnx encodes a `RandomForestClassifier`
 * (skl2onnx/common/tree_ensemble.py):
 * - one ONNX tree per estimator, node ids = scikit-learn's node indices; a node with children is
 *   BRANCH_LEQ (true → left child, false → right child), any other node a LEAF;
 * - thresholds: scikit-learn compares `(float32)x <= threshold` against a float64 threshold,
 *   while ONNX thresholds are float32; the largest float32 not above the threshold gives the same
 *   decision for every float32 x (skl2onnx's `sklearn_threshold`, `float32AtMost` here);
 * - each leaf votes its class fractions (class counts / their sum), post_transform NONE;
 * - no ZipMap: plain tensors out (skl2onnx's `zipmap=False`).
 *
 * One deliberate difference: skl2onnx stores `fraction / n_trees` as float32 and, for two
 * classes, only the positive class's weight, letting onnxruntime label a row positive when the
 * summed weight is > 0.5. A sum of float32 `1/n` weights is not exact: with 50 trees, 25 votes
 * for each class sum to 0.50000006, and the row is labelled positive where scikit-learn's argmax
 * gives the first class (and the probabilities read [0.49999994, 0.50000006]). Worse, onnxruntime
 * 1.30 sums in another order for batches above 50 rows, where the same row reads 0.5 and class 0:
 * the label would depend on the batch size. Exact ties are common in a forest of pure leaves (11 in
 * 1,000 of the example's held-out mails). So here every class gets its weight (a pure leaf votes
 * exactly 1 and 0), the node outputs the per-class sums — exact for whole votes — and standard
 * nodes finish the job:
 *
 *   input ─TreeEnsembleClassifier→ class_sums ─Div(n_trees)→ probabilities ─ArgMax(axis 1)→
 *   class_index ─Gather(classes)→ label
 *
 * ArgMax returns the first index of the largest probability, like NumPy: the label always follows
 * the larger probability, ties go to the first class. (The TreeEnsembleClassifier's own label
 * output is left unused: with both class weights stored, onnxruntime's two-class rule labels a
 * row positive whenever its positive score is > 0.)
 *
 * The graph's input is a float tensor [N, n_features]: the rows the forest was trained on (for
 * the example, the tf-idf features, computed in TypeScript: see vectorizer.ts and README.md).
 * Outputs: `label` int64 [N] and `probabilities` float [N, n_classes].
 */
import { FileFormatError } from '../../errors/index.js';
import { attr, DataType, encodeModel, type ModelSpec, type NodeSpec } from './onnx.js';

/** One tree in scikit-learn's `tree_` arrays (node 0 is the root). Extra arrays are ignored. */
export interface ForestTree {
  /** Left / right child of each node; -1 for a leaf. */
  children_left: number[];
  children_right: number[];
  /** Split feature of each node; -2 (or anything) for a leaf. */
  feature: number[];
  /** Split threshold, go left when x <= threshold; ignored for a leaf. */
  threshold: number[];
  /** Weighted count of each class at each node: [node][class]. Only leaves' rows are used. */
  value: number[][];
}

/** What the exporter reads from forest.json (the example's `ForestModel`). */
export interface ForestJson {
  format?: string;
  /** Integer class labels, in the column order of the probabilities. */
  classes: number[];
  n_features: number;
  feature_names?: string[];
  trees: ForestTree[];
}

export const FOREST_FORMAT = 'random-forest-classifier/1';
/** ai.onnx.ml opset: TreeEnsembleClassifier-3 (onnxruntime ≥ 1.10). */
export const ML_OPSET = 3;
/** Default-domain opset written alongside (onnx 1.12 supports up to 17). */
export const ONNX_OPSET = 17;

export interface ForestOnnxOptions {
  /** Name of the float input tensor [N, n_features]. Default 'input'. */
  inputName?: string;
  /** Output names. Default 'label' and 'probabilities'. */
  labelName?: string;
  probabilitiesName?: string;
  /** ModelProto.producer_version (e.g. keel's version). Default '0'. */
  producerVersion?: string;
  /** Extra ModelProto.metadata_props. */
  metadata?: Record<string, string>;
  /** ModelProto.doc_string. */
  doc?: string;
}

// ------------------------------------------------------------------ validation

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'number') return String(x); // NaN, Infinity, 1.5 …
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x)}`;
  return typeof x;
}

/**
 * Check a parsed forest.json and return it typed. Every problem throws a FileFormatError that
 * names `file` and the field (`data.field`, e.g. `trees[3].threshold[17]`).
 */
export function parseForest(json: unknown, file = 'forest.json'): ForestJson {
  const fail = (field: string, message: string): never => {
    throw new FileFormatError(file, `${field} ${message}`, {
      data: { field },
      hint: "re-run the train stage (keel repro train) to write a fresh forest.json",
    });
  };
  const int = (x: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
      fail(field, `must be an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '…' : max}], got ${describe(x)}`);
    }
    return x as number;
  };
  const array = (o: Obj, key: string, prefix: string): unknown[] => {
    const v = o[key];
    if (v === undefined) fail(`${prefix}${key}`, 'is missing');
    if (!Array.isArray(v)) fail(`${prefix}${key}`, `must be an array, got ${describe(v)}`);
    return v as unknown[];
  };

  if (!isObj(json)) fail('(root)', `must be a JSON object, got ${describe(json)}`);
  const root = json as Obj;
  if (root.format !== undefined && root.format !== FOREST_FORMAT) {
    fail('format', `must be '${FOREST_FORMAT}', got ${describe(root.format)}`);
  }
  const classes = array(root, 'classes', '').map((c, i) => int(c, `classes[${i}]`, Number.MIN_SAFE_INTEGER));
  if (classes.length < 2) fail('classes', `must hold at least 2 class labels, got ${classes.length}`);
  if (new Set(classes).size !== classes.length) fail('classes', `must not repeat a label, got ${JSON.stringify(classes)}`);
  if (root.n_features === undefined) fail('n_features', 'is missing');
  const nFeatures = int(root.n_features, 'n_features', 1, 0x7fffffff);
  let featureNames: string[] | undefined;
  if (root.feature_names !== undefined) {
    const names = array(root, 'feature_names', '');
    names.forEach((n, i) => {
      if (typeof n !== 'string') fail(`feature_names[${i}]`, `must be a string, got ${describe(n)}`);
    });
    if (names.length !== nFeatures) fail('feature_names', `holds ${names.length} names for n_features ${nFeatures}`);
    featureNames = names as string[];
  }
  const rawTrees = array(root, 'trees', '');
  if (rawTrees.length === 0) fail('trees', 'is empty');

  const k = classes.length;
  const trees: ForestTree[] = rawTrees.map((t, ti) => {
    const p = `trees[${ti}].`;
    if (!isObj(t)) fail(`trees[${ti}]`, `must be an object, got ${describe(t)}`);
    const tree = t as Obj;
    const left = array(tree, 'children_left', p);
    const right = array(tree, 'children_right', p);
    const feature = array(tree, 'feature', p);
    const threshold = array(tree, 'threshold', p);
    const value = array(tree, 'value', p);
    const n = left.length;
    if (n === 0) fail(`${p}children_left`, 'is empty (a tree has at least its root)');
    for (const [name, a] of [['children_right', right], ['feature', feature], ['threshold', threshold], ['value', value]] as const) {
      if (a.length !== n) fail(`${p}${name}`, `has ${a.length} entries, children_left has ${n}`);
    }
    const parents = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      const l = int(left[i], `${p}children_left[${i}]`, -1, n - 1);
      const r = int(right[i], `${p}children_right[${i}]`, -1, n - 1);
      if ((l === -1) !== (r === -1)) fail(`${p}children_left[${i}]`, `and children_right[${i}] must both be -1 (a leaf) or both be nodes, got ${l} and ${r}`);
      if (l === -1) {
        const v = value[i];
        if (!Array.isArray(v)) fail(`${p}value[${i}]`, `must be an array of ${k} class counts, got ${describe(v)}`);
        const row = v as unknown[];
        if (row.length !== k) fail(`${p}value[${i}]`, `must hold ${k} class counts (one per class), got ${row.length}`);
        row.forEach((c, j) => {
          if (typeof c !== 'number' || !Number.isFinite(c) || c < 0) fail(`${p}value[${i}][${j}]`, `must be a finite count >= 0, got ${describe(c)}`);
        });
        continue;
      }
      // children come after their parent (scikit-learn's depth-first numbering): no cycles
      for (const [side, c] of [['children_left', l], ['children_right', r]] as const) {
        if (c <= i) fail(`${p}${side}[${i}]`, `must point after node ${i}, got ${c}`);
        if (parents[c] !== -1) fail(`${p}${side}[${i}]`, `points to node ${c}, already the child of node ${parents[c]}`);
        parents[c] = i;
      }
      int(feature[i], `${p}feature[${i}]`, 0, nFeatures - 1);
      const th = threshold[i];
      if (typeof th !== 'number' || !Number.isFinite(th)) {
        fail(`${p}threshold[${i}]`, `must be a finite number, got ${th === null ? 'null (NaN or Infinity written as JSON)' : describe(th)}`);
      }
    }
    for (let i = 1; i < n; i++) if (parents[i] === -1) fail(`${p}children_left`, `leaves node ${i} unreachable from the root`);
    return {
      children_left: left as number[],
      children_right: right as number[],
      feature: feature as number[],
      threshold: threshold as number[],
      value: value as number[][],
    };
  });
  return { format: FOREST_FORMAT, classes, n_features: nFeatures, ...(featureNames ? { feature_names: featureNames } : {}), trees };
}

// ------------------------------------------------------------------ encoding

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The largest float32 `w` with `w <= t`: for every float32 x, `x <= t` ⇔ `x <= w`
 * (scikit-learn's float64 threshold as an ONNX float32 threshold).
 */
export function float32AtMost(t: number): number {
  f32[0] = t;
  if (f32[0] <= t) return f32[0];
  // rounded up: step one float32 towards -Infinity
  if (f32[0] === 0) {
    u32[0] = 0x80000001; // -0 → the negative float32 closest to zero
  } else if (f32[0] > 0) u32[0] -= 1;
  else u32[0] += 1;
  return f32[0];
}

/**
 * The TreeEnsembleClassifier attributes for a validated forest: every leaf votes its class
 * fractions (counts / their sum), one weight per class, so the node's scores are the per-class
 * sums over the trees (see the header for why they are not divided by the tree count here).
 */
export function treeEnsembleAttributes(forest: ForestJson): NonNullable<NodeSpec['attributes']> {
  const k = forest.classes.length;
  let nNodes = 0;
  let nLeaves = 0;
  for (const t of forest.trees) {
    nNodes += t.children_left.length;
    for (const l of t.children_left) if (l === -1) nLeaves++;
  }
  const nWeights = nLeaves * k;
  const nodesTreeIds = new Int32Array(nNodes);
  const nodesNodeIds = new Int32Array(nNodes);
  const nodesFeatureIds = new Int32Array(nNodes);
  const nodesValues = new Float32Array(nNodes);
  const nodesTrue = new Int32Array(nNodes);
  const nodesFalse = new Int32Array(nNodes);
  const nodesModes: string[] = new Array<string>(nNodes);
  const classTreeIds = new Int32Array(nWeights);
  const classNodeIds = new Int32Array(nWeights);
  const classIds = new Int32Array(nWeights);
  const classWeights = new Float32Array(nWeights);
  let a = 0;
  let b = 0;
  forest.trees.forEach((t, ti) => {
    for (let i = 0; i < t.children_left.length; i++, a++) {
      nodesTreeIds[a] = ti;
      nodesNodeIds[a] = i;
      if (t.children_left[i] !== -1) {
        nodesModes[a] = 'BRANCH_LEQ';
        nodesFeatureIds[a] = t.feature[i];
        nodesValues[a] = float32AtMost(t.threshold[i]);
        nodesTrue[a] = t.children_left[i];
        nodesFalse[a] = t.children_right[i];
        continue;
      }
      nodesModes[a] = 'LEAF';
      const v = t.value[i];
      let normalizer = 0;
      for (const c of v) normalizer += c;
      if (normalizer === 0) normalizer = 1;
      for (let j = 0; j < k; j++, b++) {
        classTreeIds[b] = ti;
        classNodeIds[b] = i;
        classIds[b] = j;
        classWeights[b] = v[j] / normalizer;
      }
    }
  });
  return {
    class_ids: attr.ints(classIds),
    class_nodeids: attr.ints(classNodeIds),
    class_treeids: attr.ints(classTreeIds),
    class_weights: attr.floats(classWeights),
    classlabels_int64s: attr.ints(forest.classes),
    nodes_falsenodeids: attr.ints(nodesFalse),
    nodes_featureids: attr.ints(nodesFeatureIds),
    nodes_modes: attr.strings(nodesModes),
    nodes_nodeids: attr.ints(nodesNodeIds),
    nodes_treeids: attr.ints(nodesTreeIds),
    nodes_truenodeids: attr.ints(nodesTrue),
    nodes_values: attr.floats(nodesValues),
    post_transform: attr.string('NONE'),
  };
}

/** The model description (graph, opsets, metadata) of a validated forest. */
export function forestModelSpec(forest: ForestJson, opts: ForestOnnxOptions = {}): ModelSpec {
  const input = opts.inputName ?? 'input';
  const label = opts.labelName ?? 'label';
  const probabilities = opts.probabilitiesName ?? 'probabilities';
  const k = forest.classes.length;
  const nTrees = forest.trees.length;
  const metadata: Record<string, string> = {
    'keel.model': FOREST_FORMAT,
    'keel.classes': JSON.stringify(forest.classes),
    'keel.n_features': String(forest.n_features),
    'keel.n_estimators': String(nTrees),
    ...(forest.feature_names ? { 'keel.feature_names': JSON.stringify(forest.feature_names) } : {}),
    ...(opts.metadata ?? {}),
  };
  return {
    opsetImports: [
      { domain: '', version: ONNX_OPSET },
      { domain: 'ai.onnx.ml', version: ML_OPSET },
    ],
    producerName: 'keel',
    producerVersion: opts.producerVersion ?? '0',
    domain: 'ai.keel',
    modelVersion: 1,
    doc: opts.doc ?? `random forest classifier: ${nTrees} trees, ${forest.n_features} features, classes ${JSON.stringify(forest.classes)}`,
    graph: {
      name: 'random_forest',
      nodes: [
        {
          opType: 'TreeEnsembleClassifier',
          domain: 'ai.onnx.ml',
          name: 'forest',
          inputs: [input],
          // the node's own label follows onnxruntime's two-class rules, not argmax: unused
          outputs: ['forest_label', 'class_sums'],
          attributes: treeEnsembleAttributes(forest),
        },
        { opType: 'Div', name: 'mean', inputs: ['class_sums', 'n_estimators'], outputs: [probabilities] },
        {
          opType: 'ArgMax',
          name: 'best',
          inputs: [probabilities],
          outputs: ['class_index'],
          attributes: { axis: attr.int(1), keepdims: attr.int(0), select_last_index: attr.int(0) },
        },
        { opType: 'Gather', name: 'to_label', inputs: ['classes', 'class_index'], outputs: [label], attributes: { axis: attr.int(0) } },
      ],
      initializers: [
        { name: 'n_estimators', dataType: DataType.FLOAT, dims: [], data: [nTrees] },
        { name: 'classes', dataType: DataType.INT64, dims: [k], data: forest.classes },
      ],
      inputs: [{ name: input, elemType: DataType.FLOAT, shape: ['N', forest.n_features] }],
      outputs: [
        { name: label, elemType: DataType.INT64, shape: ['N'] },
        { name: probabilities, elemType: DataType.FLOAT, shape: ['N', k] },
      ],
      // intermediate values typed for checkers whose shape inference stops at the ML node (onnx 1.12)
      valueInfo: [
        { name: 'forest_label', elemType: DataType.INT64, shape: ['N'] },
        { name: 'class_sums', elemType: DataType.FLOAT, shape: ['N', k] },
        { name: 'class_index', elemType: DataType.INT64, shape: ['N'] },
      ],
    },
    metadata,
  };
}

/**
 * forest.json (parsed JSON) → ONNX model bytes. Validates first: a malformed forest throws a
 * FileFormatError naming `file` and the field.
 */
export function exportForestOnnx(json: unknown, opts: ForestOnnxOptions & { file?: string } = {}): Uint8Array {
  return encodeModel(forestModelSpec(parseForest(json, opts.file), opts));
}
