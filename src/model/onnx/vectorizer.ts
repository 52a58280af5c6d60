/**
 * The example's text vectorizer (vectorizer.json: scikit-learn's CountVectorizer + TfidfTransformer,
 * see example/src/lib/text.ts) as the model package's pre-processing: validated, described, and
 * the last step (sparse tf-idf rows → the dense float32 tensor the ONNX graph takes).
 *
 * The text → tf-idf step itself stays in TypeScript, outside the ONNX graph (README.md says why):
 * the package's pre-processing module runs the same `transformOne` the featurize stage ran, then
 * `denseInput` here. `describeTextPreprocessing` is the exportable description of that step, kept
 * in the package metadata and in the .onnx file's metadata_props (`keel.preprocessing`), so a
 * reader of either knows what the graph's input must be.
 */
import { FileFormatError } from '../../errors/index.js';
import type { ForestJson } from './forest.js';

/** The fields of vectorizer.json (the example's `Vectorizer`). Only these values are supported. */
export interface TfidfVectorizerJson {
  kind: 'tfidf';
  lowercase: true;
  token_pattern: string;
  stop_words: 'english';
  ngram_range: [number, number];
  max_features: number | null;
  smooth_idf: false;
  sublinear_tf: false;
  norm: 'l2';
  /** Terms in column order. */
  feature_names: string[];
  /** Inverse document frequency of each column. */
  idf: number[];
}

/** scikit-learn's default token pattern: runs of 2+ word characters. */
export const TOKEN_PATTERN = '(?u)\\b\\w\\w+\\b';

/** Version tag of the pre-processing description below. */
export const TEXT_TFIDF_PREPROCESSING = 'keel.preprocessing/text-tfidf@1';

/** An exportable description of the text → features step (JSON-serialisable). */
export interface TextPreprocessing {
  format: typeof TEXT_TFIDF_PREPROCESSING;
  /** Where the step runs: in the package's pre-processing module, not in the ONNX graph. */
  runs: 'typescript';
  /** What a request holds: one text per row. */
  input: { schema: { type: 'array'; items: { type: 'string' } } };
  /** What the step produces: the ONNX graph's input tensor. */
  output: { name: string; dtype: 'float32'; shape: [null, number] };
  /** The vectorizer: its artifact in the package and every parameter that decides the output. */
  vectorizer: {
    artifact: string;
    kind: 'tfidf';
    lowercase: true;
    token_pattern: string;
    stop_words: 'english';
    ngram_range: [number, number];
    max_features: number | null;
    smooth_idf: false;
    sublinear_tf: false;
    norm: 'l2';
    n_features: number;
  };
  /** The steps, in order, for a reader (the module is the implementation). */
  steps: string[];
}

type Obj = Record<string, unknown>;

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  return typeof x;
}

/**
 * Check a parsed vectorizer.json and return it typed. Each problem throws a FileFormatError that
 * names `file` and the field (`data.field`). Parameters the TypeScript transform does not
 * implement (another token pattern, sublinear tf, …) are refused here, not at the first request.
 */
export function parseVectorizer(json: unknown, file = 'vectorizer.json'): TfidfVectorizerJson {
  const fail = (field: string, message: string): never => {
    throw new FileFormatError(file, `${field} ${message}`, {
      data: { field },
      hint: 're-run the featurize stage (keel repro featurize) to write a fresh vectorizer.json',
    });
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('(root)', `must be a JSON object, got ${describe(json)}`);
  const o = json as Obj;
  const fixed: [string, unknown][] = [
    ['kind', 'tfidf'],
    ['lowercase', true],
    ['token_pattern', TOKEN_PATTERN],
    ['stop_words', 'english'],
    ['smooth_idf', false],
    ['sublinear_tf', false],
    ['norm', 'l2'],
  ];
  for (const [key, want] of fixed) {
    if (o[key] === undefined) fail(key, 'is missing');
    if (o[key] !== want) fail(key, `must be ${describe(want)} (the only value the TypeScript transform implements), got ${describe(o[key])}`);
  }
  const range = o.ngram_range;
  if (range === undefined) fail('ngram_range', 'is missing');
  if (
    !Array.isArray(range) ||
    range.length !== 2 ||
    range[0] !== 1 ||
    typeof range[1] !== 'number' ||
    !Number.isInteger(range[1]) ||
    range[1] < 1
  ) {
    fail('ngram_range', `must be [1, n] with an integer n >= 1, got ${JSON.stringify(range)}`);
  }
  const maxFeatures = o.max_features;
  if (maxFeatures !== null && maxFeatures !== undefined && (typeof maxFeatures !== 'number' || !Number.isInteger(maxFeatures) || maxFeatures < 1)) {
    fail('max_features', `must be null or an integer >= 1, got ${describe(maxFeatures)}`);
  }
  const names = o.feature_names;
  if (names === undefined) fail('feature_names', 'is missing');
  if (!Array.isArray(names)) fail('feature_names', `must be an array of terms, got ${describe(names)}`);
  const terms = names as unknown[];
  if (terms.length === 0) fail('feature_names', 'is empty');
  const seen = new Set<string>();
  terms.forEach((t, i) => {
    if (typeof t !== 'string' || t === '') fail(`feature_names[${i}]`, `must be a non-empty string, got ${describe(t)}`);
    if (seen.has(t as string)) fail(`feature_names[${i}]`, `repeats the term ${describe(t)}`);
    seen.add(t as string);
  });
  const idf = o.idf;
  if (idf === undefined) fail('idf', 'is missing');
  if (!Array.isArray(idf)) fail('idf', `must be an array of numbers, got ${describe(idf)}`);
  const weights = idf as unknown[];
  if (weights.length !== terms.length) fail('idf', `holds ${weights.length} weights for ${terms.length} feature_names`);
  weights.forEach((w, i) => {
    // idf = ln(n / df) + 1 >= 1; null is how JSON writes NaN and Infinity
    if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0) {
      fail(`idf[${i}]`, `must be a finite number > 0, got ${w === null ? 'null (NaN or Infinity written as JSON)' : describe(w)}`);
    }
  });
  return {
    kind: 'tfidf',
    lowercase: true,
    token_pattern: TOKEN_PATTERN,
    stop_words: 'english',
    ngram_range: [1, (range as number[])[1]],
    max_features: (maxFeatures as number | null | undefined) ?? null,
    smooth_idf: false,
    sublinear_tf: false,
    norm: 'l2',
    feature_names: terms as string[],
    idf: weights as number[],
  };
}

