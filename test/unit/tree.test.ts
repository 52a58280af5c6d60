/** DVC's own test vectors for .dir manifests (dvc-compat.md §1.7). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GOLDEN } from '../helpers/fixtures.js';
import { EMPTY_DIR_OID, parseTree, serializeTree, sortEntries, type TreeEntry } from '../../src/data/tree.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const tree = (files: Record<string, string>): string =>
  serializeTree(sortEntries(Object.entries(files).map(([relpath, c]): TreeEntry => ({ relpath, md5: md5(c) })))).oid;

test('dir hashes match DVC test vectors', () => {
  assert.equal(tree({ foo: 'foo', bar: 'bar', 'subdir/data': 'data' }), '8761c4e9acad696bee718615e23e22db.dir');
  assert.equal(tree({ data: 'data' }), 'af314506f1622d107e0ed3f14ec1a3b5.dir');
  assert.equal(tree({ 'subdir/file': 'file', other: 'other' }), '70922d6bf66eb073053a82f77d58c536.dir');
  assert.equal(tree({ one: 'one', two: 'two' }), '6b18131dc289fd37006705affe961ef8.dir');
});

test('the empty directory', () => {
  assert.equal(tree({}), EMPTY_DIR_OID);
  assert.equal(serializeTree([]).bytes.toString(), '[]');
});

test('whole-relpath code-point sort: a-b < a/b < a0, BMP before astral', () => {
  const order = sortEntries(['a0', 'a/b', 'a-b', '\u{1F600}.txt', '\uFFFD.txt', 'é'].map((relpath) => ({ relpath, md5: md5(relpath) }))).map((e) => e.relpath);
  assert.deepEqual(order, ['a-b', 'a/b', 'a0', 'é', '\uFFFD.txt', '\u{1F600}.txt']);
});

test('unicode and astral names are escaped like Python json.dumps (ensure_ascii)', () => {
  const { bytes } = serializeTree([{ relpath: 'unicodé/日本語 ñ.txt', md5: 'a9ab413526d6bca789fde5b2d7de84f5' }, { relpath: 'x\u{1F600}', md5: md5('') }]);
  assert.equal(
    bytes.toString(),
    `[{"md5": "a9ab413526d6bca789fde5b2d7de84f5", "relpath": "unicod\\u00e9/\\u65e5\\u672c\\u8a9e \\u00f1.txt"}, {"md5": "${md5('')}", "relpath": "x\\ud83d\\ude00"}]`,
  );
});

test('the golden data/ manifest round-trips byte for byte', async () => {
  const { readFileSync } = await import('node:fs');
  const bytes = readFileSync(GOLDEN + 'cache-dir-manifests/2572c69f1c0d1d626581c2aeab373368.dir');
  const entries = parseTree(bytes, 'golden');
  const again = serializeTree(entries);
  assert.equal(again.oid, '2572c69f1c0d1d626581c2aeab373368.dir');
  assert.deepEqual(again.bytes, bytes);
});

test('malformed manifests are refused with the object named', () => {
  assert.throws(() => parseTree(Buffer.from('{"md5": "x"}'), 'obj1'), /'obj1' is malformed: a \.dir manifest must be a JSON list/);
  assert.throws(() => parseTree(Buffer.from('not json'), 'obj2'), /'obj2' is malformed: not valid JSON/);
  for (const bad of ['../evil', '/etc/passwd', 'a/../../b', 'a//b']) {
    assert.throws(() => parseTree(Buffer.from(JSON.stringify([{ md5: md5('x'), relpath: bad }])), 'obj3'), /unsafe relpath/, bad);
  }
  assert.throws(() => parseTree(Buffer.from(JSON.stringify([{ md5: 'zz', relpath: 'a' }])), 'obj4'), /invalid md5/);
  // extra meta keys are accepted and ignored for the hash
  const withMeta = parseTree(Buffer.from(JSON.stringify([{ md5: md5('x'), relpath: 'a', size: 1, isexec: true }])), 'obj5');
  assert.equal(withMeta[0].size, 1);
});
