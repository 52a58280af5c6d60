/**
 * Stage `evaluate`: model/ + data/features/test.json → evaluation/
 *
 *   node dist/evaluate.js model data/features
 *
 * The guide's evaluate.py with dvclive 1.0's file layout:
 * - evaluation/metrics.json: `avg_prec` (average_precision_score) and `roc_auc` (roc_auc_score)
 *   of the predicted probability of class 1 on the test set;
 * - evaluation/plots/metrics/{avg_prec,roc_auc}.tsv: dvclive's step series (`step<TAB>name`, `0<TAB>value`);
 * - evaluation/plots/sklearn/roc.json: `{"roc": [{fpr, tpr, threshold}, …]}` (roc_curve);
 * - evaluation/plots/prc.json: `{"prc": [{precision, recall, threshold}, …]}`, every n-th point
 *   of precision_recall_curve so that about 1000 remain;
 * - evaluation/plots/sklearn/confusion_matrix.json: `[{"actual": "1", "predicted": "0"}, …]`,
 *   one entry per test row (predicted = the more probable class);
 * - evaluation/plots/importance.png: the 30 largest feature importances (mean decrease in impurity).
 *
 * JSON is written as Python's json.dump(…, indent=4) writes it (so the files look like the
 * guide's); the metrics equal scikit-learn's for the same probabilities.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { barChartPng } from './lib/chart.js';
import { predictProba, type ForestModel } from './lib/forest.js';
import { averagePrecisionScore, precisionRecallCurve, rocAucScore, rocCurve } from './lib/metrics.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Python's repr() of a float (what json.dumps writes). */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0.0';
  const [mant, expStr] = x.toExponential().split('e');
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let out: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    out = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp < 0) {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    out = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  } else {
    out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return neg ? `-${out}` : out;
}

/** json.dumps(value, indent=4), every number written as a Python float. */
export function pyJson(value: Json, indent = 4, level = 0): string {
  const pad = ' '.repeat(indent * (level + 1));
  const end = ' '.repeat(indent * level);
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pyFloat(value);
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => pad + pyJson(v, indent, level + 1)).join(',\n')}\n${end}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${pad}${pyJson(k)}: ${pyJson(v, indent, level + 1)}`).join(',\n')}\n${end}}`;
}

interface FeaturesFile {
  ids: string[];
  labels: number[];
  feature_names: string[];
  shape: [number, number];
  indptr: number[];
  indices: number[];
  data: number[];
}

/** Dense rows of a CSR features file. */
function rowsOf(f: FeaturesFile): Float64Array[] {
  const [n, m] = f.shape;
  const rows: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const x = new Float64Array(m);
    for (let k = f.indptr[i]; k < f.indptr[i + 1]; k++) x[f.indices[k]] = f.data[k];
    rows.push(x);
  }
  return rows;
}

function write(file: string, text: string | Buffer): void {
  mkdirSync(resolve(file, '..'), { recursive: true });
  writeFileSync(file, text);
}

function main(argv: string[]): void {
  if (argv.length !== 2) {
    process.stderr.write('Arguments error. Usage:\n\tnode dist/evaluate.js model-dir features\n');
    process.exit(1);
  }
  const [modelDir, featuresDir] = argv;
  const model = JSON.parse(readFileSync(join(modelDir, 'forest.json'), 'utf8')) as ForestModel;
  const test = JSON.parse(readFileSync(join(featuresDir, 'test.json'), 'utf8')) as FeaturesFile;
  if (test.shape[1] !== model.n_features) {
    throw new Error(`evaluate: the model has ${model.n_features} features, the test set ${test.shape[1]}`);
  }
  const labels = test.labels;
  const proba = predictProba(model, rowsOf(test));
  const predictions = proba.map((p) => p[1]);
  const predicted = proba.map((p) => (p[1] > p[0] ? 1 : 0)); // argmax: the first class on a tie

  const out = 'evaluation';
  const avgPrec = averagePrecisionScore(labels, predictions);
  const rocAuc = rocAucScore(labels, predictions);
  write(join(out, 'metrics.json'), pyJson({ avg_prec: avgPrec, roc_auc: rocAuc }));
  write(join(out, 'plots', 'metrics', 'avg_prec.tsv'), `step\tavg_prec\n0\t${pyFloat(avgPrec)}\n`);
  write(join(out, 'plots', 'metrics', 'roc_auc.tsv'), `step\troc_auc\n0\t${pyFloat(rocAuc)}\n`);

  const roc = rocCurve(labels, predictions);
  write(
    join(out, 'plots', 'sklearn', 'roc.json'),
    pyJson({ roc: roc.fpr.map((fpr, i) => ({ fpr, tpr: roc.tpr[i], threshold: roc.thresholds[i] })) }),
  );

  const prc = precisionRecallCurve(labels, predictions, true);
  const nth = Math.ceil(prc.thresholds.length / 1000);
  const prcPoints: Json[] = [];
  for (let i = 0; i < prc.thresholds.length; i += nth) {
    prcPoints.push({ precision: prc.precision[i], recall: prc.recall[i], threshold: prc.thresholds[i] });
  }
  write(join(out, 'plots', 'prc.json'), pyJson({ prc: prcPoints }));

  write(
    join(out, 'plots', 'sklearn', 'confusion_matrix.json'),
    pyJson(labels.map((a, i) => ({ actual: String(a), predicted: String(predicted[i]) }))),
  );

  const names = model.feature_names ?? test.feature_names;
  const top = model.feature_importances
    .map((v, i) => ({ name: names[i] ?? String(i), v }))
    .sort((a, b) => b.v - a.v)
    .slice(0, 30);
  write(
    join(out, 'plots', 'importance.png'),
    barChartPng({
      title: 'Feature importances using MDI',
      subtitle: `top ${top.length} of ${names.length} features, random forest of ${model.trees.length} trees`,
      xTitle: 'Mean decrease in impurity',
      labels: top.map((t) => t.name),
      values: top.map((t) => t.v),
    }),
  );

  let tn = 0;
  let fp = 0;
  let fn = 0;
  let tp = 0;
  labels.forEach((a, i) => {
    if (a === 1) predicted[i] === 1 ? tp++ : fn++;
    else predicted[i] === 1 ? fp++ : tn++;
  });
  process.stdout.write(
    `evaluate: avg_prec ${avgPrec.toFixed(4)}, roc_auc ${rocAuc.toFixed(4)} on ${labels.length} test rows ` +
      `(TN ${tn}, FP ${fp}, FN ${fn}, TP ${tp})\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main(process.argv.slice(2));
