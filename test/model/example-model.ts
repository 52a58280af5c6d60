/**
 * Test helper (not a test file): the example's model trained for real on a few hundred mails of
 * the bundled remote, by the example's compiled stages (example/dist/{prepare,featurize,train}.js)
 * with its params.yaml, in a temp directory. Returns the directory and held-out texts.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../helpers/git.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLE = path.join(ROOT, 'example');
const DATA_XML = path.join(EXAMPLE, 'remote/files/md5/a0/0a4bbbd556ecb27334e4442f833c5c');

/** data.xml reduced to its first `rows` rows (header and closing tag kept). */
export function reducedDataXml(rows: number): string {
  const lines = fs.readFileSync(DATA_XML, 'utf8').split('\n');
  return [...lines.slice(0, 2 + rows), '</posts>', ''].join('\n');
}

/** Texts of the held-out mails (prepared test.tsv: id, label, text). */
export function heldOutTexts(dir: string, n: number): string[] {
  return fs
    .readFileSync(path.join(dir, 'data/prepared/test.tsv'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, n)
    .map((l) => l.split('\t').slice(2).join('\t'));
}

/** Train the example's model on `rows` mails in a fresh temp dir; the model is `<dir>/model`. */
export function trainExampleModel(rows = 400): string {
  const dir = makeTempDir('keel-model-');
  fs.copyFileSync(path.join(EXAMPLE, 'params.yaml'), path.join(dir, 'params.yaml'));
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data/data.xml'), reducedDataXml(rows));
  const run = (script: string, ...args: string[]): void => {
    execFileSync(process.execPath, [path.join(EXAMPLE, 'dist', script), ...args], { cwd: dir, stdio: 'pipe' });
  };
  run('prepare.js', 'data/data.xml');
  run('featurize.js', 'data/prepared', 'data/features');
  run('train.js', 'data/features', 'model');
  return dir;
}
