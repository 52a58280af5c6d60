/**
 * Model packages beyond the example: the JS runtime (an ES module's load(dir) → methods), a
 * bundled processing module, generic ONNX graphs (signature from the graph's inputs/outputs,
 * outputs by name), and keel-model.yaml validation (each error names its field).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataType, encodeModel } from '../../src/model/onnx/index.js';
import { parseMeta, formatMeta, validateMeta } from '../../src/model/meta.js';
import { loadModel, saveModel, readMeta } from '../../src/index.js';
import type { ModelMeta } from '../../src/model/types.js';
import { cleanup, makeTempDir } from '../helpers/git.js';

const JS_MODEL = `
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
export const signatures = {
  predict: { input: { type: 'array', items: { type: 'number' } }, output: { type: 'array', items: { type: 'number' } }, description: 'x * w + b' },
};
export async function load(dir) {
  const { w, b } = JSON.parse(readFileSync(join(dir, 'weights.json'), 'utf8'));
  let closed = false;
  return {
    methods: {
      predict: async (xs) => xs.map((x) => x * w + b),
      describe: () => ({ w, b, closed }),
    },
    close() { closed = true; },
  };
}
`;

/** y = x + 1 and z = 2x for x float [N, 3]: a graph with two outputs. */
function twoOutputGraph(): Uint8Array {
  return encodeModel({
    opsetImports: [{ domain: '', version: 17 }],
    producerName: 'test',
    graph: {
      name: 'two',
      nodes: [
        { opType: 'Add', inputs: ['x', 'one'], outputs: ['y'] },
        { opType: 'Mul', inputs: ['x', 'two'], outputs: ['z'] },
      ],
      initializers: [
        { name: 'one', dataType: DataType.FLOAT, dims: [], data: [1] },
        { name: 'two', dataType: DataType.FLOAT, dims: [], data: [2] },
      ],
      inputs: [{ name: 'x', elemType: DataType.FLOAT, shape: ['N', 3] }],
      outputs: [
        { name: 'y', elemType: DataType.FLOAT, shape: ['N', 3] },
        { name: 'z', elemType: DataType.FLOAT, shape: ['N', 3] },
      ],
    },
  });
}

/** s = a + b for int64 a, b [N]: one output, two inputs. */
function sumGraph(): Uint8Array {
  return encodeModel({
    opsetImports: [{ domain: '', version: 17 }],
    graph: {
      name: 'sum',
      nodes: [{ opType: 'Add', inputs: ['a', 'b'], outputs: ['s'] }],
      inputs: [
        { name: 'a', elemType: DataType.INT64, shape: ['N'] },
        { name: 'b', elemType: DataType.INT64, shape: ['N'] },
      ],
      outputs: [{ name: 's', elemType: DataType.INT64, shape: ['N'] }],
    },
  });
}

