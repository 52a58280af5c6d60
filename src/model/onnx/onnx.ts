/**
 * Build ONNX ModelProto bytes from a plain description: graph, nodes, attributes, initializers,
 * value infos, opset imports, metadata. Field numbers follow onnx/onnx.proto3 (IR version 8):
 *
 *   ModelProto      ir_version 1, producer_name 2, producer_version 3, domain 4, model_version 5,
 *                   doc_string 6, graph 7, opset_import 8, metadata_props 14
 *   OperatorSetId   domain 1, version 2
 *   StringString    key 1, value 2
 *   GraphProto      node 1, name 2, initializer 5, doc_string 10, input 11, output 12, value_info 13
 *   NodeProto       input 1, output 2, name 3, op_type 4, attribute 5, doc_string 6, domain 7
 *   AttributeProto  name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, strings 9, doc_string 13, type 20
 *   ValueInfoProto  name 1, type 2, doc_string 3
 *   TypeProto       tensor_type 1 { elem_type 1, shape 2 { dim 1 { dim_value 1 | dim_param 2 } } }
 *   TensorProto     dims 1, data_type 2, string_data 6, name 8, raw_data 9, doc_string 12
 *
 * Only what keel's exporters use is covered (tensor types; no subgraphs, sparse tensors or
 * functions). Repeated numeric attribute fields are written packed, which every protobuf parser
 * accepts for proto2 and proto3 schemas alike.
 */
import { ProtoWriter } from './protobuf.js';

/** TensorProto.DataType values. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  DOUBLE: 11,
} as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** The IR version written by default: IR 8 goes with opset 17 (onnx 1.12, the Debian build). */
export const DEFAULT_IR_VERSION = 8;

export type Attribute =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number | bigint }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: TensorSpec }
  | { kind: 'floats'; value: ArrayLike<number> }
  | { kind: 'ints'; value: ArrayLike<number | bigint> }
  | { kind: 'strings'; value: readonly string[] };

export const attr = {
  float: (value: number): Attribute => ({ kind: 'float', value }),
  int: (value: number | bigint): Attribute => ({ kind: 'int', value }),
  string: (value: string): Attribute => ({ kind: 'string', value }),
  tensor: (value: TensorSpec): Attribute => ({ kind: 'tensor', value }),
  floats: (value: ArrayLike<number>): Attribute => ({ kind: 'floats', value }),
  ints: (value: ArrayLike<number | bigint>): Attribute => ({ kind: 'ints', value }),
  strings: (value: readonly string[]): Attribute => ({ kind: 'strings', value }),
};

export interface NodeSpec {
  opType: string;
  /** '' (the default ONNX domain) or e.g. 'ai.onnx.ml'. */
  domain?: string;
  name?: string;
  inputs: readonly string[];
  outputs: readonly string[];
  /** Written in key order. */
  attributes?: Record<string, Attribute>;
  doc?: string;
}

/** A constant tensor (an initializer or a tensor attribute). Data is row-major. */
export interface TensorSpec {
  name?: string;
  dataType: DataTypeCode;
  dims: readonly number[];
  /** FLOAT: Float32Array or numbers; DOUBLE: Float64Array or numbers; INT64: BigInt64Array or
   *  integers; INT32/INT8/UINT8/BOOL: numbers; STRING: strings. */
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | readonly number[] | readonly bigint[] | readonly string[];
  doc?: string;
}

/** A dimension: a fixed size, or a symbolic name (e.g. 'N' for the batch). */
export type Dim = number | string;

export interface ValueInfoSpec {
  name: string;
  elemType: DataTypeCode;
  /** Omit for an unknown rank. */
  shape?: readonly Dim[];
  doc?: string;
}

export interface GraphSpec {
  name: string;
  nodes: readonly NodeSpec[];
  inputs: readonly ValueInfoSpec[];
  outputs: readonly ValueInfoSpec[];
  initializers?: readonly TensorSpec[];
  valueInfo?: readonly ValueInfoSpec[];
  doc?: string;
}

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface ModelSpec {
  irVersion?: number;
  opsetImports: readonly OpsetImport[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  doc?: string;
  graph: GraphSpec;
  /** ModelProto.metadata_props, in key order. */
  metadata?: Record<string, string>;
}

function elementCount(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1);
}

