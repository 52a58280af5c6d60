/**
 * A random forest classifier that follows scikit-learn's `RandomForestClassifier` (1.x) step for
 * step, so that the same data, parameters and seed give the same trees:
 *
 * - the forest's generator is NumPy's legacy `RandomState(seed)`; tree t gets the seed
 *   `randint(2**31 - 1)` (drawn for all trees first, in order);
 * - each tree draws its bootstrap sample with `RandomState(tree_seed).randint(0, n, n)`; a row
 *   drawn k times weighs k (rows never drawn are left out); a fresh `RandomState(tree_seed)`
 *   then seeds the splitter's xorshift generator (`randint(0, 2**31 - 1)`);
 * - trees are grown depth-first (left child first) with the Gini criterion on weighted class
 *   counts, until nodes are pure or hold fewer than `min_samples_split` rows; at each node up to
 *   `max_features` (√features) features are drawn without replacement by a Fisher-Yates walk that
 *   skips features known to be constant there (and draws on while every feature drawn so far was
 *   constant); for each, the rows are sorted by value and every cut between two distinct values
 *   (more than 1e-7 apart, in float32) is scored; the first best cut wins; the threshold is the
 *   mid-point of the two values;
 * - features are float32 (scikit-learn converts X to float32): a row goes left when
 *   `x[feature] <= threshold`;
 * - class probabilities: each tree's leaf class weights normalised, summed over the trees in
 *   order and divided by their number; feature importances: mean decrease in impurity.
 *
 * Shared by the train stage (fit) and the evaluate stage and model serving (predict).
 */
import { numpyRandomState } from './mt19937.js';

/** One tree, in the arrays scikit-learn's `tree_` exposes (node 0 is the root). */
export interface TreeArrays {
  /** Left / right child of each node; -1 for a leaf. */
  children_left: number[];
  children_right: number[];
  /** Split feature of each node; -2 for a leaf. */
  feature: number[];
  /** Split threshold (go left when x <= threshold); -2 for a leaf. */
  threshold: number[];
  /** Weighted count of each class at each node: [node][class]. */
  value: number[][];
  impurity: number[];
  n_node_samples: number[];
  weighted_n_node_samples: number[];
}

export interface ForestModel {
  format: 'random-forest-classifier/1';
  /** Class labels, in column order of predicted probabilities. */
  classes: number[];
  n_features: number;
  feature_names?: string[];
  params: {
    n_estimators: number;
    min_samples_split: number;
    max_features: number;
    criterion: 'gini';
    bootstrap: true;
    random_state: number;
  };
  feature_importances: number[];
  trees: TreeArrays[];
}

export interface FitOptions {
  nEstimators: number;
  minSamplesSplit: number;
  seed: number;
}

const EPSILON = 2.220446049250313e-16; // np.finfo(np.float64).eps
const FEATURE_THRESHOLD = Math.fround(1e-7);
const RAND_R_MAX = 0x7fffffff;
const INT32_MAX = 0x7fffffff;
const TREE_LEAF = -1;
const TREE_UNDEFINED = -2;

// ------------------------------------------------------------------ sorting (scikit-learn's introsort)

function swap(v: Float32Array, s: Int32Array, i: number, j: number): void {
  const t = v[i];
  v[i] = v[j];
  v[j] = t;
  const u = s[i];
  s[i] = s[j];
  s[j] = u;
}

function median3(v: Float32Array, off: number, n: number): number {
  const a = v[off];
  const b = v[off + (n >> 1)];
  const c = v[off + n - 1];
  if (a < b) {
    if (b < c) return b;
    if (a < c) return c;
    return a;
  }
  if (b < c) {
    if (a < c) return a;
    return c;
  }
  return b;
}

function siftDown(v: Float32Array, s: Int32Array, off: number, start: number, end: number): void {
  let root = start;
  for (;;) {
    const child = root * 2 + 1;
    let maxind = root;
    if (child < end && v[off + maxind] < v[off + child]) maxind = child;
    if (child + 1 < end && v[off + maxind] < v[off + child + 1]) maxind = child + 1;
    if (maxind === root) break;
    swap(v, s, off + root, off + maxind);
    root = maxind;
  }
}

function heapsort(v: Float32Array, s: Int32Array, off: number, n: number): void {
  let start = (n - 2) >> 1;
  for (;;) {
    siftDown(v, s, off, start, n);
    if (start === 0) break;
    start--;
  }
  for (let end = n - 1; end > 0; end--) {
    swap(v, s, off, off + end);
    siftDown(v, s, off, 0, end);
  }
}

