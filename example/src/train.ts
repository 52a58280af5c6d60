/**
 * Stage `train`: data/features → model/ (forest.json + vectorizer.json)
 *
 *   node dist/train.js data/features model
 *
 * The guide's train.py: `RandomForestClassifier(n_estimators=train.n_est,
 * min_samples_split=train.min_split, random_state=train.seed)` fitted on the training features
 * (lib/forest.ts: scikit-learn's algorithm, √features per split, bootstrap, Gini).
 *
 * The model directory holds what predicting from raw text needs: `forest.json` (the trees, in
 * scikit-learn's `tree_` arrays, and the feature importances) and `vectorizer.json` (vocabulary
 * and idf, copied from the features directory).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fitForest } from './lib/forest.js';
import { loadParams, num } from './lib/params.js';

interface FeaturesFile {
  ids: string[];
  labels: number[];
  feature_names: string[];
  shape: [number, number];
  indptr: number[];
  indices: number[];
  data: number[];
}

export function readFeatures(file: string): FeaturesFile {
  return JSON.parse(readFileSync(file, 'utf8')) as FeaturesFile;
}

/** Dense row-major float32 copy of a CSR matrix. */
export function denseRows(f: FeaturesFile): Float32Array {
  const [n, m] = f.shape;
  const X = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let k = f.indptr[i]; k < f.indptr[i + 1]; k++) X[i * m + f.indices[k]] = f.data[k];
  }
  return X;
}

function main(argv: string[]): void {
  if (argv.length !== 2) {
    process.stderr.write('Arguments error. Usage:\n\tnode dist/train.js features model-dir\n');
    process.exit(1);
  }
  const params = loadParams('train');
  const seed = num(params, 'seed', { integer: true, min: 0, max: 0xffffffff });
  const nEstimators = num(params, 'n_est', { integer: true, min: 1 });
  const minSamplesSplit = num(params, 'min_split', { integer: true, min: 2 });
  const [featuresDir, modelDir] = argv;

  const started = process.hrtime.bigint();
  const train = readFeatures(join(featuresDir, 'train.json'));
  const [n, m] = train.shape;
  const model = fitForest(denseRows(train), n, m, train.labels, { nEstimators, minSamplesSplit, seed });
  model.feature_names = train.feature_names;

  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, 'forest.json'), `${JSON.stringify(model)}\n`);
  copyFileSync(join(featuresDir, 'vectorizer.json'), join(modelDir, 'vectorizer.json'));
  const nodes = model.trees.reduce((s, t) => s + t.feature.length, 0);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(
    `train: ${nEstimators} trees, ${nodes} nodes, on ${n} rows x ${m} features (${(ms / 1000).toFixed(2)} s)\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main(process.argv.slice(2));
