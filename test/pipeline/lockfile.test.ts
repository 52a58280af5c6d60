/** dvc.lock and run-cache entries byte-compatible with DVC 3.30 (golden files) and DVC's test vector. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GOLDEN } from '../helpers/fixtures.js';
import { makeTempDir } from '../helpers/git.js';
import { entryDoc, parseLock, writeLockEntries } from '../../src/pipeline/lockfile.js';
import { runCacheKey } from '../../src/pipeline/runcache.js';
import { dumpYaml } from '../../src/util/yaml.js';

const golden = fs.readFileSync(path.join(GOLDEN, 'repo/dvc.lock'), 'utf8');
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

test('the golden dvc.lock parses and dumps back byte for byte', () => {
  const lock = parseLock(golden, 'dvc.lock');
  assert.deepEqual([...lock.stages.keys()], ['prep', 'train']);
  const stages: Record<string, unknown> = {};
  for (const [n, e] of lock.stages) stages[n] = entryDoc(e);
  assert.equal(dumpYaml({ schema: '2.0', stages }), golden);
});

test('entries are re-sorted and ordered as DVC writes them; other stages keep their place', async () => {
  const dir = makeTempDir();
  const file = path.join(dir, 'dvc.lock');
  fs.writeFileSync(file, golden);
  const lock = parseLock(golden, 'dvc.lock');
  const prep = lock.stages.get('prep')!;
  // shuffled input, extra params file: written sorted, params.yaml first
  await writeLockEntries(
    file,
    new Map([
      ['prep', { ...prep, deps: [...prep.deps!].reverse(), params: { 'z.yaml': { b: 1, a: 2 }, 'params.yaml': { 'prep.factor': 3 } } }],
      ['new', { cmd: 'echo', outs: [{ path: 'b', hash: 'md5', md5: md5('b'), size: 1 }, { path: 'a', hash: 'md5', md5: md5('a'), size: 1 }] }],
    ]),
  );
  const text = fs.readFileSync(file, 'utf8');
  assert.match(text, /^schema: '2\.0'\nstages:\n  prep:\n/);
  assert.ok(text.indexOf('  train:') < text.indexOf('  new:'), 'new stages go last, existing ones keep their place');
  assert.match(text, /    params:\n      params\.yaml:\n        prep\.factor: 3\n      z\.yaml:\n        a: 2\n        b: 1\n/);
  assert.match(text, /  new:\n    cmd: echo\n    outs:\n    - path: a\n/);
});

test('lock files of another schema are refused with a hint', () => {
  assert.throws(() => parseLock('prep:\n  cmd: x\n', 'dvc.lock'), /unsupported lock file schema null/);
  assert.throws(() => parseLock("schema: '3.0'\nstages: {}\n", 'dvc.lock'), /'dvc\.lock' is malformed: unsupported lock file schema "3\.0"/);
  assert.throws(() => parseLock("schema: '2.0'\nstages:\n  s:\n    cmd: x\n    bogus: 1\n", 'dvc.lock'), /stages\.s has an unknown key 'bogus'/);
});

test("run-cache key and value match DVC's test vector (tests/unit/stage/test_cache.py)", () => {
  const item = (p: string, c: string) => ({ path: p, hash: 'md5' as const, md5: md5(c) });
  const { key, value } = runCacheKey({
    cmd: 'python script.py',
    deps: [item('dep', 'dep'), item('script.py', 'open("out", "w+").write("out"); ')],
    outs: [item('out', 'out')],
  });
  assert.equal(key, 'c7a85d71de1912c43d9c5b6218c71630d6277e8fc11e4ccf5e12b3c202234838');
  assert.equal(value, '5e2824029f8da9ef6c57131a638ceb65f27c02f16c85d71e85671c27daed0501');
});

test('run-cache paths and contents of the golden pipeline match what DVC 3.30 wrote', () => {
  const lock = parseLock(golden, 'dvc.lock');
  const listing = fs.readFileSync(path.join(GOLDEN, 'cache-listing.tsv'), 'utf8');
  for (const [name, file] of [
    ['prep', '3f7cd333b323ea94_83f34887e5701e19.yaml'],
    ['train', '7d16f367d4f1209e_3bbc19d3dc14c404.yaml'],
  ] as const) {
    const e = lock.stages.get(name)!;
    const { key, value } = runCacheKey(e);
    assert.ok(listing.includes(`runs/${key.slice(0, 2)}/${key}/${value}`), `${name}: runs/${key.slice(0, 2)}/${key}/${value}`);
    assert.equal(dumpYaml(entryDoc(e)), fs.readFileSync(path.join(GOLDEN, 'run-cache', file), 'utf8'));
  }
});