function introsort(v: Float32Array, s: Int32Array, off: number, n: number, maxd: number): void {
  while (n > 1) {
    if (maxd <= 0) {
      heapsort(v, s, off, n);
      return;
    }
    maxd--;
    const pivot = median3(v, off, n);
    let i = 0;
    let l = 0;
    let r = n;
    while (i < r) {
      const x = v[off + i];
      if (x < pivot) {
        swap(v, s, off + i, off + l);
        i++;
        l++;
      } else if (x > pivot) {
        r--;
        swap(v, s, off + i, off + r);
      } else i++;
    }
    introsort(v, s, off, l, maxd);
    off += r;
    n -= r;
  }
}

/** Sort v[off:off+n] ascending, moving s along. */
function sortSamples(v: Float32Array, s: Int32Array, off: number, n: number): void {
  if (n === 0) return;
  introsort(v, s, off, n, 2 * Math.floor(Math.log(n) / Math.log(2)));
}

// ------------------------------------------------------------------ tree building

interface Split {
  pos: number;
  feature: number;
  threshold: number;
  impurityLeft: number;
  impurityRight: number;
  improvement: number;
}

function gini(c0: number, c1: number, w: number): number {
  let sq = 0.0;
  sq += c0 * c0;
  sq += c1 * c1;
  return 1.0 - sq / (w * w);
}

/**
 * Grow one tree. `Xc` is column-major float32 (Xc[f * n + i]), `y` the class index (0/1) of
 * each row, `weight` each row's bootstrap count.
 */
