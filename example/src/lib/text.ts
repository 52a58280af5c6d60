/**
 * Text → features, as scikit-learn 1.x does it in the guide's featurization.py:
 * `CountVectorizer(stop_words="english", max_features=…, ngram_range=(1, ngrams))` then
 * `TfidfTransformer(smooth_idf=False)` (sublinear_tf=False, norm="l2").
 *
 * - lower-case (Python's str.lower() and JavaScript's toLowerCase() agree, final sigma included);
 * - tokens: the default token_pattern `(?u)\b\w\w+\b`, i.e. maximal runs of 2+ word characters,
 *   where a word character is Python's `\w` for str (letters, numbers, underscore);
 * - English stop words (scikit-learn's list, below) removed, then word n-grams 1..ngrams joined
 *   with a space;
 * - the vocabulary is every term of the training texts, in code-point order; with max_features,
 *   the max_features terms of highest total count are kept (ties: the earlier term in code-point
 *   order; scikit-learn leaves ties to NumPy's unstable argsort), still in code-point order;
 * - tf-idf: count × idf with idf = ln(n_docs / df) + 1 (df = training documents holding the
 *   term), then each row divided by its Euclidean norm (rows without any term stay empty).
 *
 * Shared by the featurize stage (fit and transform) and whatever serves the model (transform).
 */

/**
 * scikit-learn's ENGLISH_STOP_WORDS (sklearn/feature_extraction/_stop_words.py, BSD-3-Clause,
 * from the Glasgow Information Retrieval Group's list), 318 words.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'about', 'above', 'across', 'after', 'afterwards', 'again', 'against', 'all', 'almost', 'alone',
  'along', 'already', 'also', 'although', 'always', 'am', 'among', 'amongst', 'amoungst', 'amount', 'an',
  'and', 'another', 'any', 'anyhow', 'anyone', 'anything', 'anyway', 'anywhere', 'are', 'around', 'as', 'at',
  'back', 'be', 'became', 'because', 'become', 'becomes', 'becoming', 'been', 'before', 'beforehand',
  'behind', 'being', 'below', 'beside', 'besides', 'between', 'beyond', 'bill', 'both', 'bottom', 'but',
  'by', 'call', 'can', 'cannot', 'cant', 'co', 'con', 'could', 'couldnt', 'cry', 'de', 'describe', 'detail',
  'do', 'done', 'down', 'due', 'during', 'each', 'eg', 'eight', 'either', 'eleven', 'else', 'elsewhere',
  'empty', 'enough', 'etc', 'even', 'ever', 'every', 'everyone', 'everything', 'everywhere', 'except', 'few',
  'fifteen', 'fifty', 'fill', 'find', 'fire', 'first', 'five', 'for', 'former', 'formerly', 'forty', 'found',
  'four', 'from', 'front', 'full', 'further', 'get', 'give', 'go', 'had', 'has', 'hasnt', 'have', 'he',
  'hence', 'her', 'here', 'hereafter', 'hereby', 'herein', 'hereupon', 'hers', 'herself', 'him', 'himself',
  'his', 'how', 'however', 'hundred', 'i', 'ie', 'if', 'in', 'inc', 'indeed', 'interest', 'into', 'is', 'it',
  'its', 'itself', 'keep', 'last', 'latter', 'latterly', 'least', 'less', 'ltd', 'made', 'many', 'may', 'me',
  'meanwhile', 'might', 'mill', 'mine', 'more', 'moreover', 'most', 'mostly', 'move', 'much', 'must', 'my',
  'myself', 'name', 'namely', 'neither', 'never', 'nevertheless', 'next', 'nine', 'no', 'nobody', 'none',
  'noone', 'nor', 'not', 'nothing', 'now', 'nowhere', 'of', 'off', 'often', 'on', 'once', 'one', 'only',
  'onto', 'or', 'other', 'others', 'otherwise', 'our', 'ours', 'ourselves', 'out', 'over', 'own', 'part',
  'per', 'perhaps', 'please', 'put', 'rather', 're', 'same', 'see', 'seem', 'seemed', 'seeming', 'seems',
  'serious', 'several', 'she', 'should', 'show', 'side', 'since', 'sincere', 'six', 'sixty', 'so', 'some',
  'somehow', 'someone', 'something', 'sometime', 'sometimes', 'somewhere', 'still', 'such', 'system', 'take',
  'ten', 'than', 'that', 'the', 'their', 'them', 'themselves', 'then', 'thence', 'there', 'thereafter',
  'thereby', 'therefore', 'therein', 'thereupon', 'these', 'they', 'thick', 'thin', 'third', 'this', 'those',
  'though', 'three', 'through', 'throughout', 'thru', 'thus', 'to', 'together', 'too', 'top', 'toward',
  'towards', 'twelve', 'twenty', 'two', 'un', 'under', 'until', 'up', 'upon', 'us', 'very', 'via', 'was',
  'we', 'well', 'were', 'what', 'whatever', 'when', 'whence', 'whenever', 'where', 'whereafter', 'whereas',
  'whereby', 'wherein', 'whereupon', 'wherever', 'whether', 'which', 'while', 'whither', 'who', 'whoever',
  'whole', 'whom', 'whose', 'why', 'will', 'with', 'within', 'without', 'would', 'yet', 'you', 'your',
  'yours', 'yourself', 'yourselves',
]);

/** Python's `\w` for str patterns: letters, numbers and the underscore. */
const WORD_CHAR = /^[\p{L}\p{N}_]$/u;
const wordCache = new Map<number, boolean>();