/**
 * The pre-processing description for a vectorizer feeding a forest. Checks that they belong
 * together: as many terms as the forest has features, and the same names when the forest
 * records them (a vectorizer from another featurize run would silently shuffle the columns).
 */
export function describeTextPreprocessing(
  vectorizer: TfidfVectorizerJson,
  forest: ForestJson,
  opts: { artifact?: string; inputName?: string; vectorizerFile?: string; forestFile?: string } = {},
): TextPreprocessing {
  const vFile = opts.vectorizerFile ?? 'vectorizer.json';
  const fFile = opts.forestFile ?? 'forest.json';
  const n = vectorizer.feature_names.length;
  if (n !== forest.n_features) {
    throw new FileFormatError(vFile, `feature_names holds ${n} terms but ${fFile} has n_features ${forest.n_features}`, {
      data: { field: 'feature_names', forest: fFile },
      hint: 'the vectorizer and the forest come from different runs: re-run featurize and train (keel repro train)',
    });
  }
  if (forest.feature_names) {
    const i = forest.feature_names.findIndex((name, j) => name !== vectorizer.feature_names[j]);
    if (i >= 0) {
      throw new FileFormatError(
        vFile,
        `feature_names[${i}] is ${JSON.stringify(vectorizer.feature_names[i])} but ${fFile} has ${JSON.stringify(forest.feature_names[i])} there`,
        {
          data: { field: `feature_names[${i}]`, forest: fFile },
          hint: 'the vectorizer and the forest come from different runs: re-run featurize and train (keel repro train)',
        },
      );
    }
  }
  const [, maxN] = vectorizer.ngram_range;
  return {
    format: TEXT_TFIDF_PREPROCESSING,
    runs: 'typescript',
    input: { schema: { type: 'array', items: { type: 'string' } } },
    output: { name: opts.inputName ?? 'input', dtype: 'float32', shape: [null, n] },
    vectorizer: {
      artifact: opts.artifact ?? 'vectorizer.json',
      kind: vectorizer.kind,
      lowercase: vectorizer.lowercase,
      token_pattern: vectorizer.token_pattern,
      stop_words: vectorizer.stop_words,
      ngram_range: [1, maxN],
      max_features: vectorizer.max_features,
      smooth_idf: vectorizer.smooth_idf,
      sublinear_tf: vectorizer.sublinear_tf,
      norm: vectorizer.norm,
      n_features: n,
    },
    steps: [
      'lower-case the text (str.lower)',
      `tokens: maximal runs of 2+ Unicode word characters (${TOKEN_PATTERN})`,
      "drop scikit-learn's English stop words",
      maxN === 1 ? 'terms: the tokens' : `terms: word n-grams of 1..${maxN} tokens joined by one space`,
      'count the vocabulary terms (feature_names; others are ignored)',
      'multiply each count by its idf',
      'divide the row by its Euclidean norm (an empty row stays zero)',
      'write the row as float32 into the [N, n_features] input tensor',
    ],
  };
}

/** One sparse row: column indices and their values (what the tf-idf transform returns). */
export interface SparseRow {
  indices: ArrayLike<number>;
  data: ArrayLike<number>;
}

/**
 * Sparse rows → the row-major float32 data of the graph's [rows.length, nFeatures] input
 * (values rounded to float32, as scikit-learn rounds X before predicting).
 */
export function denseInput(rows: readonly SparseRow[], nFeatures: number): Float32Array {
  const out = new Float32Array(rows.length * nFeatures);
  rows.forEach((row, i) => {
    if (row.indices.length !== row.data.length) throw new RangeError(`row ${i}: ${row.indices.length} indices for ${row.data.length} values`);
    const base = i * nFeatures;
    for (let k = 0; k < row.indices.length; k++) {
      const j = row.indices[k];
      if (!Number.isInteger(j) || j < 0 || j >= nFeatures) throw new RangeError(`row ${i}: column ${j} is outside [0, ${nFeatures})`);
      out[base + j] = row.data[k];
    }
  });
  return out;
}