function buildTree(
  Xc: Float32Array,
  n: number,
  m: number,
  y: Uint8Array,
  weight: Float64Array,
  maxFeatures: number,
  minSamplesSplit: number,
  randRSeed: number,
): TreeArrays {
  // splitter state (Splitter.init)
  let randState = randRSeed >>> 0;
  const randInt = (low: number, high: number): number => {
    if (randState === 0) randState = 1;
    randState = (randState ^ (randState << 13)) >>> 0;
    randState = (randState ^ (randState >>> 17)) >>> 0;
    randState = (randState ^ (randState << 5)) >>> 0;
    return low + ((randState % (RAND_R_MAX + 1)) % (high - low));
  };
  let nSamples = 0;
  let weightedNSamples = 0.0;
  const samples = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (weight[i] !== 0.0) samples[nSamples++] = i;
    weightedNSamples += weight[i];
  }
  const features = new Int32Array(m);
  for (let f = 0; f < m; f++) features[f] = f;
  const constantFeatures = new Int32Array(m);
  const Xf = new Float32Array(n);

  // criterion state for the current node
  let start = 0;
  let end = 0;
  let sum0 = 0;
  let sum1 = 0;
  let wNode = 0;
  let left0 = 0;
  let left1 = 0;
  let wLeft = 0;
  let pos = 0;

  const nodeReset = (s: number, e: number): void => {
    start = s;
    end = e;
    sum0 = 0;
    sum1 = 0;
    wNode = 0;
    for (let p = s; p < e; p++) {
      const i = samples[p];
      const w = weight[i];
      if (y[i] === 0) sum0 += w;
      else sum1 += w;
      wNode += w;
    }
    resetCriterion();
  };
  const resetCriterion = (): void => {
    left0 = 0;
    left1 = 0;
    wLeft = 0;
    pos = start;
  };
  const update = (newPos: number): void => {
    // integer weights: the running sums are exact whichever way they are accumulated
    for (let p = pos; p < newPos; p++) {
      const i = samples[p];
      const w = weight[i];
      if (y[i] === 0) left0 += w;
      else left1 += w;
      wLeft += w;
    }
    pos = newPos;
  };

  const nodeSplit = (impurity: number, nKnownConstants: number): { split: Split; nConstant: number } => {
    let fI = m;
    let nVisited = 0;
    let nFound = 0;
    let nDrawn = 0;
    let nTotal = nKnownConstants;
    const best: Split = {
      pos: end,
      feature: 0,
      threshold: 0,
      impurityLeft: Infinity,
      impurityRight: Infinity,
      improvement: -Infinity,
    };
    let bestProxy = -Infinity;
    const nHere = end - start;

    while (fI > nTotal && (nVisited < maxFeatures || nVisited <= nFound + nDrawn)) {
      nVisited++;
      let fJ = randInt(nDrawn, fI - nFound);
      if (fJ < nKnownConstants) {
        const t = features[nDrawn];
        features[nDrawn] = features[fJ];
        features[fJ] = t;
        nDrawn++;
        continue;
      }
      fJ += nFound;
      const feat = features[fJ];
      const col = feat * n;
      for (let p = start; p < end; p++) Xf[p] = Xc[col + samples[p]];
      sortSamples(Xf, samples, start, nHere);
      if (Xf[end - 1] <= Math.fround(Xf[start] + FEATURE_THRESHOLD)) {
        features[fJ] = features[nTotal];
        features[nTotal] = feat;
        nFound++;
        nTotal++;
        continue;
      }
      fI--;
      features[fJ] = features[fI];
      features[fI] = feat;

      resetCriterion();
      let p = start;
      while (p < end) {
        while (p + 1 < end && Xf[p + 1] <= Math.fround(Xf[p] + FEATURE_THRESHOLD)) p++;
        p++;
        if (p < end) {
          // min_samples_leaf = 1 and min_weight_leaf = 0 hold for every cut
          update(p);
          const wRight = wNode - wLeft;
          const impL = gini(left0, left1, wLeft);
          const impR = gini(sum0 - left0, sum1 - left1, wRight);
          const proxy = -wRight * impR - wLeft * impL;
          if (proxy > bestProxy) {
            bestProxy = proxy;
            let threshold = Xf[p - 1] / 2.0 + Xf[p] / 2.0;
            if (threshold === Xf[p] || threshold === Infinity || threshold === -Infinity) threshold = Xf[p - 1];
            best.pos = p;
            best.feature = feat;
            best.threshold = threshold;
          }
        }
      }
    }

    if (best.pos < end) {
      // samples[start:pos] go left (x <= threshold), samples[pos:end] right
      const col = best.feature * n;
      let partitionEnd = end;
      let p = start;
      while (p < partitionEnd) {
        if (Xc[col + samples[p]] <= best.threshold) p++;
        else {
          partitionEnd--;
          const t = samples[p];
          samples[p] = samples[partitionEnd];
          samples[partitionEnd] = t;
        }
      }
      resetCriterion();
      update(best.pos);
      const wRight = wNode - wLeft;
      best.impurityLeft = gini(left0, left1, wLeft);
      best.impurityRight = gini(sum0 - left0, sum1 - left1, wRight);
      best.improvement =
        (wNode / weightedNSamples) *
        (impurity - (wRight / wNode) * best.impurityRight - (wLeft / wNode) * best.impurityLeft);
    }
    // keep features[:nKnownConstants] in their original order for siblings and children
    for (let k = 0; k < nKnownConstants; k++) features[k] = constantFeatures[k];
    for (let k = nKnownConstants; k < nKnownConstants + nFound; k++) constantFeatures[k] = features[k];
    return { split: best, nConstant: nTotal };
  };

  const tree: TreeArrays = {
    children_left: [],
    children_right: [],
    feature: [],
    threshold: [],
    value: [],
    impurity: [],
    n_node_samples: [],
    weighted_n_node_samples: [],
  };
  interface StackRecord {
    start: number;
    end: number;
    depth: number;
    parent: number;
    isLeft: boolean;
    impurity: number;
    nConstant: number;
  }
  const stack: StackRecord[] = [
    { start: 0, end: nSamples, depth: 0, parent: -1, isLeft: false, impurity: Infinity, nConstant: 0 },
  ];
  let first = true;
  while (stack.length > 0) {
    const rec = stack.pop()!;
    const nNode = rec.end - rec.start;
    nodeReset(rec.start, rec.end);
    let impurity = rec.impurity;
    let isLeaf = nNode < minSamplesSplit || nNode < 2;
    if (first) {
      impurity = gini(sum0, sum1, wNode);
      first = false;
    }
    isLeaf = isLeaf || impurity <= EPSILON;
    let split: Split | null = null;
    let nConstant = rec.nConstant;
    if (!isLeaf) {
      const r = nodeSplit(impurity, nConstant);
      split = r.split;
      nConstant = r.nConstant;
      isLeaf = split.pos >= rec.end || split.improvement + EPSILON < 0.0;
    }
    const id = tree.feature.length;
    if (rec.parent >= 0) {
      if (rec.isLeft) tree.children_left[rec.parent] = id;
      else tree.children_right[rec.parent] = id;
    }
    tree.children_left.push(TREE_LEAF);
    tree.children_right.push(TREE_LEAF);
    tree.feature.push(isLeaf ? TREE_UNDEFINED : split!.feature);
    tree.threshold.push(isLeaf ? TREE_UNDEFINED : split!.threshold);
    tree.value.push([sum0, sum1]);
    tree.impurity.push(impurity);
    tree.n_node_samples.push(nNode);
    tree.weighted_n_node_samples.push(wNode);
    if (!isLeaf) {
      const s = split!;
      stack.push({ start: s.pos, end: rec.end, depth: rec.depth + 1, parent: id, isLeft: false, impurity: s.impurityRight, nConstant });
      stack.push({ start: rec.start, end: s.pos, depth: rec.depth + 1, parent: id, isLeft: true, impurity: s.impurityLeft, nConstant });
    }
  }
  return tree;
}

