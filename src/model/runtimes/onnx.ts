/**
 * The ONNX runtime (onnxruntime-node): any .onnx model (keel's own export, skl2onnx, PyTorch,
 * XGBoost…). Signatures come from the graph's inputs and outputs:
 *
 * - a classifier (outputs `label` + `probabilities`, or skl2onnx's `output_label` +
 *   `output_probability` with zipmap=False) gets `predict` → the label and `predict_proba` → the
 *   probabilities;
 * - a graph with one output gets `predict` → that output;
 * - any other graph gets `predict` → every output, keyed by name.
 *
 * A method's `output_name` (keel-model.yaml) picks the output. Input: a nested JSON array for a
 * one-input graph, an object keyed by input name otherwise; a processing module may also hand a
 * tensor-like `{type, data, dims}` (typed array + shape), which skips the JSON conversion.
 */
import * as fs from 'node:fs/promises';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { FileFormatError, UsageError } from '../../errors/index.js';
import type { JsonSchema, MethodSignature, ModelMeta } from '../types.js';
import type { Runtime, RuntimeInstance } from '../runtime.js';

type Ort = typeof import('onnxruntime-node');
let ortPromise: Promise<Ort> | undefined;
const ort = (): Promise<Ort> => (ortPromise ??= import('onnxruntime-node'));

export interface TensorInfo {
  name: string;
  /** onnxruntime's type name: float32, int64, string, bool… */
  type: string;
  /** dims: numbers, symbolic names, or [] when unknown */
  shape: (number | string)[];
}

