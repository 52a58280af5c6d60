import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import {
  dumpYaml,
  parseYaml,
  parseYamlDocument,
  lineOf,
  unwrapYaml,
  yamlFloat,
  YamlFloat,
  YamlTimestamp,
  PYTHON_NATIVE,
} from '../../src/util/yaml.js';
import { FileFormatError } from '../../src/errors/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/yaml/', import.meta.url));
const SHARED = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

/** Decode the value encoding of scripts/gen-yaml-fixtures.py. */
function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('$float' in o) {
      const r = o.$float as string;
      if (r === 'inf' || r === '-inf' || r === 'nan') return r === 'nan' ? NaN : r === 'inf' ? Infinity : -Infinity;
      return new YamlFloat(Number(r));
    }
    if ('$int' in o) return BigInt(o.$int as string);
    if ('$ts' in o) return new YamlTimestamp(o.$ts as string);
    if ('$map' in o) return new Map((o.$map as [unknown, unknown][]).map(([k, x]) => [decode(k), decode(x)]));
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

interface DumpCase {
  name: string;
  input: unknown;
  yaml: string;
}
interface ParseCase {
  name: string;
  text: string;
  value?: unknown;
  dump?: string;
  error?: string;
}
const dumpCases = JSON.parse(readFileSync(join(FIXTURES, 'dump-cases.json'), 'utf8')).cases as DumpCase[];
const parseCases = JSON.parse(readFileSync(join(FIXTURES, 'parse-cases.json'), 'utf8')).cases as ParseCase[];

// ---------------------------------------------------------------------------------------------
// Golden files written by DVC

function goldenFiles(): [string, string][] {
  const out: [string, string][] = [];
  const own = join(FIXTURES, 'golden');
  for (const name of readdirSync(own).sort()) {
    if (name === 'dvc.yaml' || name === 'params.yaml') continue; // written by hand, not by DVC
    out.push([`golden/${name}`, join(own, name)]);
  }
  return out;
}

test('DVC-written golden files round-trip byte for byte (parse → dumpYaml)', () => {
  const files = goldenFiles();
  assert.ok(files.length >= 7);
  for (const [name, path] of files) {
    const text = readFileSync(path, 'utf8');
    assert.equal(dumpYaml(parseYaml(text, name, PYTHON_NATIVE)), text, name);
    assert.equal(dumpYaml(parseYaml(text, name)), text, `${name} (default options)`);
  }
});

test('shared golden and guide-step files round-trip byte for byte', (t) => {
  if (!existsSync(SHARED)) return t.skip('../shared/fixtures is absent');
  const files: string[] = [];
  const golden = join(SHARED, 'dvc-golden');
  if (existsSync(golden)) {
    for (const n of readdirSync(join(golden, 'repo'))) if (n.endsWith('.dvc') || n === 'dvc.lock') files.push(join(golden, 'repo', n));
    for (const n of readdirSync(join(golden, 'run-cache'))) files.push(join(golden, 'run-cache', n));
  }
  const guide = join(SHARED, 'guide-steps');
  if (existsSync(guide)) {
    for (const step of readdirSync(guide)) {
      const dir = join(guide, step);
      if (existsSync(join(dir, 'dvc.lock'))) files.push(join(dir, 'dvc.lock'));
      if (existsSync(join(dir, 'data', 'data.xml.dvc'))) files.push(join(dir, 'data', 'data.xml.dvc'));
    }
  }
  assert.ok(files.length > 0);
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    assert.equal(dumpYaml(parseYaml(text, f, PYTHON_NATIVE)), text, f);
  }
});

test('golden dvc.lock folds long cmd lines like ruamel (first space after column 80, indent + 2)', () => {
  const lock = readFileSync(join(FIXTURES, 'golden', 'dvc.lock'), 'utf8');
  const parsed = parseYaml(lock, 'dvc.lock') as { stages: Record<string, { cmd: string }> };
  const cmd = parsed.stages.train.cmd;
  assert.ok(!cmd.includes('\n') && cmd.length > 200);
  const rebuilt = dumpYaml({ schema: '2.0', stages: { train: { cmd } } });
  assert.equal(
    rebuilt,
    "schema: '2.0'\nstages:\n  train:\n" +
      `    cmd: python3 -c "import json,yaml; lr=yaml.safe_load(open('params.yaml'))['train']['lr'];\n` +
      "      v=int(open('prepared.txt').read()); json.dump({'score':v*lr},open('metrics.json','w'));\n" +
      "      import os; os.makedirs('model',exist_ok=True); open('model/w.txt','w').write('w\\n')\"\n",
  );
});

