// Params files: DVC's tests/unit/utils/serialize/test_python.py and tests/unit/dependency/test_params.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileFormatError, PipelineError } from '../../src/errors/index.js';
import { flatten, getParam, lookupParam, readParamFile, resolveParams } from '../../src/pipeline/paramfile.js';
import { dumpYaml, unwrapYaml, YamlFloat } from '../../src/util/yaml.js';

// ---- test_python.py::test_parse_valid_types / test_parse_invalid_types
const PY_VALID: [string, unknown][] = [
  ['BOOL = True', { BOOL: true }],
  ['INT = 5', { INT: 5 }],
  ['FLOAT = 0.001', { FLOAT: 0.001 }],
  ["STR = 'abc'", { STR: 'abc' }],
  ["DICT = {'a': 1, 'b': 2}", { DICT: { a: 1, b: 2 } }],
  ['LIST = [1, 2, 3]', { LIST: [1, 2, 3] }],
  ['SET = {1, 2, 3}', { SET: [1, 2, 3] }],
  ['TUPLE = (10, 100)', { TUPLE: [10, 100] }],
  ['NONE = None', { NONE: null }],
  ['UNARY_OP = -1', { UNARY_OP: -1 }],
  [
    `class TrainConfig:

            EPOCHS = 70

            def __init__(self):
                self.layers = 5
                self.layers = 9  # TrainConfig.layers param will be 9
                bar = 3  # Will NOT be found since it's locally scoped
            `,
    { TrainConfig: { EPOCHS: 70, layers: 9 } },
  ],
];
for (const [text, want] of PY_VALID) {
  test(`.py params: ${text.split('\n')[0]}`, () => {
    assert.deepEqual(readParamFile(text, 'foo.py'), want);
  });
}
for (const text of ['CONSTRUCTOR = dict(a=1, b=2)', 'SUM = 1 + 2']) {
  test(`.py params: non-literal skipped: ${text}`, () => {
    assert.deepEqual(readParamFile(text, 'foo.py'), {});
  });
}

test('.py params: test_read_params_py cases', () => {
  const text = "INT: int = 5\nFLOAT = 0.001\nSTR = 'abc'\nBOOL: bool = True\nDICT = {'a': 1}\nLIST = [1, 2, 3]\nSET = {4, 5, 6}\nTUPLE = (10, 100)\nNONE = None\n";
  assert.deepEqual(readParamFile(text, 'parameters.py'), {
    INT: 5,
    FLOAT: 0.001,
    STR: 'abc',
    BOOL: true,
    DICT: { a: 1 },
    LIST: [1, 2, 3],
    SET: [4, 5, 6],
    TUPLE: [10, 100],
    NONE: null,
  });
  const cls = readParamFile("class Train:\n    foo = 'val1'\n    bar = 'val2'\n", 'parameters.py');
  assert.equal(getParam(cls, 'Train.foo'), 'val1');
  assert.deepEqual(getParam(cls, 'Train'), { foo: 'val1', bar: 'val2' });
  const klass = readParamFile(
    "x = 4\nconfig.x = 3\nclass Klass:\n    def __init__(self):\n        self.a = 'val1'\n        container.a = 2\n        self.container.a = 1\n        a = 'val2'\n",
    'parameters.py',
  );
  assert.deepEqual(klass, { x: 4, Klass: { a: 'val1' } });
});

test('.py params: strings, floats, comments, continuations, decorators, dataclasses', () => {
  const text = [
    '"""Module docstring with x = 1"""',
    'import os',
    "A = 'it''s'  # adjacent literals",
    'B = r"C:\\dir"',
    'C = "tab\\tnew\\nline"',
    'D = 1.0',
    'E = 1e3',
    'F = 0x10',
    'G = [',
    '    1,  # one',
    '    2,',
    ']',
    'H = 1, 2',
    'I = \\',
    '    7',
    "J = '''multi",
    "line'''",
    'K = os.getcwd()',
    'L = M = 3',
    'if __name__ == "__main__":',
    '    N = 5',
    '@dataclass',
    'class Cfg:',
    '    lr: float = 0.1',
    '    epochs: int = 10',
    '    name: str',
    '    class Inner: depth = 2; width = 3',
    '    def method(self):',
    '        self.hidden = 1',
  ].join('\n');
  const d = readParamFile(text, 'params.py') as Record<string, unknown>;
  assert.deepEqual(unwrapYaml(d), {
    A: 'its',
    B: 'C:\\dir',
    C: 'tab\tnew\nline',
    D: 1,
    E: 1000,
    F: 16,
    G: [1, 2],
    H: [1, 2],
    I: 7,
    J: 'multi\nline',
    Cfg: { lr: 0.1, epochs: 10, Inner: { depth: 2, width: 3 } },
  });
  assert.ok(d.D instanceof YamlFloat, '1.0 stays a float');
  assert.ok(d.E instanceof YamlFloat, '1e3 is a float');
});

test('.py params: broken syntax → FileFormatError', () => {
  assert.throws(() => readParamFile("X = 'unterminated\n", 'p.py'), (e: unknown) => e instanceof FileFormatError && /Python file structure is corrupted/.test(e.message));
  assert.throws(() => readParamFile('X = [1, 2\n', 'p.py'), FileFormatError);
});

// ---- YAML / JSON / TOML

