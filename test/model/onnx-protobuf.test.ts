/**
 * The protobuf writer (byte-exact against the wire format's documented examples), the reader it
 * is checked with, and ModelProto encoding: field numbers read back, then a small graph of
 * standard operators run by onnxruntime-node.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import {
  asInt64,
  ProtoWriter,
  readFields,
  readFloats,
  readPackedVarints,
  readString,
  type ProtoField,
} from '../../src/model/onnx/protobuf.js';
import { attr, DataType, encodeModel, type ModelSpec } from '../../src/model/onnx/onnx.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const write = (f: (w: ProtoWriter) => void): Uint8Array => {
  const w = new ProtoWriter(1); // tiny initial size: every write goes through the growth path
  f(w);
  return w.finish();
};

describe('protobuf writer', () => {
  test('varints: the encoding guide’s examples and the 64-bit edges', () => {
    assert.equal(hex(write((w) => w.varint(1, 150))), '089601'); // the guide's "Test1.a = 150"
    assert.equal(hex(write((w) => w.rawVarint(0))), '00');
    assert.equal(hex(write((w) => w.rawVarint(1))), '01');
    assert.equal(hex(write((w) => w.rawVarint(127))), '7f');
    assert.equal(hex(write((w) => w.rawVarint(128))), '8001');
    assert.equal(hex(write((w) => w.rawVarint(300))), 'ac02');
    assert.equal(hex(write((w) => w.rawVarint(2 ** 32))), '8080808010');
    assert.equal(hex(write((w) => w.rawVarint(Number.MAX_SAFE_INTEGER))), 'ffffffffffffff0f');
    // negative int32/int64: ten bytes of two's complement
    assert.equal(hex(write((w) => w.rawVarint(-1))), 'ffffffffffffffffff01');
    assert.equal(hex(write((w) => w.rawVarint(-2n))), 'feffffffffffffffff01');
    assert.equal(hex(write((w) => w.rawVarint((1n << 64n) - 1n))), 'ffffffffffffffffff01');
    assert.equal(hex(write((w) => w.rawVarint(-(1n << 63n)))), '80808080808080808001');
    assert.equal(hex(write((w) => w.varint(2, true))), '1001');
    assert.throws(() => write((w) => w.rawVarint(1.5)), RangeError);
    assert.throws(() => write((w) => w.rawVarint(2 ** 60)), /not a safe integer/);
    assert.throws(() => write((w) => w.rawVarint(1n << 64n)), /64 bits/);
    assert.throws(() => write((w) => w.varint(0, 1)), /field number/);
  });

  test('strings, bytes, nested messages, fixed-width and packed fields', () => {
    assert.equal(hex(write((w) => w.string(2, 'testing'))), '120774657374696e67'); // the guide's Test2.b
    assert.equal(hex(write((w) => w.message(3, (m) => m.varint(1, 150)))), '1a03089601'); // Test3.c
    assert.equal(hex(write((w) => w.string(1, 'é'))), '0a02c3a9');
    assert.equal(hex(write((w) => w.float(1, 1))), '0d0000803f');
    assert.equal(hex(write((w) => w.double(1, 1))), '09000000000000f03f');
    assert.equal(hex(write((w) => w.packedVarints(4, [3, 270, 86942]))), '2206038e029ea705'); // the guide's packed example
    assert.equal(hex(write((w) => w.packedFloats(1, [1, -2]))), '0a080000803f000000c0');
    assert.equal(hex(write((w) => w.packedVarints(4, []))), ''); // an empty repeated field is absent
    const big = write((w) => w.bytes(5, new Uint8Array(1000).fill(7)));
    assert.equal(big.length, 1 + 2 + 1000);
  });

  test('the reader reads back what the writer wrote', () => {
    const buf = write((w) => {
      w.varint(1, -5);
      w.string(2, 'naïve ☃');
      w.float(3, 0.1);
      w.packedVarints(4, [0, 1, 2 ** 40, -7]);
      w.packedFloats(5, [0.5, 1e-30]);
      w.message(6, (m) => m.varint(1, 42));
    });
    const f = readFields(buf);
    assert.deepEqual(f.map((x) => [x.field, x.wire]), [[1, 0], [2, 2], [3, 5], [4, 2], [5, 2], [6, 2]]);
    assert.equal(asInt64(f[0].varint!), -5n);
    assert.equal(readString(f[1].bytes!), 'naïve ☃');
    assert.equal(readFloats(f[2].bytes!)[0], Math.fround(0.1));
    assert.deepEqual(readPackedVarints(f[3].bytes!).map(asInt64), [0n, 1n, 2n ** 40n, -7n]);
    assert.deepEqual(readFloats(f[4].bytes!), [0.5, Math.fround(1e-30)]);
    assert.equal(readFields(f[5].bytes!)[0].varint, 42n);
    assert.throws(() => readFields(buf.subarray(0, buf.length - 1)), /truncated/);
  });
});

/** Fields of a message grouped by number. */
function byField(buf: Uint8Array): Map<number, ProtoField[]> {
  const m = new Map<number, ProtoField[]>();
  for (const f of readFields(buf)) m.set(f.field, [...(m.get(f.field) ?? []), f]);
  return m;
}

