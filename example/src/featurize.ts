/**
 * Stage `featurize`: data/prepared/{train,test}.tsv → data/features/{train,test}.json + vectorizer.json
 *
 *   node dist/featurize.js data/prepared data/features
 *
 * The guide's featurization.py: a bag of words (lower-case, English stop words, word n-grams
 * 1..`featurize.ngrams`, the `featurize.max_features` most frequent terms) then tf-idf
 * (smooth_idf=False, l2 rows), both fitted on train and applied to train and test
 * (see lib/text.ts for the exact rules).
 *
 * Each features file is one JSON object: the row ids and labels, the column names, and the
 * tf-idf matrix in CSR form (`shape`, `indptr`, `indices`, `data`, as scipy.sparse.csr_matrix
 * takes them). vectorizer.json holds the fitted vocabulary and idf (the model's preprocessing).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadParams, num } from './lib/params.js';
import { fitVectorizer, transform, type Csr, type Vectorizer } from './lib/text.js';

export interface Prepared {
  ids: string[];
  labels: number[];
  texts: string[];
}

/** Rows `id<TAB>label<TAB>text` of a prepared TSV file. */
export function readPrepared(file: string): Prepared {
  const out: Prepared = { ids: [], labels: [], texts: [] };
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, n) => {
    if (line === '' && n === lines.length - 1) return;
    const a = line.indexOf('\t');
    const b = a < 0 ? -1 : line.indexOf('\t', a + 1);
    if (b < 0) throw new Error(`${file}:${n + 1}: expected id<TAB>label<TAB>text`);
    const label = Number(line.slice(a + 1, b));
    if (label !== 0 && label !== 1) throw new Error(`${file}:${n + 1}: label must be 0 or 1`);
    out.ids.push(line.slice(0, a));
    out.labels.push(label);
    out.texts.push(line.slice(b + 1));
  });
  return out;
}

export interface FeaturesFile extends Csr {
  ids: string[];
  labels: number[];
  feature_names: string[];
}

function writeFeatures(file: string, rows: Prepared, m: Csr, v: Vectorizer): void {
  const f: FeaturesFile = { ids: rows.ids, labels: rows.labels, feature_names: v.feature_names, ...m };
  // one key per line: readable heads, compact bodies
  const body = Object.entries(f)
    .map(([k, val]) => `${JSON.stringify(k)}: ${JSON.stringify(val)}`)
    .join(',\n');
  writeFileSync(file, `{\n${body}\n}\n`);
}

function main(argv: string[]): void {
  if (argv.length !== 2) {
    process.stderr.write('Arguments error. Usage:\n\tnode dist/featurize.js data-dir-path features-dir-path\n');
    process.exit(1);
  }
  const params = loadParams('featurize');
  const maxFeatures = num(params, 'max_features', { integer: true, min: 1 });
  const ngrams = num(params, 'ngrams', { integer: true, min: 1 });
  const [inDir, outDir] = argv;

  const train = readPrepared(join(inDir, 'train.tsv'));
  const test = readPrepared(join(inDir, 'test.tsv'));
  const vectorizer = fitVectorizer(train.texts, { maxFeatures, ngrams });

  mkdirSync(outDir, { recursive: true });
  writeFeatures(join(outDir, 'train.json'), train, transform(vectorizer, train.texts), vectorizer);
  writeFeatures(join(outDir, 'test.json'), test, transform(vectorizer, test.texts), vectorizer);
  writeFileSync(join(outDir, 'vectorizer.json'), `${JSON.stringify(vectorizer, null, 2)}\n`);
  process.stdout.write(
    `featurize: ${vectorizer.feature_names.length} features (max_features ${maxFeatures}, ngrams 1..${ngrams}), ` +
      `${train.ids.length} train rows, ${test.ids.length} test rows\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main(process.argv.slice(2));
