/**
 * `keel apply <package> <input>`: batch scoring (MLEM's `mlem apply`). Reads rows from JSON (an
 * array, or `{"data": [...]}`), JSONL (one row per line) or CSV (the `text` column, or the first
 * one, for a model taking texts; every column as numbers otherwise), runs them through a method
 * in batches, and writes the results as JSON, JSONL or CSV (by the output's extension).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { FileFormatError, NotFoundError, UsageError, isErrno } from '../errors/index.js';
import { loadModel } from '../model/package.js';
import type { JsonSchema } from '../model/types.js';
import { writeFileAtomic } from '../util/fs.js';
import { silentIo, type Io } from './io.js';

export type TableFormat = 'json' | 'jsonl' | 'csv';

export interface ApplyOptions {
  /** the package directory */
  model: string;
  /** the input file */
  input: string;
  /** default: the package's first method */
  method?: string;
  /** output file (.json, .jsonl, .csv); absent: the results are returned */
  output?: string;
  /** rows per call (default 256) */
  batchSize?: number;
  /** input format when the extension does not tell */
  inputFormat?: TableFormat;
}

export interface ApplyResult {
  method: string;
  rows: number;
  batches: number;
  /** the output file written, if any */
  output?: string;
  format?: TableFormat;
  /** the results, when no output file was given */
  results?: unknown[];
}

export function formatOf(file: string, fallback?: TableFormat): TableFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.csv') return 'csv';
  if (fallback) return fallback;
  throw new UsageError(`cannot tell the format of '${file}' from its extension`, { hint: 'use .json, .jsonl or .csv' });
}

/** RFC 4180 CSV → rows of fields (quotes, doubled quotes, CRLF, newlines inside quotes). */
export function parseCsv(text: string, file = 'input.csv'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let quoted = false;
  let line = 1;
  const n = text.length;
  const endField = (): void => {
    row.push(field);
    field = '';
  };
  const endRow = (): void => {
    endField();
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === ',') {
      endField();
      i++;
    } else if (c === '\n' || c === '\r') {
      endRow();
      line++;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new FileFormatError(file, `a quoted field is not closed (line ${line})`);
  if (field !== '' || row.length) endRow();
  return rows;
}

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Does the method take a list of strings (one text per row)? */
function takesTexts(schema: JsonSchema): boolean {
  const items = schema.items as JsonSchema | undefined;
  return schema.type === 'array' && items?.type === 'string';
}

async function readRows(file: string, format: TableFormat, inputSchema: JsonSchema): Promise<unknown[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'ENOTDIR')) throw new NotFoundError(`input '${file}' does not exist`, { data: { path: file } });
    throw e;
  }
  if (format === 'json') {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new FileFormatError(file, `not valid JSON: ${(e as Error).message}`);
    }
    if (doc && typeof doc === 'object' && !Array.isArray(doc) && Array.isArray((doc as { data?: unknown }).data)) doc = (doc as { data: unknown[] }).data;
    if (!Array.isArray(doc)) throw new FileFormatError(file, 'must hold a JSON array of rows (or {"data": [...]})');
    return doc;
  }
  if (format === 'jsonl') {
    const rows: unknown[] = [];
    text.split('\n').forEach((l, i) => {
      if (l.trim() === '') return;
      try {
        rows.push(JSON.parse(l));
      } catch (e) {
        throw new FileFormatError(file, `line ${i + 1} is not valid JSON: ${(e as Error).message}`, { data: { line: i + 1 } });
      }
    });
    return rows;
  }
  const table = parseCsv(text, file);
  if (table.length === 0) return [];
  const [header, ...body] = table;
  if (takesTexts(inputSchema)) {
    const col = Math.max(0, header.findIndex((h) => h.trim().toLowerCase() === 'text'));
    return body.map((r) => r[col] ?? '');
  }
  return body.map((r, i) =>
    r.map((v, j) => {
      const x = Number(v);
      if (v.trim() === '' || !Number.isFinite(x)) throw new FileFormatError(file, `row ${i + 2}, column '${header[j] ?? j + 1}': '${v}' is not a number`);
      return x;
    }),
  );
}

/** Append a batch's result to the results so far (arrays concatenate; objects of arrays per key). */
function appendBatch(acc: unknown[], res: unknown, n: number, method: string): void {
  if (Array.isArray(res)) {
    if (res.length !== n) throw new UsageError(`method '${method}' returned ${res.length} results for ${n} rows`);
    for (const r of res) acc.push(r);
    return;
  }
  if (res && typeof res === 'object') {
    // every output keyed by name: one {name: row result} object per row
    const o = res as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.every((k) => Array.isArray(o[k]) && (o[k] as unknown[]).length === n)) {
      for (let i = 0; i < n; i++) acc.push(Object.fromEntries(keys.map((k) => [k, (o[k] as unknown[])[i]])));
      return;
    }
  }
  throw new UsageError(`method '${method}' does not return one result per row, so it cannot be applied in batches`);
}

function writeTable(results: unknown[], format: TableFormat, method: string): string {
  if (format === 'json') return JSON.stringify(results) + '\n';
  if (format === 'jsonl') return results.map((r) => JSON.stringify(r)).join('\n') + (results.length ? '\n' : '');
  // csv: a scalar → one column named after the method; a list → method_0, method_1…; an object → its keys
  const first = results[0];
  let header: string[];
  let cells: (r: unknown) => unknown[];
  if (Array.isArray(first)) {
    header = first.map((_, i) => `${method}_${i}`);
    cells = (r) => (Array.isArray(r) ? r : [r]);
  } else if (first && typeof first === 'object') {
    header = Object.keys(first);
    cells = (r) => header.map((k) => (r as Record<string, unknown>)[k]);
  } else {
    header = [method];
    cells = (r) => [r];
  }
  return [header.map(csvField).join(','), ...results.map((r) => cells(r).map(csvField).join(','))].join('\n') + '\n';
}

export async function apply(cwd: string, o: ApplyOptions, io: Io = silentIo): Promise<ApplyResult> {
  const batchSize = o.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`--batch-size must be a positive integer, got ${batchSize}`);
  const model = await loadModel(path.resolve(cwd, o.model));
  try {
    const method = o.method ?? model.meta.methods[0].name;
    const sig = model.meta.methods.find((m) => m.name === method);
    if (!sig) {
      throw new UsageError(`the model has no method '${method}'`, { hint: `methods: ${model.meta.methods.map((m) => m.name).join(', ')}` });
    }
    const inputFile = path.resolve(cwd, o.input);
    const rows = await readRows(inputFile, formatOf(o.input, o.inputFormat ?? 'json'), sig.input);
    const results: unknown[] = [];
    const bar = io.progress(`Applying ${method}`, rows.length, 'objects');
    let batches = 0;
    try {
      for (let i = 0; i < rows.length; i += batchSize) {
        const batch = rows.slice(i, i + batchSize);
        appendBatch(results, await model.methods[method](batch), batch.length, method);
        batches++;
        bar.tick(batch.length);
      }
    } finally {
      bar.done();
    }
    if (!o.output) return { method, rows: rows.length, batches, results };
    const format = formatOf(o.output);
    const outFile = path.resolve(cwd, o.output);
    await fs.mkdir(path.dirname(outFile), { recursive: true });
    await writeFileAtomic(outFile, writeTable(results, format, method));
    return { method, rows: rows.length, batches, output: outFile, format };
  } finally {
    await model.close();
  }
}