test('YAML params keep floats, ints and key order; empty file is {}', () => {
  const d = readParamFile('b: 1.0\na: 2\n10: x\nc: 0.5\n', 'params.yaml');
  assert.ok(d instanceof Map, 'integer-like keys keep their order in a Map');
  assert.deepEqual([...(d as Map<unknown, unknown>).keys()], ['b', 'a', 10, 'c']);
  assert.ok((d as Map<unknown, unknown>).get('b') instanceof YamlFloat);
  assert.equal(dumpYaml(d), "b: 1.0\na: 2\n10: x\nc: 0.5\n");
  assert.deepEqual(readParamFile('', 'params.yaml'), {});
  assert.deepEqual(readParamFile('# only a comment\n', 'params.yaml'), {});
  // every suffix other than json/toml/py is YAML (test_read_params_default_loader)
  assert.deepEqual(getParam(readParamFile('some:\n  path:\n    foo: [val1, val2]\n', 'parameters.foo'), 'some.path.foo'), ['val1', 'val2']);
});

test('unreadable params → FileFormatError naming the file (test_read_params_unsupported_format / wrong_suffix)', () => {
  assert.throws(() => readParamFile('\0\x01\x02\x03', 'params.yaml'), (e: unknown) => e instanceof FileFormatError && e.data.file === 'params.yaml');
  assert.throws(() => readParamFile('some:\n  path:\n    foo: [val1]\n', 'parameters.toml'), (e: unknown) => e instanceof FileFormatError && /TOML/.test(e.message));
  assert.throws(() => readParamFile('{"a": }', 'params.json'), (e: unknown) => e instanceof FileFormatError && /JSON/.test(e.message));
});

test('JSON params as Python json.loads: floats stay floats, NaN, big ints, last duplicate wins', () => {
  const d = readParamFile('{"a": 1.0, "b": 1e3, "c": 12345678901234567890, "d": NaN, "e": -Infinity, "a2": 0.25, "x": 1, "x": 2, "s": "\\u00e9\\n"}', 'params.json') as Record<string, unknown>;
  assert.ok(d.a instanceof YamlFloat);
  assert.ok(d.b instanceof YamlFloat);
  assert.equal(d.c, 12345678901234567890n);
  assert.ok(Number.isNaN(d.d as number));
  assert.equal(d.e, -Infinity);
  assert.equal(d.a2, 0.25);
  assert.equal(d.x, 2);
  assert.equal(d.s, 'é\n');
  assert.throws(() => readParamFile('', 'params.json'), FileFormatError); // json.loads('') fails too
  assert.deepEqual(readParamFile('[]', 'params.json'), {});
});

test('TOML params (test_read_params_toml)', () => {
  const d = readParamFile('[some.path]\nfoo = ["val1", "val2"]\n[train]\nlr = 0.01\nepochs = 10\n', 'parameters.TOML');
  assert.deepEqual(getParam(d, 'some.path.foo'), ['val1', 'val2']);
  assert.equal(getParam(d, 'train.lr'), 0.01);
  assert.equal(getParam(d, 'train.epochs'), 10);
});

// ---- lookup

test('dpath lookup: nested keys, list indexes, globs, missing', () => {
  const d = readParamFile('a:\n  b: [x, {c: 1}]\n  d: 2\ntrain:\n  lr: 0.1\n', 'params.yaml');
  assert.equal(getParam(d, 'a.b.0'), 'x');
  assert.equal(getParam(d, 'a.b.1.c'), 1);
  assert.deepEqual(getParam(d, 'a'), { b: ['x', { c: 1 }], d: 2 });
  assert.equal(getParam(d, 'tr*.lr'), 0.1);
  assert.deepEqual(lookupParam(d, 'a.z'), { found: false });
  assert.deepEqual(lookupParam(d, 'a.d.x'), { found: false });
  assert.throws(() => getParam(d, 'a.*'), /more than one/);
  assert.throws(
    () => getParam(d, 'nope', 'params.yaml'),
    (e: unknown) => e instanceof PipelineError && e.message === "Parameters 'nope' are missing from 'params.yaml'." && (e.data.keys as string[])[0] === 'nope',
  );
});

test('flatten: dotted keys, lists are leaves, empty dicts vanish', () => {
  assert.deepEqual(flatten({ a: { b: 1, c: { d: [1, 2] }, e: {} }, f: 'x' }), { 'a.b': 1, 'a.c.d': [1, 2], f: 'x' });
});

test('resolveParams: values by file as written, whole files, missing keys and files', () => {
  const files: Record<string, string> = {
    '/r/params.yaml': 'train:\n  lr: 1.0\n  epochs: 3\nprep: {a: 1}\n',
    '/r/sub/custom.json': '{"z": 1, "a": {"b": 2}}',
  };
  const read = (abs: string) => files[abs];
  const stage = {
    name: 'train',
    params: [
      { file: 'params.yaml', abs: '/r/params.yaml', keys: ['train.lr', 'prep'] },
      { file: 'custom.json', abs: '/r/sub/custom.json', keys: null },
    ],
  };
  const v = resolveParams(stage, read, { repoRoot: '/r' });
  assert.deepEqual(Object.keys(v), ['params.yaml', 'custom.json']);
  assert.ok(v['params.yaml']['train.lr'] instanceof YamlFloat);
  assert.deepEqual(unwrapYaml(v), { 'params.yaml': { 'train.lr': 1, prep: { a: 1 } }, 'custom.json': { z: 1, a: { b: 2 } } });
  assert.throws(
    () => resolveParams({ name: 's', params: [{ file: 'params.yaml', abs: '/r/params.yaml', keys: ['train.lr', 'x.y', 'z'] }] }, read),
    (e: unknown) => e instanceof PipelineError && e.message === "Parameters 'x.y, z' are missing from 'params.yaml'." && e.data.stage === 's',
  );
  assert.throws(
    () => resolveParams({ name: 's', params: [{ file: 'other.yaml', abs: '/r/sub/other.yaml', keys: ['a'] }] }, read, { repoRoot: '/r' }),
    (e: unknown) => e instanceof PipelineError && e.message === "Parameters file 'sub/other.yaml' does not exist",
  );
});