/** Mean decrease in impurity of one tree, normalised to sum 1 (scikit-learn's compute_feature_importances). */
function treeImportances(t: TreeArrays, m: number): Float64Array {
  const imp = new Float64Array(m);
  for (let k = 0; k < t.feature.length; k++) {
    const l = t.children_left[k];
    if (l === TREE_LEAF) continue;
    const r = t.children_right[k];
    imp[t.feature[k]] +=
      t.weighted_n_node_samples[k] * t.impurity[k] -
      t.weighted_n_node_samples[l] * t.impurity[l] -
      t.weighted_n_node_samples[r] * t.impurity[r];
  }
  for (let f = 0; f < m; f++) imp[f] /= t.weighted_n_node_samples[0];
  const total = pairwiseSum(imp);
  if (total > 0.0) for (let f = 0; f < m; f++) imp[f] /= total;
  return imp;
}

/** NumPy's pairwise summation (np.sum of a contiguous float64 array). */
export function pairwiseSum(a: ArrayLike<number>, off = 0, n = a.length): number {
  if (n < 8) {
    let res = 0.0;
    for (let i = 0; i < n; i++) res += a[off + i];
    return res;
  }
  if (n <= 128) {
    const r = new Float64Array(8);
    for (let j = 0; j < 8; j++) r[j] = a[off + j];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[off + i + j];
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[off + i];
    return res;
  }
  let n2 = n >> 1;
  n2 -= n2 % 8;
  return pairwiseSum(a, off, n2) + pairwiseSum(a, off + n2, n - n2);
}

/**
 * Fit a forest. `rows` are dense feature rows (converted to float32), `labels` 0/1.
 */
export function fitForest(rows: Float32Array, n: number, m: number, labels: ArrayLike<number>, opts: FitOptions): ForestModel {
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  if (classes.length !== 2 || classes[0] !== 0 || classes[1] !== 1) {
    throw new Error(`train: the labels must hold both classes 0 and 1, got ${JSON.stringify(classes)}`);
  }
  const y = Uint8Array.from(labels);
  // column-major copy for the per-feature scans
  const Xc = new Float32Array(n * m);
  for (let i = 0; i < n; i++) for (let f = 0; f < m; f++) Xc[f * n + i] = rows[i * m + f];
  const maxFeatures = Math.max(1, Math.floor(Math.sqrt(m)));

  const forestRng = numpyRandomState(opts.seed);
  const treeSeeds: number[] = [];
  for (let t = 0; t < opts.nEstimators; t++) treeSeeds.push(forestRng.randint(0, INT32_MAX));

  const trees: TreeArrays[] = [];
  const importanceSum = new Float64Array(m);
  let withSplits = 0;
  for (const seed of treeSeeds) {
    const rs = numpyRandomState(seed);
    const weight = new Float64Array(n);
    for (let k = 0; k < n; k++) weight[rs.randint(0, n)]++;
    // the tree's own fit starts a fresh RandomState(seed) for its splitter
    const randR = numpyRandomState(seed).randint(0, RAND_R_MAX);
    const tree = buildTree(Xc, n, m, y, weight, maxFeatures, opts.minSamplesSplit, randR);
    trees.push(tree);
    if (tree.feature.length > 1) {
      const imp = treeImportances(tree, m);
      for (let f = 0; f < m; f++) importanceSum[f] += imp[f];
      withSplits++;
    }
  }
  let importances = new Float64Array(m);
  if (withSplits > 0) {
    for (let f = 0; f < m; f++) importances[f] = importanceSum[f] / withSplits;
    const total = pairwiseSum(importances);
    importances = importances.map((x) => x / total);
  }
  return {
    format: 'random-forest-classifier/1',
    classes,
    n_features: m,
    params: {
      n_estimators: opts.nEstimators,
      min_samples_split: opts.minSamplesSplit,
      max_features: maxFeatures,
      criterion: 'gini',
      bootstrap: true,
      random_state: opts.seed,
    },
    feature_importances: Array.from(importances),
    trees,
  };
}

/** Leaf reached by a row (features read as float32). */
function leafOf(t: TreeArrays, x: ArrayLike<number>): number {
  let k = 0;
  while (t.children_left[k] !== TREE_LEAF) {
    k = Math.fround(x[t.feature[k]]) <= t.threshold[k] ? t.children_left[k] : t.children_right[k];
  }
  return k;
}

/** Class probabilities [p(class 0), p(class 1)] of each row, as predict_proba. */
export function predictProba(model: ForestModel, rows: ArrayLike<number>[]): [number, number][] {
  const out = rows.map(() => [0.0, 0.0] as [number, number]);
  for (const t of model.trees) {
    rows.forEach((x, i) => {
      const v = t.value[leafOf(t, x)];
      let normalizer = v[0] + v[1];
      if (normalizer === 0.0) normalizer = 1.0;
      out[i][0] += v[0] / normalizer;
      out[i][1] += v[1] / normalizer;
    });
  }
  const k = model.trees.length;
  for (const p of out) {
    p[0] /= k;
    p[1] /= k;
  }
  return out;
}
