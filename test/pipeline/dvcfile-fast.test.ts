// The canonical .dvc fast path (pipeline/dvcfile.ts parseCanonicalDvc): it either declines, or
// returns exactly what the full YAML parser returns. Checked on DVC 3.30's own files and on
// generated variants, including values YAML would read as something other than a string.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCanonicalDvc } from '../../src/pipeline/dvcfile.js';
import { parseYaml } from '../../src/util/yaml.js';

const GOLDEN = fileURLToPath(new URL('../fixtures/dvc-golden/repo/', import.meta.url));

function same(text: string): boolean {
  const fast = parseCanonicalDvc(text);
  if (fast === undefined) return false;
  assert.deepEqual(fast, parseYaml(text, 'x.dvc'), `fast path differs from YAML for:\n${text}`);
  return true;
}

test("DVC 3.30's .dvc files take the fast path and read as YAML reads them", () => {
  const files = fs.readdirSync(GOLDEN).filter((f) => f.endsWith('.dvc'));
  assert.ok(files.length >= 4);
  for (const f of files) assert.ok(same(fs.readFileSync(path.join(GOLDEN, f), 'utf8')), f);
});

test('variants: accepted ones equal YAML; anything unusual is declined', () => {
  const md5 = '0123456789abcdef0123456789abcdef';
  const ok = [
    `outs:\n- md5: ${md5}\n  size: 12\n  hash: md5\n  path: a.txt\n`,
    `outs:\n- md5: ${md5}.dir\n  size: 0\n  nfiles: 3\n  hash: md5\n  path: data\n`,
    `outs:\n- md5: ${md5}\n  size: 1\n  isexec: true\n  hash: md5\n  path: bin/run.sh\n  cache: false\n  push: false\n  remote: store_2\n`,
    `outs:\n- md5: ${md5}\n  size: 1\n  hash: md5\n  path: a\n- md5: ${md5}\n  size: 2\n  hash: md5\n  path: b\n`,
    `outs:\n- path: data-v2.csv\n`,
  ];
  for (const t of ok) assert.ok(same(t), t);
  const declined = [
    `outs:\n- md5: ${md5}\n  path: 2024-01-01\n`, // a date to YAML
    `outs:\n- md5: ${md5}\n  path: 1e5\n`, // a float
    `outs:\n- md5: ${md5}\n  path: true\n`,
    `outs:\n- md5: ${md5}\n  path: 'quoted'\n`,
    `outs:\n- md5: ${md5}\n  path: a b\n`,
    `outs:\n- md5: ${md5}\n  path: a # comment\n`,
    `outs:\n- md5: ${md5}\n  size: 012\n  path: a\n`,
    `outs:\n- md5: ${md5}\n  size: 1_000\n  path: a\n`,
    `outs:\n- md5: ${md5}\n  isexec: True\n  path: a\n`,
    `outs:\r\n- md5: ${md5}\r\n  path: a\r\n`,
    `md5: ${md5}\nouts:\n- md5: ${md5}\n  path: a\n`, // DVC 2 top-level md5
    `outs:\n- md5: ${md5}\n  desc: hello\n  path: a\n`, // a key outside the fast set
    `outs:\n- md5: ${md5}\n  path: a\n  path: b\n`, // duplicate key: YAML refuses it
    `outs:\n  - md5: ${md5}\n    path: a\n`, // other indentation
    `outs:\n- md5: ${md5}\n  path: a`, // no final newline
    `outs:\n`,
  ];
  for (const t of declined) assert.equal(parseCanonicalDvc(t), undefined, t);
});
