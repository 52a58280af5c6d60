/**
 * Two small, real JS models for the serving tests, built as LoadedModel objects directly (no
 * package loader involved):
 *  - `sumModel`: rows of numbers; predict = each row's sum, predict_proba = each row's softmax.
 *  - `textModel`: the guide's shape; texts in, predict = [0|1] per text, predict_proba = [[p0, p1]]
 *    where p1 = hits / (hits + 1) over a small vocabulary of programming words.
 * Each counts its model calls (`calls`) and can be slowed down (`delayMs`) for timeout, batching
 * and shutdown tests.
 */
import type { LoadedModel, ModelMeta } from '../../src/model/types.js';

export interface TestModel extends LoadedModel {
  calls: { method: string; rows: number }[];
  closed: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

const lineage = {
  git: { commit: '0123456789abcdef0123456789abcdef01234567', dirty: false, branch: 'main' },
  stage: { name: 'train', file: 'dvc.yaml', lock: { cmd: 'python src/train.py data/features models/rf', outs: [{ path: 'models/rf', md5: 'abc.dir' }] } },
  params: { train: { seed: 20170428, n_est: 50 } },
  metrics: { avg_prec: 0.94, roc_auc: 0.96 },
  created: '2026-01-01T00:00:00.000Z',
};

function wrap(meta: ModelMeta, impl: Record<string, (data: unknown) => unknown>, delayMs: number): TestModel {
  const model: TestModel = {
    dir: '/nonexistent/test-model',
    meta,
    calls: [],
    closed: false,
    methods: {},
    async close() {
      model.closed = true;
    },
  };
  for (const [name, fn] of Object.entries(impl)) {
    model.methods[name] = async (data) => {
      model.calls.push({ method: name, rows: Array.isArray(data) ? data.length : 1 });
      if (delayMs > 0) await sleep(delayMs);
      return fn(data);
    };
  }
  return model;
}

const ROWS = { type: 'array', items: { type: 'array', items: { type: 'number' }, minItems: 1 } };

export function sumModel(opts: { delayMs?: number } = {}): TestModel {
  const meta: ModelMeta = {
    keel_model: 1,
    name: 'sum',
    runtime: 'js',
    artifacts: [{ path: 'model.mjs', md5: 'd41d8cd98f00b204e9800998ecf8427e', size: 0 }],
    methods: [
      { name: 'predict', input: { $schema: 'https://json-schema.org/draft/2020-12/schema', ...ROWS }, output: { type: 'array', items: { type: 'number' } }, description: 'sum of each row' },
      { name: 'predict_proba', input: ROWS, output: { type: 'array', items: { type: 'array', items: { type: 'number' } } } },
    ],
    sample: [[1, 2, 3]],
    requirements: { keel: '0.1.0' },
    lineage,
  };
  return wrap(
    meta,
    {
      predict: (d) => (d as number[][]).map((r) => r.reduce((a, b) => a + b, 0)),
      predict_proba: (d) => (d as number[][]).map(softmax),
    },
    opts.delayMs ?? 0,
  );
}

const WORDS = new Set(['r', 'programming', 'language', 'python', 'code', 'function', 'stackoverflow']);
const hits = (t: string) => t.toLowerCase().split(/[^a-z]+/).filter((w) => WORDS.has(w)).length;

export function textModel(opts: { delayMs?: number } = {}): TestModel {
  const TEXTS = { type: 'array', items: { type: 'string' }, minItems: 1 };
  const meta: ModelMeta = {
    keel_model: 1,
    name: 'rf',
    runtime: 'js',
    artifacts: [{ path: 'model.mjs', md5: 'd41d8cd98f00b204e9800998ecf8427e', size: 0 }],
    methods: [
      { name: 'predict', input: TEXTS, output: { type: 'array', items: { type: 'integer' } } },
      { name: 'predict_proba', input: TEXTS, output: { type: 'array', items: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 } } },
    ],
    sample: ['This is a sample text.'],
    requirements: { keel: '0.1.0' },
    lineage,
  };
  const p1 = (t: string) => hits(t) / (hits(t) + 1);
  return wrap(
    meta,
    {
      predict: (d) => (d as string[]).map((t) => (p1(t) > 0.5 ? 1 : 0)),
      predict_proba: (d) => (d as string[]).map((t) => [1 - p1(t), p1(t)]),
    },
    opts.delayMs ?? 0,
  );
}