// ---------------------------------------------------------------------------------------------
// Reference cases from ruamel.yaml 0.17.21 (scripts/gen-yaml-fixtures.py)

test(`dumpYaml matches ruamel.yaml byte for byte (${dumpCases.length} generated cases)`, () => {
  assert.ok(dumpCases.length >= 40);
  const failures: string[] = [];
  for (const c of dumpCases) {
    const got = dumpYaml(decode(c.input));
    if (got !== c.yaml) failures.push(`${c.name}:\n--- want\n${c.yaml}--- got\n${got}`);
  }
  assert.deepEqual(failures, []);
});

test(`parseYaml reads like ruamel's safe loader (${parseCases.length} generated cases)`, () => {
  for (const c of parseCases) {
    if (c.error !== undefined) {
      assert.throws(
        () => parseYaml(c.text, `${c.name}.yaml`, PYTHON_NATIVE),
        (e: unknown) => e instanceof FileFormatError && e.message.includes(`${c.name}.yaml`),
        `${c.name} should fail (ruamel: ${c.error})`,
      );
      continue;
    }
    const got = parseYaml(c.text, `${c.name}.yaml`, PYTHON_NATIVE);
    assert.deepStrictEqual(got, decode(c.value), c.name);
    assert.equal(dumpYaml(got), c.dump, `${c.name}: parse → dump`);
  }
});

// ---------------------------------------------------------------------------------------------
// API behaviour

test('YamlFloat forces float output; plain integral numbers are ints', () => {
  assert.equal(dumpYaml({ a: yamlFloat(1), b: 1, c: 0.5, d: yamlFloat(1e16), e: -0, f: 10 ** 21 }), 'a: 1.0\nb: 1\nc: 0.5\nd: 1e+16\ne: -0.0\nf: 1000000000000000000000\n');
  assert.equal(dumpYaml({ n: NaN, i: Infinity, m: -Infinity, big: 12345678901234567890n }), 'n: .nan\ni: .inf\nm: -.inf\nbig: 12345678901234567890\n');
  const f = yamlFloat(2);
  assert.equal(f.valueOf() * 2, 4);
  assert.equal(JSON.stringify({ f }), '{"f":2}');
  assert.equal(String(f), '2.0');
});

test('keepFloats keeps integral floats as floats through parse → dump', () => {
  const text = 'lr: 1.0\nepochs: 10\nbig: 1e3\nsmall: 0.001\n';
  const plain = parseYaml(text, 'params.yaml') as Record<string, unknown>;
  assert.deepEqual(plain, { lr: 1, epochs: 10, big: 1000, small: 0.001 });
  assert.equal(dumpYaml(plain), 'lr: 1\nepochs: 10\nbig: 1000\nsmall: 0.001\n');
  const kept = parseYaml(text, 'params.yaml', { keepFloats: true }) as Record<string, unknown>;
  assert.ok(kept.lr instanceof YamlFloat);
  assert.equal(kept.epochs, 10);
  assert.equal(dumpYaml(kept), 'lr: 1.0\nepochs: 10\nbig: 1000.0\nsmall: 0.001\n');
  assert.deepEqual(unwrapYaml(kept), plain);
});

test('None is an empty value inside collections and `null` alone; empty collections are flow', () => {
  assert.equal(dumpYaml({ a: null, b: [null, 1], c: [], d: {} }), 'a:\nb:\n- \n- 1\nc: []\nd: {}\n');
  assert.equal(dumpYaml(null), 'null\n...\n');
  assert.equal(dumpYaml({}), '{}\n');
  assert.equal(dumpYaml({ a: undefined, b: 1 }), 'b: 1\n');
});

test('quoting follows ruamel: single quotes for look-alikes, double for newlines and control chars', () => {
  assert.equal(
    dumpYaml({ s: '2.0', t: 'true', y: 'yes', e: '', c: 'a: b', h: 'a #b', q: "it's", n: 'a\nb', b: '\x07', u: 'é日本', x: '😀' }),
    "s: '2.0'\nt: 'true'\ny: yes\ne: ''\nc: 'a: b'\nh: 'a #b'\nq: it's\nn: \"a\\nb\"\nb: \"\\a\"\nu: é日本\nx: 😀\n",
  );
});