function isWordChar(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if (cp < 128) {
    return (cp >= 97 && cp <= 122) || (cp >= 65 && cp <= 90) || (cp >= 48 && cp <= 57) || cp === 95;
  }
  let w = wordCache.get(cp);
  if (w === undefined) {
    w = WORD_CHAR.test(ch);
    wordCache.set(cp, w);
  }
  return w;
}

/** The tokens of `(?u)\b\w\w+\b` in `text`, in order. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let cur = '';
  let n = 0; // code points in cur
  for (const ch of text) {
    if (isWordChar(ch)) {
      cur += ch;
      n++;
    } else {
      if (n >= 2) tokens.push(cur);
      cur = '';
      n = 0;
    }
  }
  if (n >= 2) tokens.push(cur);
  return tokens;
}

/** CountVectorizer's word analyzer: lower-case, tokens, stop words out, n-grams 1..ngrams. */
export function analyze(text: string, ngrams: number): string[] {
  const original = tokenize(text.toLowerCase()).filter((t) => !STOP_WORDS.has(t));
  if (ngrams === 1) return original;
  const terms = original.slice();
  const n0 = original.length;
  for (let n = 2; n <= Math.min(ngrams, n0); n++) {
    for (let i = 0; i + n <= n0; i++) terms.push(original.slice(i, i + n).join(' '));
  }
  return terms;
}

/** Compare strings by code points (Python's str order), not by UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // a surrogate (a code point >= 0x10000) sorts after every BMP unit
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}

/** A fitted vectorizer: what transform() and a model server need. */
export interface Vectorizer {
  /** What this is and how it was fitted. */
  kind: 'tfidf';
  lowercase: true;
  token_pattern: string;
  stop_words: 'english';
  ngram_range: [number, number];
  max_features: number | null;
  smooth_idf: false;
  sublinear_tf: false;
  norm: 'l2';
  /** Terms in column order (code-point order). */
  feature_names: string[];
  /** Inverse document frequency of each column. */
  idf: number[];
}

/** A row-compressed sparse matrix (scipy's CSR), column indices ascending in each row. */
export interface Csr {
  shape: [number, number];
  indptr: number[];
  indices: number[];
  data: number[];
}

/** Fit on the training texts: vocabulary (top max_features by count) and idf. */
export function fitVectorizer(texts: readonly string[], opts: { maxFeatures: number | null; ngrams: number }): Vectorizer {
  const totals = new Map<string, number>();
  for (const t of texts) {
    for (const term of analyze(t, opts.ngrams)) totals.set(term, (totals.get(term) ?? 0) + 1);
  }
  let terms = [...totals.keys()];
  if (opts.maxFeatures !== null && terms.length > opts.maxFeatures) {
    terms.sort((a, b) => totals.get(b)! - totals.get(a)! || compareCodePoints(a, b));
    terms = terms.slice(0, opts.maxFeatures);
  }
  if (terms.length === 0) throw new Error('empty vocabulary; perhaps the documents only contain stop words');
  terms.sort(compareCodePoints);
  const index = new Map(terms.map((t, i) => [t, i]));
  const df = new Float64Array(terms.length);
  for (const t of texts) {
    const seen = new Set<number>();
    for (const term of analyze(t, opts.ngrams)) {
      const j = index.get(term);
      if (j !== undefined) seen.add(j);
    }
    for (const j of seen) df[j]++;
  }
  const n = texts.length;
  return {
    kind: 'tfidf',
    lowercase: true,
    token_pattern: '(?u)\\b\\w\\w+\\b',
    stop_words: 'english',
    ngram_range: [1, opts.ngrams],
    max_features: opts.maxFeatures,
    smooth_idf: false,
    sublinear_tf: false,
    norm: 'l2',
    feature_names: terms,
    idf: Array.from(df, (d) => Math.log(n / d) + 1),
  };
}

/** Column index of each term of a vectorizer (cached per object). */
const indexCache = new WeakMap<Vectorizer, Map<string, number>>();
function termIndex(v: Vectorizer): Map<string, number> {
  let m = indexCache.get(v);
  if (!m) {
    m = new Map(v.feature_names.map((t, i) => [t, i]));
    indexCache.set(v, m);
  }
  return m;
}

/** The tf-idf row of one text: sorted column indices and their values. */
export function transformOne(v: Vectorizer, text: string): { indices: number[]; data: number[] } {
  const index = termIndex(v);
  const counts = new Map<number, number>();
  for (const term of analyze(text, v.ngram_range[1])) {
    const j = index.get(term);
    if (j !== undefined) counts.set(j, (counts.get(j) ?? 0) + 1);
  }
  const indices = [...counts.keys()].sort((a, b) => a - b);
  const data = indices.map((j) => counts.get(j)! * v.idf[j]);
  let sum = 0;
  for (const x of data) sum += x * x;
  if (sum !== 0) {
    const norm = Math.sqrt(sum);
    for (let k = 0; k < data.length; k++) data[k] /= norm;
  }
  return { indices, data };
}

/** tf-idf matrix of many texts. */
export function transform(v: Vectorizer, texts: readonly string[]): Csr {
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  for (const t of texts) {
    const row = transformOne(v, t);
    indices.push(...row.indices);
    data.push(...row.data);
    indptr.push(indices.length);
  }
  return { shape: [texts.length, v.feature_names.length], indptr, indices, data };
}