export interface GraphInfo {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

/** A tensor handed over by a processing module: a typed array (or list) and its shape. */
export interface TensorLike {
  type?: string;
  data: ArrayLike<number | bigint | string | boolean>;
  dims: readonly number[];
}

function infos(list: readonly InferenceSession.ValueMetadata[], what: string, file: string): TensorInfo[] {
  return list.map((m) => {
    if (!m.isTensor) throw new FileFormatError(file, `graph ${what} '${m.name}' is not a tensor (sequences and maps, e.g. skl2onnx's ZipMap, are not supported: export with zipmap=False)`);
    return { name: m.name, type: m.type, shape: [...m.shape] };
  });
}

/** Inputs and outputs of an ONNX model. */
export async function inspectOnnx(bytes: Uint8Array, file = 'model.onnx'): Promise<GraphInfo> {
  const { InferenceSession } = await ort();
  let s: InferenceSession;
  try {
    s = await InferenceSession.create(bytes);
  } catch (e) {
    throw new FileFormatError(file, `onnxruntime cannot load it: ${(e as Error).message}`, { cause: e });
  }
  try {
    return { inputs: infos(s.inputMetadata, 'input', file), outputs: infos(s.outputMetadata, 'output', file) };
  } finally {
    await s.release();
  }
}

function scalarSchema(type: string): JsonSchema {
  if (type === 'string') return { type: 'string' };
  if (type === 'bool') return { type: 'boolean' };
  if (/^u?int\d+$/.test(type)) return { type: 'integer' };
  return { type: 'number' };
}

/** JSON Schema of a tensor as nested arrays (fixed dims become minItems = maxItems). */
export function tensorSchema(t: Pick<TensorInfo, 'type' | 'shape'>): JsonSchema {
  let s = scalarSchema(t.type);
  for (let i = t.shape.length - 1; i >= 0; i--) {
    const d = t.shape[i];
    s = typeof d === 'number' && d > 0 ? { type: 'array', items: s, minItems: d, maxItems: d } : { type: 'array', items: s };
  }
  return s;
}

function objectSchema(ts: TensorInfo[]): JsonSchema {
  return {
    type: 'object',
    properties: Object.fromEntries(ts.map((t) => [t.name, tensorSchema(t)])),
    required: ts.map((t) => t.name),
    additionalProperties: false,
  };
}

/** The default methods of a graph (see the module comment). */
export function onnxMethods(g: GraphInfo): MethodSignature[] {
  const input = g.inputs.length === 1 ? tensorSchema(g.inputs[0]) : objectSchema(g.inputs);
  const out = (n: string): TensorInfo | undefined => g.outputs.find((o) => o.name === n);
  for (const [label, proba] of [
    ['label', 'probabilities'],
    ['output_label', 'output_probability'],
  ]) {
    const l = out(label);
    const p = out(proba);
    if (l && p) {
      return [
        { name: 'predict', input, output: tensorSchema(l), output_name: label, description: 'predicted class of each row' },
        { name: 'predict_proba', input, output: tensorSchema(p), output_name: proba, description: 'probability of each class, per row' },
      ];
    }
  }
  if (g.outputs.length === 1) return [{ name: 'predict', input, output: tensorSchema(g.outputs[0]), output_name: g.outputs[0].name }];
  return [{ name: 'predict', input, output: objectSchema(g.outputs), description: 'every graph output, keyed by name' }];
}

// ---------------------------------------------------------------------------------------------
// JSON ↔ tensors
// ---------------------------------------------------------------------------------------------

function isTensorLike(x: unknown): x is TensorLike {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'data' in x && 'dims' in x && Array.isArray((x as TensorLike).dims);
}

/** Nested arrays → flat values + dims; ragged arrays are refused. */
function flatten(value: unknown, name: string): { flat: unknown[]; dims: number[] } {
  const dims: number[] = [];
  let v = value;
  while (Array.isArray(v)) {
    dims.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  const flat: unknown[] = [];
  const walk = (x: unknown, depth: number, at: string): void => {
    if (depth === dims.length) {
      if (Array.isArray(x)) throw new UsageError(`input '${name}': ${at} is a list where a value was expected (ragged array)`);
      flat.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== dims[depth]) throw new UsageError(`input '${name}': ${at} must be a list of ${dims[depth]} items (ragged array)`);
    x.forEach((y, i) => walk(y, depth + 1, `${at}[${i}]`));
  };
  walk(value, 0, 'data');
  return { flat, dims };
}

function typedData(type: string, flat: unknown[], name: string): Tensor['data'] {
  const bad = (i: number, want: string): never => {
    throw new UsageError(`input '${name}': value #${i} must be ${want}, got ${JSON.stringify(flat[i])}`);
  };
  const nums = (want: 'number' | 'integer'): number[] =>
    flat.map((x, i) => (typeof x === 'number' && Number.isFinite(x) && (want === 'number' || Number.isInteger(x)) ? x : typeof x === 'boolean' ? Number(x) : bad(i, `a finite ${want}`)));
  switch (type) {
    case 'float32':
      return Float32Array.from(nums('number'));
    case 'float64':
      return Float64Array.from(nums('number'));
    case 'int8':
      return Int8Array.from(nums('integer'));
    case 'uint8':
      return Uint8Array.from(nums('integer'));
    case 'int16':
      return Int16Array.from(nums('integer'));
    case 'uint16':
      return Uint16Array.from(nums('integer'));
    case 'int32':
      return Int32Array.from(nums('integer'));
    case 'uint32':
      return Uint32Array.from(nums('integer'));
    case 'int64':
      return BigInt64Array.from(nums('integer'), (x) => BigInt(x));
    case 'uint64':
      return BigUint64Array.from(nums('integer'), (x) => BigInt(x));
    case 'bool':
      return Uint8Array.from(flat, (x, i) => (typeof x === 'boolean' ? Number(x) : bad(i, 'true or false')));
    case 'string':
      return flat.map((x, i) => (typeof x === 'string' ? x : bad(i, 'a string'))) as string[];
    default:
      throw new UsageError(`input '${name}': tensors of type ${type} are not supported from JSON`);
  }
}

async function toTensor(value: unknown, info: TensorInfo): Promise<Tensor> {
  const { Tensor } = await ort();
  if (isTensorLike(value)) {
    const type = value.type ?? info.type;
    const data = ArrayBuffer.isView(value.data) ? (value.data as Tensor['data']) : typedData(type, Array.from(value.data), info.name);
    return new Tensor(type as 'float32', data as Float32Array, value.dims);
  }
  const { flat, dims } = flatten(value, info.name);
  if (info.shape.length > 0) {
    if (dims.length !== info.shape.length && !(flat.length === 0 && dims.length === 1)) {
      throw new UsageError(`input '${info.name}' must have ${info.shape.length} dimension(s) [${info.shape.join(', ')}], got ${dims.length} [${dims.join(', ')}]`);
    }
    // an empty batch: [] stands for [0, …fixed dims]
    if (flat.length === 0 && dims.length === 1 && info.shape.length > 1) dims.push(...info.shape.slice(1).map((d) => (typeof d === 'number' && d > 0 ? d : 0)));
    info.shape.forEach((d, i) => {
      if (typeof d === 'number' && d > 0 && dims[i] !== d && !(flat.length === 0 && i === 0)) {
        throw new UsageError(`input '${info.name}': dimension ${i} must be ${d}, got ${dims[i]}`);
      }
    });
  }
  return new Tensor(info.type as 'float32', typedData(info.type, flat, info.name) as Float32Array, dims);
}

/** The shortest decimal that reads back as the same float32 (what NumPy prints for float32). */
export function float32Json(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let p = 1; p < 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return Number(x.toPrecision(9));
}

/** A tensor → nested JSON arrays (bigints as numbers, float32 printed as float32). */
export function tensorToJson(t: Tensor): unknown {
  const data = t.data as ArrayLike<number | bigint | string | boolean>;
  const conv: (x: unknown) => unknown =
    t.type === 'float32' ? (x) => float32Json(x as number) : t.type === 'bool' ? (x) => Boolean(x) : typeof data[0] === 'bigint' ? (x) => Number(x) : (x) => x;
  const dims = t.dims;
  if (dims.length === 0) return conv(data[0]);
  let k = 0;
  const build = (d: number): unknown[] => {
    const n = dims[d];
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = d === dims.length - 1 ? conv(data[k++]) : build(d + 1);
    return out;
  };
  return build(0);
}

// ---------------------------------------------------------------------------------------------
// The runtime
// ---------------------------------------------------------------------------------------------

export const onnxRuntime: Runtime = {
  name: 'onnx',
  async requirements() {
    const o = await ort();
    return { 'onnxruntime-node': o.env.versions.node ?? o.env.versions.common };
  },
  async describe(file) {
    return onnxMethods(await inspectOnnx(await fs.readFile(file), file));
  },
  async load(_dir: string, meta: ModelMeta, file: string): Promise<RuntimeInstance> {
    const { InferenceSession } = await ort();
    let session: InferenceSession;
    try {
      // One intra-op thread: a server answers many small requests concurrently on the event loop,
      // and ORT's own worker threads only take CPU from it (measured in bench/serve.mjs: batched
      // 129 → 79 µs of CPU per request).
      session = await InferenceSession.create(await fs.readFile(file), { intraOpNumThreads: 1 });
    } catch (e) {
      throw new FileFormatError(file, `onnxruntime cannot load it: ${(e as Error).message}`, { cause: e });
    }
    const inputs = infos(session.inputMetadata, 'input', file);
    const outputs = infos(session.outputMetadata, 'output', file);
    const feeds = async (data: unknown): Promise<Record<string, Tensor>> => {
      if (inputs.length === 1 && (Array.isArray(data) || isTensorLike(data))) return { [inputs[0].name]: await toTensor(data, inputs[0]) };
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        throw new UsageError(`the model takes ${inputs.length === 1 ? 'an array' : 'an object'} with input(s) ${inputs.map((i) => `'${i.name}'`).join(', ')}`);
      }
      const o = data as Record<string, unknown>;
      const f: Record<string, Tensor> = {};
      for (const i of inputs) {
        if (!(i.name in o)) throw new UsageError(`input '${i.name}' is missing`);
        f[i.name] = await toTensor(o[i.name], i);
      }
      return f;
    };
    const methods: RuntimeInstance['methods'] = {};
    for (const sig of meta.methods) {
      const name = sig.output_name;
      if (name !== undefined && !outputs.some((o) => o.name === name)) {
        throw new FileFormatError('keel-model.yaml', `method '${sig.name}' returns output '${name}', which the graph does not have (outputs: ${outputs.map((o) => o.name).join(', ')})`, {
          data: { field: 'methods.output_name' },
        });
      }
      methods[sig.name] = async (data) => {
        const f = await feeds(data);
        const res = name !== undefined ? await session.run(f, [name]) : await session.run(f);
        if (name !== undefined) return tensorToJson(res[name] as Tensor);
        return Object.fromEntries(outputs.map((o) => [o.name, tensorToJson(res[o.name] as Tensor)]));
      };
    }
    return {
      methods,
      close: () => session.release(),
    };
  },
};