test('Maps keep non-string keys and their order', () => {
  assert.equal(dumpYaml(new Map<unknown, unknown>([[2, 'b'], [1, 'a'], [null, 'n'], ['1', 's']])), "2: b\n1: a\nnull: n\n'1': s\n");
  const parsed = parseYaml("b: 1\n'10': 2\n2: 3\n", 'x.yaml', { exactKeys: true });
  assert.ok(parsed instanceof Map);
  assert.deepEqual([...parsed.keys()], ['b', '10', 2]);
  assert.equal(dumpYaml(parsed), "b: 1\n'10': 2\n2: 3\n");
});

test('dumpYaml refuses cycles and non-data values', () => {
  const a: Record<string, unknown> = {};
  a.self = a;
  assert.throws(() => dumpYaml(a), /cyclic/);
  assert.throws(() => dumpYaml({ f: () => 1 }), /cannot represent/);
  assert.throws(() => dumpYaml({ d: new Date(0) }), /cannot represent a Date/);
  assert.equal(dumpYaml({ t: new YamlTimestamp('2020-01-01'), n: Object.assign(Object.create(null), { a: 1 }) }), 't: 2020-01-01\nn:\n  a: 1\n');
  const shared = { x: 1 };
  assert.equal(dumpYaml({ a: shared, b: shared }), 'a:\n  x: 1\nb:\n  x: 1\n');
});

test('syntax errors become FileFormatError with file, line and column', () => {
  const cases: [string, number][] = [
    ['a: 1\nb: 2\na: 3\n', 3],
    ['stages:\n  train:\n    cmd: x\n   deps: y\n', 4],
    ['a: [1, 2\n', 2],
    ['a: 1\n---\nb: 2\n', 2],
  ];
  for (const [text, line] of cases) {
    assert.throws(
      () => parseYaml(text, 'dvc.yaml'),
      (e: unknown) => {
        assert.ok(e instanceof FileFormatError, String(e));
        assert.equal(e.code, 'FILE_FORMAT');
        assert.equal(e.data.file, 'dvc.yaml');
        assert.equal(e.data.line, line, `${JSON.stringify(text)}: ${e.message}`);
        assert.equal(typeof e.data.column, 'number');
        assert.match(e.message, /^'dvc\.yaml' is malformed: YAML error at line \d+, column \d+: /);
        return true;
      },
    );
  }
});

test('parseYamlDocument / lineOf name the line of a key', () => {
  const text = readFileSync(join(FIXTURES, 'golden', 'dvc.yaml'), 'utf8');
  const doc = parseYamlDocument(text, 'dvc.yaml');
  assert.equal(lineOf(doc, ['stages', 'train', 'cmd']), 11);
  assert.equal(doc.lineOf(['stages', 'prep']), 2);
  assert.deepEqual(doc.positionOf(['stages', 'train', 'metrics', 0, 'metrics.json', 'cache']), { line: 20, column: 9 });
  assert.equal(doc.lineOf(['stages', 'nope']), undefined);
  assert.equal((doc.value as { stages: Record<string, unknown> }).stages.prep !== undefined, true);
});

test('empty documents parse to null; merge keys put merged entries first like ruamel', () => {
  assert.equal(parseYaml('', 'e.yaml'), null);
  assert.equal(parseYaml('# c\n', 'e.yaml'), null);
  assert.deepEqual(
    Object.keys(parseYaml('b: &b {x: 1}\nd:\n  y: 2\n  <<: *b\n', 'm.yaml') as { d: object }),
    ['b', 'd'],
  );
  const merged = (parseYaml('b: &b {x: 1}\nd:\n  y: 2\n  <<: *b\n', 'm.yaml') as { d: object }).d;
  assert.deepEqual(Object.keys(merged), ['x', 'y']);
  assert.equal(parseYaml("'<<': 1\n", 'q.yaml') instanceof Object, true);
  assert.deepEqual(parseYaml("'<<': 1\n", 'q.yaml'), { '<<': 1 });
});
