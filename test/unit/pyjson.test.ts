import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pyJsonDumps, pyFloatRepr } from '../../src/util/pyjson.js';
import { compareCodePoints, isSafeRelpath } from '../../src/util/paths.js';

test('pyJsonDumps matches Python json.dumps(sort_keys=True) with ensure_ascii', () => {
  assert.equal(
    pyJsonDumps([{ relpath: 'unicodé/日本語 ñ.txt', md5: 'x' }, { a: 'e\u{1F600}', b: [1, 2.5, true, null] }]),
    '[{"md5": "x", "relpath": "unicod\\u00e9/\\u65e5\\u672c\\u8a9e \\u00f1.txt"}, {"a": "e\\ud83d\\ude00", "b": [1, 2.5, true, null]}]',
  );
});

test('pyFloatRepr follows Python repr', () => {
  const cases: [number, string][] = [
    [0.5, '0.5'], [1e16, '1e+16'], [1.5e-5, '1.5e-05'], [0.0001, '0.0001'], [1e22, '1e+22'],
    [2.5e-7, '2.5e-07'], [1700000000, '1700000000.0'], [-3.25, '-3.25'], [1e15 + 0.5, '1000000000000000.5'],
  ];
  for (const [n, want] of cases) assert.equal(pyFloatRepr(n), want, String(n));
});

test('code point order puts astral characters after the BMP', () => {
  const names = ['\u{1F600}', '\uFFFD', 'a-b', 'a/b', 'a0'];
  assert.deepEqual([...names].sort(compareCodePoints), ['a-b', 'a/b', 'a0', '\uFFFD', '\u{1F600}']);
});

test('isSafeRelpath refuses traversal and absolute paths', () => {
  for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a//b', '', 'a/./b', 'a\\b']) assert.equal(isSafeRelpath(bad), false, bad);
  for (const good of ['a', 'a/b.txt', 'unicodé/日本語 ñ.txt', '.hidden']) assert.equal(isSafeRelpath(good), true, good);
});
