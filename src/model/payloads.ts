/**
 * Request payloads: the MLEM body (`{"data": …}`, its schema from the method's input) and MLflow
 * scoring-server payloads (`dataframe_split`, `dataframe_records`, `instances`, `inputs`, CSV) → a method's `data`.
 */
import { HttpError } from './http-errors.js';
import type { JsonSchema, LoadedModel, MethodSignature } from './types.js';

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The method MLflow's /invocations runs: `predict` when there is one, else the first. */
export function mlflowMethod(model: LoadedModel): MethodSignature | undefined {
  return model.meta.methods.find((m) => m.name === 'predict') ?? model.meta.methods[0];
}

/** The signature's input schema without draft markers the validator does not need. */
export function bodySchema(input: JsonSchema): JsonSchema {
  const { $schema: _s, $id: _i, ...rest } = input;
  return rest;
}

/**
 * `dataframe_split` / `dataframe_records` / `instances` / `inputs` → rows shaped as the input
 * schema's items: objects (records), arrays (rows of values) or scalars (one column, e.g. texts).
 */
export function fromMlflow(body: unknown, input: JsonSchema): unknown {
  const keys = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'];
  const given = isObject(body) ? keys.filter((k) => k in body) : [];
  if (!isObject(body) || given.length !== 1) {
    throw new HttpError(400, 'BAD_REQUEST', `the body must be a JSON object with exactly one of ${keys.join(', ')} (MLflow 2 scoring protocol)${given.length > 1 ? `; got ${given.join(' and ')}` : ''}`);
  }
  const key = given[0];
  const v = body[key];
  if (key === 'inputs') return v;
  const items = (isObject(input.items) ? input.items : {}) as JsonSchema;
  const want = items.type === 'object' ? 'object' : items.type === 'array' ? 'array' : 'scalar';
  if (key === 'dataframe_split') {
    if (!isObject(v) || !Array.isArray(v.data)) throw new HttpError(400, 'BAD_REQUEST', 'dataframe_split needs {"columns": [...], "data": [[...], ...]}');
    const cols = Array.isArray(v.columns) ? (v.columns as unknown[]).map(String) : undefined;
    return (v.data as unknown[]).map((row) => shapeRow(Array.isArray(row) ? row : [row], cols, want));
  }
  if (!Array.isArray(v)) throw new HttpError(400, 'BAD_REQUEST', `${key} must be a JSON array`);
  if (key === 'dataframe_records') {
    return v.map((rec) => {
      if (!isObject(rec)) throw new HttpError(400, 'BAD_REQUEST', 'dataframe_records must be a list of objects');
      return want === 'object' ? rec : shapeRow(Object.values(rec), Object.keys(rec), want);
    });
  }
  // instances: rows as given; single-key objects unwrap to their value for scalar/array inputs
  return v.map((r) => (isObject(r) && want !== 'object' ? shapeRow(Object.values(r), Object.keys(r), want) : r));
}

function shapeRow(values: unknown[], cols: string[] | undefined, want: 'object' | 'array' | 'scalar'): unknown {
  if (want === 'object') {
    if (!cols) throw new HttpError(400, 'BAD_REQUEST', 'dataframe_split needs "columns" for a model whose rows are objects');
    return Object.fromEntries(cols.map((c, i) => [c, values[i]]));
  }
  if (want === 'scalar') {
    if (values.length !== 1) throw new HttpError(400, 'BAD_REQUEST', `the model takes one column per row; got ${values.length}`);
    return values[0];
  }
  return values;
}

/** A CSV body (header row + rows; numbers parsed) as an MLflow `dataframe_split` payload. */
export function csvToSplit(text: string): { dataframe_split: { columns: string[]; data: unknown[][] } } {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length === 0) throw new HttpError(400, 'BAD_REQUEST', 'empty CSV body');
  const cell = (s: string): unknown => {
    const t = s.trim().replace(/^"(.*)"$/, '$1');
    return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
  };
  const [head, ...rows] = lines.map((l) => l.split(','));
  return { dataframe_split: { columns: head.map((h) => String(cell(h))), data: rows.map((r) => r.map(cell)) } };
}