describe('ModelProto encoding', () => {
  // y = x · W + b (float), picked = classes[index] (int64), with a Constant node's tensor attribute
  const spec: ModelSpec = {
    opsetImports: [{ domain: '', version: 17 }],
    producerName: 'keel-test',
    producerVersion: '1.2.3',
    doc: 'a test model',
    graph: {
      name: 'affine',
      nodes: [
        { opType: 'MatMul', name: 'mm', inputs: ['x', 'W'], outputs: ['xw'] },
        {
          opType: 'Constant',
          name: 'bias',
          inputs: [],
          outputs: ['b'],
          attributes: { value: attr.tensor({ dataType: DataType.FLOAT, dims: [3], data: [0.5, -1, 2] }) },
        },
        { opType: 'Add', name: 'add', inputs: ['xw', 'b'], outputs: ['y'] },
        { opType: 'Gather', name: 'pick', inputs: ['classes', 'index'], outputs: ['picked'], attributes: { axis: attr.int(0) } },
      ],
      initializers: [
        { name: 'W', dataType: DataType.FLOAT, dims: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
        { name: 'classes', dataType: DataType.INT64, dims: [3], data: [-3, 10, 2 ** 40] },
      ],
      inputs: [
        { name: 'x', elemType: DataType.FLOAT, shape: ['N', 2] },
        { name: 'index', elemType: DataType.INT64, shape: ['M'] },
      ],
      outputs: [
        { name: 'y', elemType: DataType.FLOAT, shape: ['N', 3] },
        { name: 'picked', elemType: DataType.INT64, shape: ['M'] },
      ],
    },
    metadata: { author: 'keel', note: 'ünïcode' },
  };

  test('fields land on the numbers of onnx.proto3', () => {
    const model = byField(encodeModel(spec));
    assert.equal(model.get(1)![0].varint, 8n); // ir_version
    assert.equal(readString(model.get(2)![0].bytes!), 'keel-test');
    assert.equal(readString(model.get(3)![0].bytes!), '1.2.3');
    assert.equal(readString(model.get(6)![0].bytes!), 'a test model');
    const opset = byField(model.get(8)![0].bytes!);
    assert.equal(opset.get(1), undefined); // the default domain '' is not written
    assert.equal(opset.get(2)![0].varint, 17n);
    const meta = model.get(14)!.map((e) => byField(e.bytes!)).map((e) => [readString(e.get(1)![0].bytes!), readString(e.get(2)![0].bytes!)]);
    assert.deepEqual(meta, [['author', 'keel'], ['note', 'ünïcode']]);

    const graph = byField(model.get(7)![0].bytes!);
    assert.equal(readString(graph.get(2)![0].bytes!), 'affine');
    assert.equal(graph.get(1)!.length, 4); // nodes
    const constant = byField(graph.get(1)![1].bytes!);
    assert.equal(readString(constant.get(4)![0].bytes!), 'Constant'); // op_type
    const attribute = byField(constant.get(5)![0].bytes!);
    assert.equal(readString(attribute.get(1)![0].bytes!), 'value');
    assert.equal(attribute.get(20)![0].varint, 4n); // AttributeType.TENSOR
    const tensor = byField(attribute.get(5)![0].bytes!);
    assert.deepEqual(readPackedVarints(tensor.get(1)![0].bytes!), [3n]); // dims
    assert.equal(tensor.get(2)![0].varint, 1n); // FLOAT
    assert.deepEqual(readFloats(tensor.get(9)![0].bytes!), [0.5, -1, 2]); // raw_data
    const init = byField(graph.get(5)![1].bytes!);
    assert.equal(readString(init.get(8)![0].bytes!), 'classes');
    assert.equal(init.get(2)![0].varint, 7n); // INT64
    assert.deepEqual(Array.from(new BigInt64Array(init.get(9)![0].bytes!.slice().buffer)), [-3n, 10n, 2n ** 40n]);
    // input x: TypeProto.tensor_type { elem_type FLOAT, shape { dim_param N, dim_value 2 } }
    const x = byField(graph.get(11)![0].bytes!);
    const tensorType = byField(byField(x.get(2)![0].bytes!).get(1)![0].bytes!);
    assert.equal(tensorType.get(1)![0].varint, 1n);
    const dims = byField(tensorType.get(2)![0].bytes!).get(1)!.map((d) => byField(d.bytes!));
    assert.equal(readString(dims[0].get(2)![0].bytes!), 'N');
    assert.equal(dims[1].get(1)![0].varint, 2n);
  });

  test('onnxruntime-node loads and runs it', async () => {
    const session = await ort.InferenceSession.create(Buffer.from(encodeModel(spec)));
    assert.deepEqual([...session.inputNames], ['x', 'index']);
    assert.deepEqual([...session.outputNames], ['y', 'picked']);
    const out = await session.run({
      x: new ort.Tensor('float32', Float32Array.from([1, 0, 0.5, -2]), [2, 2]),
      index: new ort.Tensor('int64', BigInt64Array.from([2n, 0n, 1n]), [3]),
    });
    // [1, 0]·W + b = [1, 2, 3] + b; [0.5, -2]·W + b = [-7.5, -9, -10.5] + b
    assert.deepEqual(Array.from(out.y.data as Float32Array), [1.5, 1, 5, -7, -10, -8.5]);
    assert.deepEqual(out.y.dims, [2, 3]);
    assert.deepEqual(Array.from(out.picked.data as BigInt64Array), [2n ** 40n, -3n, 10n]);
    await session.release();
  });

  test('bad descriptions are refused before any bytes are written', () => {
    assert.throws(() => encodeModel({ ...spec, opsetImports: [] }), /at least one operator set/);
    const badTensor: ModelSpec = {
      ...spec,
      graph: { ...spec.graph, initializers: [{ name: 'W', dataType: DataType.FLOAT, dims: [2, 3], data: [1, 2] }] },
    };
    assert.throws(() => encodeModel(badTensor), /2 values for dims \[2, 3\]/);
    const unnamed: ModelSpec = { ...spec, graph: { ...spec.graph, initializers: [{ dataType: DataType.FLOAT, dims: [], data: [1] }] } };
    assert.throws(() => encodeModel(unnamed), /needs a name/);
  });
});
