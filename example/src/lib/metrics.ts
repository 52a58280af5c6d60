/**
 * Ranking metrics computed as scikit-learn computes them (same steps, same floating-point
 * operations, NumPy's pairwise summation where NumPy sums), for binary labels 0/1:
 * `average_precision_score`, `roc_auc_score`, `roc_curve` (drop_intermediate=True; the first
 * threshold is max score + 1, as in scikit-learn < 1.3) and `precision_recall_curve`.
 */
import { pairwiseSum } from './forest.js';

interface ClfCurve {
  fps: number[];
  tps: number[];
  thresholds: number[];
}

/** scikit-learn's _binary_clf_curve: counts at each distinct score, highest score first. */
function binaryClfCurve(yTrue: readonly number[], yScore: readonly number[]): ClfCurve {
  const order = yScore.map((_, i) => i).sort((a, b) => yScore[b] - yScore[a] || b - a);
  const fps: number[] = [];
  const tps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  for (let k = 0; k < order.length; k++) {
    tp += yTrue[order[k]];
    const last = k === order.length - 1;
    if (last || yScore[order[k + 1]] !== yScore[order[k]]) {
      tps.push(tp);
      fps.push(1 + k - tp);
      thresholds.push(yScore[order[k]]);
    }
  }
  return { fps, tps, thresholds };
}

export interface Roc {
  fpr: number[];
  tpr: number[];
  thresholds: number[];
}

export function rocCurve(yTrue: readonly number[], yScore: readonly number[]): Roc {
  let { fps, tps, thresholds } = binaryClfCurve(yTrue, yScore);
  if (fps.length > 2) {
    // keep the corners: where the second difference of fps or tps is non-zero
    const keep: number[] = [0];
    for (let i = 1; i < fps.length - 1; i++) {
      if (fps[i + 1] - 2 * fps[i] + fps[i - 1] !== 0 || tps[i + 1] - 2 * tps[i] + tps[i - 1] !== 0) keep.push(i);
    }
    keep.push(fps.length - 1);
    fps = keep.map((i) => fps[i]);
    tps = keep.map((i) => tps[i]);
    thresholds = keep.map((i) => thresholds[i]);
  }
  fps = [0, ...fps];
  tps = [0, ...tps];
  thresholds = [thresholds[0] + 1, ...thresholds];
  const fpsLast = fps[fps.length - 1];
  const tpsLast = tps[tps.length - 1];
  return {
    fpr: fps.map((x) => (fpsLast > 0 ? x / fpsLast : NaN)),
    tpr: tps.map((x) => (tpsLast > 0 ? x / tpsLast : NaN)),
    thresholds,
  };
}

/** np.trapz(y, x) */
function trapz(y: readonly number[], x: readonly number[]): number {
  const terms: number[] = [];
  for (let i = 0; i + 1 < x.length; i++) terms.push(((x[i + 1] - x[i]) * (y[i + 1] + y[i])) / 2.0);
  return pairwiseSum(terms);
}

export function rocAucScore(yTrue: readonly number[], yScore: readonly number[]): number {
  const { fpr, tpr } = rocCurve(yTrue, yScore);
  return trapz(tpr, fpr);
}

export interface PrCurve {
  precision: number[];
  recall: number[];
  thresholds: number[];
}

/**
 * precision_recall_curve: precision and recall per threshold, thresholds ascending, then the
 * final (precision 1, recall 0) point. With `stopAtFullRecall` (scikit-learn < 1.3, the guide's
 * 1.1.3) the curve starts at the highest threshold that reaches full recall.
 */
export function precisionRecallCurve(
  yTrue: readonly number[],
  yScore: readonly number[],
  stopAtFullRecall = false,
): PrCurve {
  const { fps, tps, thresholds } = binaryClfCurve(yTrue, yScore);
  const tpsLast = tps[tps.length - 1];
  const precision = tps.map((tp, i) => (tp + fps[i] !== 0 ? tp / (tp + fps[i]) : 0));
  const recall = tps.map((tp) => (tpsLast === 0 ? 1 : tp / tpsLast));
  let last = tps.length - 1;
  if (stopAtFullRecall) last = tps.findIndex((tp) => tp >= tpsLast);
  const sl = (a: number[]): number[] => a.slice(0, last + 1).reverse();
  return { precision: [...sl(precision), 1], recall: [...sl(recall), 0], thresholds: sl(thresholds) };
}

export function averagePrecisionScore(yTrue: readonly number[], yScore: readonly number[]): number {
  const { precision, recall } = precisionRecallCurve(yTrue, yScore);
  const terms: number[] = [];
  for (let i = 0; i + 1 < recall.length; i++) terms.push((recall[i + 1] - recall[i]) * precision[i]);
  return -pairwiseSum(terms);
}