describe('model packages: runtimes and metadata', () => {
  let dir: string;
  before(() => {
    dir = makeTempDir('keel-pkg-');
    fs.mkdirSync(path.join(dir, 'linear'));
    fs.writeFileSync(path.join(dir, 'linear/model.mjs'), JS_MODEL);
    fs.writeFileSync(path.join(dir, 'linear/weights.json'), JSON.stringify({ w: 2, b: 0.5 }));
    fs.writeFileSync(path.join(dir, 'two.onnx'), twoOutputGraph());
    fs.writeFileSync(path.join(dir, 'sum.onnx'), sumGraph());
  });
  after(() => cleanup(dir));

  test('JS runtime: a directory with model.mjs → package → load → predict; close reaches the module', async () => {
    const r = await saveModel({ cwd: dir, source: 'linear', out: 'pkgs/linear', sample: [1, 2] });
    assert.equal(r.meta.runtime, 'js');
    assert.equal(r.meta.entry, 'model.mjs');
    assert.deepEqual(r.meta.artifacts.map((a) => a.path), ['model.mjs', 'weights.json']);
    assert.deepEqual(r.meta.methods.map((m) => [m.name, m.description]), [['predict', 'x * w + b'], ['describe', undefined]]);
    assert.deepEqual(r.meta.methods[0].input, { type: 'array', items: { type: 'number' } });
    assert.deepEqual(r.meta.methods[1].input, {}, 'no signature: any');
    const m = await loadModel<{ predict(xs: number[]): Promise<number[]>; describe(): Promise<{ closed: boolean }> }>(r.dir);
    assert.deepEqual(await m.methods.predict([1, 2, 3]), [2.5, 4.5, 6.5]);
    assert.equal((await m.methods.describe(undefined as never)).closed, false);
    await m.close();
    assert.equal((await m.methods.describe(undefined as never)).closed, true);
    // the package is self-contained: the source may go
    fs.cpSync(r.dir, path.join(dir, 'moved'), { recursive: true });
    const m2 = await loadModel(path.join(dir, 'moved'));
    assert.deepEqual(await m2.methods.predict([0]), [0.5]);
    await m2.close();
  });

  test('a processing module: preprocess and postprocess wrap the runtime', async () => {
    fs.writeFileSync(path.join(dir, 'double.mjs'), 'export function load() { return { methods: { predict: (xs) => xs.map((x) => 2 * x) } }; }\n');
    fs.writeFileSync(
      path.join(dir, 'proc.mjs'),
      `export function preprocess(method, data) { return data.map((d) => d.value); }
       export function postprocess(method, out, input) { return out.map((y, i) => ({ id: input[i].id, y })); }
       export const signatures = { predict: { input: { type: 'array', items: { type: 'object' } } } };`,
    );
    const r = await saveModel({ cwd: dir, source: 'double.mjs', kind: 'js', out: 'pkgs/proc', processing: 'proc.mjs', sample: [{ id: 'a', value: 1 }] });
    assert.equal(r.meta.processing, 'proc.mjs');
    assert.deepEqual(r.meta.methods[0].input, { type: 'array', items: { type: 'object' } }, 'the module’s signature wins');
    assert.deepEqual(r.meta.artifacts.map((a) => a.path), ['double.mjs', 'proc.mjs']);
    const m = await loadModel(r.dir);
    assert.deepEqual(await m.methods.predict([{ id: 'a', value: 1 }, { id: 'b', value: 4 }]), [{ id: 'a', y: 2 }, { id: 'b', y: 8 }]);
    await m.close();
    // a single file whose load() needs a file that was not packaged fails at save, with the reason
    await assert.rejects(saveModel({ cwd: dir, source: 'linear/model.mjs', out: 'pkgs/lonely' }), (e: Error & { code?: string }) => e.code === 'FILE_FORMAT' && /load\(dir\) failed: ENOENT/.test(e.message));
  });

  test('a JS model whose load() fails on its sample is not saved', async () => {
    await assert.rejects(
      saveModel({ cwd: dir, source: 'linear', out: 'pkgs/bad-sample', sample: 'not a list' }),
      /sample input does not run through 'predict'/,
    );
    assert.ok(!fs.existsSync(path.join(dir, 'pkgs/bad-sample')));
  });

  test('generic ONNX, two outputs: predict returns every output by name; schemas from the graph', async () => {
    const r = await saveModel({ cwd: dir, source: 'two.onnx', out: 'pkgs/two', sample: [[1, 2, 3]] });
    assert.equal(r.meta.entry, 'model.onnx');
    assert.deepEqual(r.meta.methods.map((m) => m.name), ['predict']);
    const row = { type: 'array', items: { type: 'number' }, minItems: 3, maxItems: 3 };
    assert.deepEqual(r.meta.methods[0].input, { type: 'array', items: row });
    assert.deepEqual(r.meta.methods[0].output, {
      type: 'object',
      properties: { y: { type: 'array', items: row }, z: { type: 'array', items: row } },
      required: ['y', 'z'],
      additionalProperties: false,
    });
    const m = await loadModel(r.dir);
    assert.deepEqual(await m.methods.predict([[1, 2, 3], [0.1, 0, -1]]), { y: [[2, 3, 4], [1.1, 1, 0]], z: [[2, 4, 6], [0.2, 0, -2]] });
    await assert.rejects(m.methods.predict([[1, 2]]), /dimension 1 must be 3, got 2/);
    await assert.rejects(m.methods.predict([[1, 2, 3], [1]]), /ragged/);
    await assert.rejects(m.methods.predict([['a', 2, 3]]), /value #0 must be a finite number/);
    await m.close();
  });

  test('generic ONNX, two inputs and one output: an object in, the bare output out; output_name picks an output', async () => {
    const r = await saveModel({ cwd: dir, source: 'sum.onnx', out: 'pkgs/sum' });
    assert.deepEqual(r.meta.methods[0].input, {
      type: 'object',
      properties: { a: { type: 'array', items: { type: 'integer' } }, b: { type: 'array', items: { type: 'integer' } } },
      required: ['a', 'b'],
      additionalProperties: false,
    });
    assert.equal(r.meta.methods[0].output_name, 's');
    const m = await loadModel(r.dir);
    assert.deepEqual(await m.methods.predict({ a: [1, 2], b: [10, 20] }), [11, 22]);
    await assert.rejects(m.methods.predict({ a: [1] }), /input 'b' is missing/);
    await m.close();
    // a method mapped to an output the graph lacks is refused at load
    const metaFile = path.join(r.dir, 'keel-model.yaml');
    fs.writeFileSync(metaFile, fs.readFileSync(metaFile, 'utf8').replace('output_name: s', 'output_name: nope'));
    await assert.rejects(loadModel(r.dir), /returns output 'nope', which the graph does not have/);
  });

  test('keel-model.yaml: written, read back equal; every malformed field is named', async () => {
    const meta = await readMeta(path.join(dir, 'pkgs/two'));
    assert.deepEqual(parseMeta(formatMeta(meta)), meta);
    const base = JSON.parse(JSON.stringify(meta)) as Record<string, unknown>;
    const cases: [string, (m: Record<string, any>) => void, RegExp][] = [
      ['keel_model', (m) => (m.keel_model = 2), /keel_model must be 1/],
      ['name', (m) => delete m.name, /name must be a non-empty string/],
      ['runtime', (m) => (m.runtime = 'pickle'), /runtime must be one of onnx, js, got "pickle"/],
      ['artifacts[0].md5', (m) => (m.artifacts[0].md5 = 'xyz'), /artifacts\[0\]\.md5 must be 32 lower-case hex digits/],
      ['artifacts[0].path', (m) => (m.artifacts[0].path = '../etc/passwd'), /must be a relative path inside the package/],
      ['artifacts[0].size', (m) => (m.artifacts[0].size = -1), /artifacts\[0\]\.size must be a non-negative integer/],
      ['entry', (m) => (m.entry = 'other.onnx'), /entry must name one of the artifacts/],
      ['methods', (m) => (m.methods = []), /methods must be a non-empty list/],
      ['methods[0].input', (m) => (m.methods[0].input = 'float'), /methods\[0\]\.input must be a JSON Schema/],
      ['methods[0].name', (m) => (m.methods[0].name = 'pre dict'), /methods\[0\]\.name must be an identifier/],
      ['methods[0].batchable', (m) => (m.methods[0].batchable = 'yes'), /methods\[0\]\.batchable must be true or false/],
      ['requirements.keel', (m) => (m.requirements.keel = 1), /requirements\.keel must be a version string/],
      ['lineage.created', (m) => (m.lineage.created = 'yesterday'), /lineage\.created must be an ISO 8601 time/],
      ['lineage.git.dirty', (m) => (m.lineage.git = { commit: 'abcdef1', dirty: 'no' }), /lineage\.git\.dirty must be true or false/],
      ['colour', (m) => (m.colour = 'blue'), /colour is not a known field/],
    ];
    for (const [field, mutate, re] of cases) {
      const m = JSON.parse(JSON.stringify(base)) as Record<string, any>;
      mutate(m);
      assert.throws(
        () => validateMeta(m, 'pkg/keel-model.yaml'),
        (e: Error & { code?: string; data?: Record<string, unknown> }) => {
          assert.equal(e.code, 'FILE_FORMAT', field);
          assert.match(e.message, /^'pkg\/keel-model\.yaml' is malformed: /);
          assert.match(e.message, re);
          assert.equal(e.data?.field, field);
          return true;
        },
      );
    }
    // through the file: a YAML syntax error and a wrong field, both refused by loadModel
    const bad = path.join(dir, 'pkgs/badmeta');
    fs.cpSync(path.join(dir, 'pkgs/two'), bad, { recursive: true });
    fs.writeFileSync(path.join(bad, 'keel-model.yaml'), 'keel_model: 1\nname: [unclosed\n');
    await assert.rejects(loadModel(bad), (e: Error & { code?: string }) => e.code === 'FILE_FORMAT' && /keel-model\.yaml/.test(e.message));
    fs.writeFileSync(path.join(bad, 'keel-model.yaml'), formatMeta(meta).replace('runtime: onnx', 'runtime: tensorflow'));
    await assert.rejects(loadModel(bad), /runtime must be one of onnx, js/);
    await assert.rejects(loadModel(path.join(dir, 'linear')), (e: Error & { code?: string }) => e.code === 'NOT_FOUND' && /not a model package/.test(e.message));
  });

  test('formatMeta writes lineage with the stage’s lock entry as YAML that reads back', () => {
    const meta: ModelMeta = {
      keel_model: 1,
      name: 'm',
      runtime: 'onnx',
      artifacts: [{ path: 'model.onnx', md5: '0'.repeat(32), size: 1 }],
      methods: [{ name: 'predict', input: { type: 'array' }, output: {} }],
      requirements: { keel: '0.1.0' },
      lineage: {
        created: '2024-01-02T03:04:05.000Z',
        git: { commit: 'a'.repeat(40), dirty: true, branch: 'main' },
        stage: { name: 'train', file: 'dvc.yaml', lock: { cmd: 'node dist/train.js', deps: [{ path: 'data/features', hash: 'md5', md5: 'b'.repeat(32) + '.dir', size: 3, nfiles: 3 }] } },
        params: { 'params.yaml': { 'train.n_est': 50, 'train.seed': 20170428 } },
        metrics: { 'evaluation/metrics.json': { avg_prec: 0.9, roc_auc: 0.95 } },
      },
    };
    const text = formatMeta(meta);
    assert.match(text, /^keel_model: 1\nname: m\nruntime: onnx\n/);
    assert.deepEqual(parseMeta(text), meta);
  });
});