function writeTensor(w: ProtoWriter, t: TensorSpec): void {
  for (const d of t.dims) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`onnx: tensor ${t.name ?? ''} has a bad dimension ${d}`);
  }
  const n = elementCount(t.dims);
  if (t.data.length !== n) {
    throw new RangeError(`onnx: tensor ${t.name ?? ''} has ${t.data.length} values for dims [${t.dims.join(', ')}]`);
  }
  w.packedVarints(1, t.dims);
  w.varint(2, t.dataType);
  if (t.name !== undefined) w.string(8, t.name);
  if (t.doc !== undefined) w.string(12, t.doc);
  if (t.dataType === DataType.STRING) {
    for (const s of t.data as readonly string[]) w.string(6, s);
    return;
  }
  // raw_data: fixed-width little-endian values
  let raw: Uint8Array;
  const d = t.data;
  switch (t.dataType) {
    case DataType.FLOAT: {
      const a = d instanceof Float32Array ? d : Float32Array.from(d as readonly number[]);
      raw = new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
      break;
    }
    case DataType.DOUBLE: {
      const a = d instanceof Float64Array ? d : Float64Array.from(d as readonly number[]);
      raw = new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
      break;
    }
    case DataType.INT64: {
      const a = d instanceof BigInt64Array ? d : BigInt64Array.from(d as readonly (number | bigint)[], (x) => BigInt(x));
      raw = new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
      break;
    }
    case DataType.INT32: {
      const a = d instanceof Int32Array ? d : Int32Array.from(d as readonly number[]);
      raw = new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
      break;
    }
    case DataType.INT8:
      raw = new Uint8Array(Int8Array.from(d as readonly number[]).buffer);
      break;
    case DataType.UINT8:
    case DataType.BOOL:
      raw = Uint8Array.from(d as readonly number[]);
      break;
    default:
      throw new RangeError(`onnx: tensor data type ${String(t.dataType)} is not supported`);
  }
  // Typed arrays are in platform order; every platform Node supports for ORT is little-endian.
  w.bytes(9, raw);
}

function writeAttribute(w: ProtoWriter, name: string, a: Attribute): void {
  w.string(1, name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value);
      w.varint(20, AttrType.FLOAT);
      break;
    case 'int':
      w.varint(3, a.value);
      w.varint(20, AttrType.INT);
      break;
    case 'string':
      w.string(4, a.value);
      w.varint(20, AttrType.STRING);
      break;
    case 'tensor':
      w.message(5, (m) => writeTensor(m, a.value));
      w.varint(20, AttrType.TENSOR);
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      w.varint(20, AttrType.FLOATS);
      break;
    case 'ints':
      w.packedVarints(8, a.value);
      w.varint(20, AttrType.INTS);
      break;
    case 'strings':
      for (const s of a.value) w.string(9, s);
      w.varint(20, AttrType.STRINGS);
      break;
  }
}

function writeNode(w: ProtoWriter, n: NodeSpec): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name !== undefined) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, a] of Object.entries(n.attributes ?? {})) w.message(5, (m) => writeAttribute(m, k, a));
  if (n.doc !== undefined) w.string(6, n.doc);
  if (n.domain) w.string(7, n.domain);
}

function writeValueInfo(w: ProtoWriter, v: ValueInfoSpec): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.varint(1, v.elemType);
      if (v.shape !== undefined) {
        // an empty TensorShapeProto (rank 0) is still written, so a scalar differs from unknown rank
        tensor.message(2, (shape) => {
          for (const d of v.shape!) {
            shape.message(1, (dim) => {
              if (typeof d === 'number') {
                if (!Number.isInteger(d) || d < 0) throw new RangeError(`onnx: value ${v.name} has a bad dimension ${d}`);
                dim.varint(1, d);
              } else dim.string(2, d);
            });
          }
        });
      }
    }),
  );
  if (v.doc !== undefined) w.string(3, v.doc);
}

function writeGraph(w: ProtoWriter, g: GraphSpec): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers ?? []) {
    if (!t.name) throw new RangeError('onnx: an initializer needs a name');
    w.message(5, (m) => writeTensor(m, t));
  }
  if (g.doc !== undefined) w.string(10, g.doc);
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v));
  for (const v of g.valueInfo ?? []) w.message(13, (m) => writeValueInfo(m, v));
}

/** Serialise a model to ModelProto bytes (what `InferenceSession.create(bytes)` and `.onnx` files hold). */
export function encodeModel(m: ModelSpec): Uint8Array {
  if (m.opsetImports.length === 0) throw new RangeError('onnx: a model imports at least one operator set');
  const w = new ProtoWriter(4096);
  w.varint(1, m.irVersion ?? DEFAULT_IR_VERSION);
  if (m.producerName !== undefined) w.string(2, m.producerName);
  if (m.producerVersion !== undefined) w.string(3, m.producerVersion);
  if (m.domain !== undefined) w.string(4, m.domain);
  if (m.modelVersion !== undefined) w.varint(5, m.modelVersion);
  if (m.doc !== undefined) w.string(6, m.doc);
  w.message(7, (g) => writeGraph(g, m.graph));
  for (const o of m.opsetImports) {
    w.message(8, (op) => {
      if (o.domain) op.string(1, o.domain);
      op.varint(2, o.version);
    });
  }
  for (const [key, value] of Object.entries(m.metadata ?? {})) {
    w.message(14, (e) => {
      e.string(1, key);
      e.string(2, value);
    });
  }
  return w.finish();
}
